"""Export catalogue rows in the G2 template layout (Mẫu 03/DM drugs, 04/DM supplies, 05/DM services …).

Column order is the template's (= XML tag order, catalogues.md §2.1, §3.1, §4.1); dates are ``yyyymmdd``;
codes stay text. XLSX (sheet ``MAU_0x``) or CSV by the file suffix.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

from claims.catalogue.layouts import LAYOUTS, Layout, norm
from claims.catalogue.loader import CatalogueRow
from rules import TariffRow

# G1 (gateway download) name → G2 name where they differ (catalogues.md §2.2, §4.2)
G1_TO_G2 = {
    "MATUONGDUONG": "MA_DICH_VU",
    "TENDVKTPHEDUYET": "TEN_DICH_VU",
    "GHICHU": "GHI_CHU",
    "QUYETDINH": "QD_DVKT",
}
_CODE_COL = {
    "drug": "MA_THUOC",
    "supply": "MA_VAT_TU",
    "service": "MA_DICH_VU",
    "department": "MA_KHOA",
    "staff": "MACCHN",
    "equipment": "MA_MAY",
}
_NAME_COL = {
    "drug": "TEN_THUOC",
    "supply": "TEN_VAT_TU",
    "service": "TEN_DICH_VU",
    "department": "TEN_KHOA",
    "staff": "HO_TEN",
    "equipment": "TEN_TB",
}


def _d8(value: date | None) -> str:
    return value.strftime("%Y%m%d") if value else ""


def _num(value: Decimal | None) -> str:
    if value is None:
        return ""
    return str(value.quantize(Decimal(1))) if value == value.to_integral_value() else str(value.normalize())


def _from_catalogue_row(r: CatalogueRow, lay: Layout, facility: str) -> dict[str, str]:
    exact = {k.strip().upper(): v for k, v in r.attributes.items()}
    normed: dict[str, str] = {}
    for k, v in r.attributes.items():
        normed.setdefault(norm(k), v)
    for g1, g2 in G1_TO_G2.items():
        if g1 in normed and g2 not in exact:
            exact[g2] = normed[g1]
    if lay.kind == "drug" and "DENNGAY" in exact:
        # G1 drug files: TU_NGAY/DEN_NGAY (positions 19-20) were the contract window as well as the validity
        exact.setdefault("TU_NGAY_HD", exact.get("TU_NGAY", ""))
        exact.setdefault("DEN_NGAY_HD", exact.get("DEN_NGAY", ""))
    out = {col: exact[col] if col in exact else normed.get(norm(col), "") for col in lay.g2_columns}
    out[_CODE_COL[lay.kind]] = r.code
    out[_NAME_COL[lay.kind]] = r.name
    out["TU_NGAY"] = _d8(r.valid_from)
    out["DEN_NGAY"] = _d8(r.valid_to)
    out["MA_CSKCB"] = facility or r.facility
    return out


def _from_tariff_row(r: TariffRow, lay: Layout, facility: str) -> dict[str, str]:
    out = dict.fromkeys(lay.g2_columns, "")
    out[_CODE_COL[lay.kind]] = r.code
    out[_NAME_COL[lay.kind]] = r.name
    if lay.kind == "service":
        out["DON_GIA"] = _num(r.price_bh)
        out["GIA_THANH_TOAN"] = _num(r.price_bh)
        out["GHI_CHU"] = r.conditions
    else:
        out["DON_GIA_BH"] = _num(r.price_bh)
        out["DON_VI_TINH"] = r.unit
        # the variant is the loader's join of these columns in this order (loader._parse_row)
        cols = ("SO_DANG_KY", "HAM_LUONG", "TT_THAU") if lay.kind == "drug" else ("TT_THAU",)
        parts = r.variant.split("|") if r.variant else []
        if len(parts) == len(cols):
            out.update(zip(cols, parts, strict=True))
        if lay.kind == "supply":
            out["TYLE_TT_BH"] = _num(r.payment_ratio)
    out["TU_NGAY"] = _d8(r.valid_from)
    out["DEN_NGAY"] = _d8(r.valid_to)
    out["MA_CSKCB"] = facility
    return out


def g2_records(
    rows: Sequence[CatalogueRow | TariffRow], kind: str, facility: str = ""
) -> list[dict[str, str]]:
    """Rows as G2 records (column → text), numbered by ``STT``."""
    lay = LAYOUTS[kind]
    out = []
    for i, r in enumerate(rows, start=1):
        rec = (
            _from_catalogue_row(r, lay, facility)
            if isinstance(r, CatalogueRow)
            else _from_tariff_row(r, lay, facility)
        )
        rec["STT"] = str(i)
        out.append(rec)
    return out


def export_g2(rows: Sequence[CatalogueRow | TariffRow], kind: str, path: Path, facility: str = "") -> int:
    """Write ``rows`` in the G2 layout of ``kind`` to ``path`` (.xlsx or .csv); returns the number of rows."""
    lay = LAYOUTS[kind]
    records = g2_records(rows, kind, facility)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = lay.sheet
        ws.append(list(lay.g2_columns))
        for rec in records:
            ws.append([rec[c] for c in lay.g2_columns])
        # codes and dates are text: keep leading zeros and yyyymmdd as typed
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                cell.number_format = "@"
        wb.save(path)
    else:
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(lay.g2_columns))
            writer.writeheader()
            writer.writerows(records)
    return len(records)
