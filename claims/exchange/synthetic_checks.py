"""Synthetic, internally consistent claims in the checks' plain input, by field code (no real person in them).

Used by `bench/checks.py` and the review tests: with :func:`catalogue` every generated claim passes the whole
check catalogue, so a test can add one defect and see exactly its finding.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from rules import checks
from rules.checks import CatalogueKind, CatalogueRow

FACILITY = "79001"
D = Decimal
CENT = D("0.01")

SERVICES = [
    ("02.03", "13", "Khám Nội", D(39800)),
    ("22.0001.1234", "1", "Tổng phân tích tế bào máu", D(50000)),
    ("22.0120.1370", "1", "Định lượng Glucose", D(21500)),
    ("18.0015.0001", "2", "Siêu âm ổ bụng", D(43900)),
    ("21.0014.1778", "3", "Điện tim thường", D(35400)),
    ("03.3911.0200", "18", "Thay băng", D(64300)),
]
DRUGS = [
    ("40.1021", "Paracetamol 500mg", "500mg", "VD-35956-22", "1323/QĐ-BVĐK;G1;N4;2024", D(6300)),
    ("40.444", "Omeprazol 20mg", "20mg", "893110470824", "622/QĐ-SYT;G1;N4;2024", D(3400)),
    ("40.678", "Amoxicilin 500mg", "500mg", "890110000100", "86/QĐ-TTMS;G1;N2;2024", D(1590)),
]


def _r2(v: Decimal) -> Decimal:
    return v.quantize(CENT, rounding=ROUND_HALF_UP)


def _t(m: datetime) -> str:
    return m.strftime("%Y%m%d%H%M")


def _money(line: dict[str, str], qty: Decimal, price: Decimal, *, drug: bool, mh: int, dept: str) -> None:
    bv = _r2(qty * price)
    bhtt = _r2(bv * mh / 100)
    line.update(
        SO_LUONG=str(qty), THANH_TIEN_BV=str(bv), THANH_TIEN_BH=str(bv), MUC_HUONG=str(mh), T_BHTT=str(bhtt),
        T_BNCCT=str(bv - bhtt), T_BNTT="0", T_NGUONKHAC="0", TYLE_TT_BH="100", PHAM_VI="1", MA_PTTT="1",
        MA_KHOA=dept, MA_BAC_SI="000002/HCM-CCHN",
    )
    if drug:
        line["DON_GIA"] = str(price)
    else:
        line.update(DON_GIA_BV=str(price), DON_GIA_BH=str(price), TYLE_TT_DV="100")


def claim_tables(
    i: int, rng: random.Random, month: date, *, facility: str = FACILITY, department: str = "K02"
) -> dict[str, list[dict[str, str]]]:
    """One claim of ``month``: 3 drug lines and 12 service lines, 30 % inpatient, amounts that add up."""
    lk = f"LK{i:07d}"
    card = f"GD4{79}{i:010d}"
    start = datetime(month.year, month.month, 1, 7) + timedelta(minutes=rng.randrange(0, 27 * 24 * 60))
    inpatient = rng.random() < 0.3
    end = start + (timedelta(days=rng.randrange(1, 4), hours=2) if inpatient else timedelta(hours=3))
    mh = 80
    lines2: list[dict[str, str]] = []
    lines3: list[dict[str, str]] = []
    for n in range(3):
        code, name, strength, reg, tender, price = DRUGS[n % len(DRUGS)]
        yl = start + timedelta(minutes=30 + n)
        line = {"MA_LK": lk, "STT": str(n + 1), "MA_THUOC": code, "MA_NHOM": "4", "TEN_THUOC": name,
                "HAM_LUONG": strength, "SO_DANG_KY": reg, "TT_THAU": tender, "NGAY_YL": _t(yl),
                "NGAY_TH_YL": _t(yl + timedelta(minutes=5))}
        _money(line, D(rng.randrange(1, 10)), price, drug=True, mh=mh, dept=department)
        lines2.append(line)
    for n in range(12):
        code, grp, name, price = SERVICES[0] if n == 0 else SERVICES[1 + (n % (len(SERVICES) - 1))]
        yl = start + timedelta(minutes=10 + 7 * n)
        line = {"MA_LK": lk, "STT": str(n + 1), "MA_DICH_VU": code, "MA_NHOM": grp, "TEN_DICH_VU": name,
                "NGAY_YL": _t(yl), "NGAY_TH_YL": _t(yl + timedelta(minutes=3)),
                "NGAY_KQ": _t(yl + timedelta(minutes=40)) if grp != "13" else "",
                "NGUOI_THUC_HIEN": "000003/HCM-CCHN", "PP_VO_CAM": "", "MA_BENH": "K29.7"}
        _money(line, D(1), price, drug=False, mh=mh, dept=department)
        lines3.append(line)
    lines = lines2 + lines3

    def s(name: str) -> str:
        return str(sum((D(r[name]) for r in lines), D(0)))

    x1 = {
        "MA_LK": lk, "STT": "1", "MA_BN": f"BN{i}", "HO_TEN": "X", "SO_CCCD": "001234567890",
        "NGAY_SINH": "198001010000", "GIOI_TINH": "1", "MA_THE_BHYT": card, "MA_DKBD": facility,
        "GT_THE_TU": f"{month.year}0101", "GT_THE_DEN": f"{month.year}1231", "MA_BENH_CHINH": "K29.7",
        "MA_BENH_KT": "I10", "MA_DOITUONG_KCB": "1.1", "NGAY_VAO": _t(start),
        "NGAY_VAO_NOI_TRU": _t(start + timedelta(minutes=20)) if inpatient else "", "NGAY_RA": _t(end),
        "SO_NGAY_DTRI": str((end.date() - start.date()).days + 1) if inpatient else "0", "LY_DO_VNT": "x",
        "KET_QUA_DTRI": "1", "MA_LOAI_RV": "1", "NGAY_TTOAN": _t(end), "MA_LOAI_KCB": "03" if inpatient else "01",
        "MA_KHOA": department, "MA_CSKCB": facility, "CAN_NANG": "60", "MA_TTDV": "000001/HCM-CCHN",
        "T_THUOC": str(sum((D(r["THANH_TIEN_BV"]) for r in lines2), D(0))), "T_VTYT": "0",
        "T_TONGCHI_BV": s("THANH_TIEN_BV"), "T_TONGCHI_BH": s("THANH_TIEN_BH"), "T_BNTT": s("T_BNTT"),
        "T_BNCCT": s("T_BNCCT"), "T_BHTT": s("T_BHTT"), "T_NGUONKHAC": "0", "T_BHTT_GDV": s("T_BHTT"),
        "NAM_QT": str(month.year), "THANG_QT": str(month.month),
    }
    tables = {"XML1": [x1], "XML2": lines2, "XML3": lines3}
    if inpatient:
        tables["XML5"] = [{"MA_LK": lk, "STT": "1", "DIEN_BIEN_LS": "ổn", "THOI_DIEM_DBLS": _t(start)}]
        tables["XML7"] = [{"MA_LK": lk, "NGAY_VAO": _t(start), "NGAY_RA": _t(end), "NGAY_CT": end.strftime("%Y%m%d")}]
    return tables


def catalogue() -> checks.InMemoryCatalogue:
    start = date(2024, 1, 1)
    rows = [CatalogueRow(CatalogueKind.SERVICE, c, n, p, start) for c, _g, n, p in SERVICES]
    rows += [CatalogueRow(CatalogueKind.DRUG, c, n, p, start, tender=t, strength=s, registration=r)
             for c, n, s, r, t, p in DRUGS]
    return checks.InMemoryCatalogue(rows)
