"""Test-only adapter: the six real QĐ 130 samples → :class:`rules.Encounter` (card, route, dates)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from claims.catalogue.samples import read_envelope
from rules import Card, Encounter, Facility, FiveYear, Line

INPATIENT_KINDS = {"03", "04", "06", "09"}
GROUP_BY_NHOM = {
    "13": "exam",
    "14": "bed",
    "15": "bed",
    "16": "bed",
    "10": "supply",
    "11": "supply",
    "12": "transport",
}


def dec(text: str | None) -> Decimal:
    return Decimal((text or "0").replace(",", ".") or "0")


def d8(text: str) -> date | None:
    return date(int(text[:4]), int(text[4:6]), int(text[6:8])) if text else None


def dt12(text: str) -> datetime | None:
    return datetime.strptime(text[:12], "%Y%m%d%H%M") if text else None


def load(path: Path) -> tuple[Encounter, dict[int, tuple[str, dict[str, str]]], dict[str, str]]:
    """Encounter, map stt → (table, original row), XML1 row."""
    tables = read_envelope(path)
    x1 = tables["XML1"][0]
    codes = x1["MA_THE_BHYT"].split(";")
    starts = x1.get("GT_THE_TU", "").split(";")
    ends = x1.get("GT_THE_DEN", "").split(";")
    regs = x1.get("MA_DKBD", "").split(";")
    cards = tuple(
        Card(
            c,
            d8(starts[i]) if i < len(starts) else None,
            d8(ends[i]) if i < len(ends) else None,
            regs[i] if i < len(regs) else "",
        )
        for i, c in enumerate(codes)
    )
    admission = dt12(x1["NGAY_VAO"])
    assert admission is not None
    lines: list[Line] = []
    origin: dict[int, tuple[str, dict[str, str]]] = {}
    for table in ("XML2", "XML3"):
        for row in tables[table]:
            stt = len(lines) + 1
            origin[stt] = (table, row)
            nhom = row.get("MA_NHOM", "")
            kw: dict[str, Any] = {}
            if table == "XML2":
                group = "drug"
                code = row["MA_THUOC"]
                price_bv = price_bh = dec(row["DON_GIA"])
                ratio_dv = Decimal(100)
            else:
                group = GROUP_BY_NHOM.get(nhom, "service")
                code = row.get("MA_DICH_VU") or row.get("MA_VAT_TU", "")
                price_bv, price_bh = dec(row["DON_GIA_BV"]), dec(row["DON_GIA_BH"])
                ratio_dv = dec(row.get("TYLE_TT_DV") or "100")
                if row.get("T_TRANTT"):
                    kw["t_trantt"] = dec(row["T_TRANTT"])
            nk = dec(row.get("T_NGUONKHAC"))
            lines.append(
                Line(
                    stt=stt,
                    code=code,
                    group=group,
                    quantity=dec(row["SO_LUONG"]),
                    unit_price_bv=price_bv,
                    unit_price_bh=price_bh,
                    service_ratio=ratio_dv,
                    listed_payment_ratio=dec(row.get("TYLE_TT_BH")),
                    pham_vi=int(row.get("PHAM_VI") or 1),
                    t_nguonkhac=nk,
                    t_nguonkhac_type="b" if nk else None,
                    line_datetime=dt12(row.get("NGAY_YL", "")),
                    ma_nhom=nhom,
                    ma_pttt=int(row.get("MA_PTTT") or 1),
                    **kw,
                )
            )
    code_kcb = x1.get("MA_DOITUONG_KCB") or None
    enc = Encounter(
        encounter_date=admission.date(),
        cards=cards,
        facility=Facility(x1.get("MA_CSKCB", "")),
        route="emergency" if code_kcb in ("2", "02") else "registered_facility",
        visit_type="inpatient" if x1.get("MA_LOAI_KCB") in INPATIENT_KINDS else "outpatient",
        lines=tuple(lines),
        ma_lk=x1.get("MA_LK", ""),
        registered_facility=regs[0],
        emergency=code_kcb in ("2", "02"),
        admission_datetime=admission,
        discharge_datetime=dt12(x1.get("NGAY_RA", "")),
        ma_loai_kcb=x1.get("MA_LOAI_KCB"),
        ma_doituong_kcb=code_kcb,
        ma_khuvuc=x1.get("MA_KHUVUC") or None,
        discharge_type=x1.get("MA_LOAI_RV") or None,
        five_year=FiveYear(d8(x1.get("NAM_NAM_LIEN_TUC", "")), d8(x1.get("NGAY_MIEN_CCT", "")), None),
    )
    return enc, origin, x1
