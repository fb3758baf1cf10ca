"""A clean synthetic inpatient claim (passes every check) and helpers to mutate it in tests and benchmarks."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from rules import checks
from rules.checks import CardLookupResult, CatalogueKind, CatalogueRow, CodeList

FACILITY = "79001"
CARD = "GD4790000000001"
D = Decimal


def _r2(v: Decimal) -> Decimal:
    return v.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def money_line(line: dict[str, str], *, drug: bool, muc_huong: int = 80) -> dict[str, str]:
    """Fill the amount fields of a line from quantity, prices and ratios (QĐ 4750 formulas)."""
    qty = D(line["SO_LUONG"])
    bh_ratio = D(line.get("TYLE_TT_BH", "100"))
    if drug:
        price = D(line["DON_GIA"])
        bv = _r2(qty * price)
        bh = _r2(qty * price * bh_ratio / 100)
    else:
        dv = D(line.get("TYLE_TT_DV", "100"))
        bv = _r2(qty * D(line["DON_GIA_BV"]) * dv / 100)
        bh = _r2(qty * D(line["DON_GIA_BH"]) * dv / 100 * bh_ratio / 100)
    bhtt = _r2(bh * muc_huong / 100)
    out = dict(line)
    out.update(
        THANH_TIEN_BV=str(bv),
        THANH_TIEN_BH=str(bh),
        MUC_HUONG=str(muc_huong),
        T_BHTT=str(bhtt),
        T_BNCCT=str(bh - bhtt),
        T_BNTT=str(bv - bh),
        T_NGUONKHAC="0",
        T_NGUONKHAC_NSNN="0",
        T_NGUONKHAC_VTNN="0",
        T_NGUONKHAC_VTTN="0",
        T_NGUONKHAC_CL="0",
    )
    out.setdefault("TYLE_TT_BH", "100")
    out.setdefault("PHAM_VI", "1")
    out.setdefault("MA_PTTT", "1")
    return out


def totals(tables: dict[str, list[dict[str, str]]]) -> None:
    """Recompute the XML1 totals from the lines."""
    drugs, services = tables.get("XML2", []), tables.get("XML3", [])
    lines = drugs + services

    def s(rows: list[dict[str, str]], name: str) -> str:
        return str(sum((D(r.get(name) or "0") for r in rows), D(0)))

    x1 = tables["XML1"][0]
    x1.update(
        T_THUOC=s(drugs, "THANH_TIEN_BV"),
        T_VTYT=s([r for r in services if r["MA_NHOM"] in ("10", "11")], "THANH_TIEN_BV"),
        T_TONGCHI_BV=s(lines, "THANH_TIEN_BV"),
        T_TONGCHI_BH=s(lines, "THANH_TIEN_BH"),
        T_BNTT=s(lines, "T_BNTT"),
        T_BNCCT=s(lines, "T_BNCCT"),
        T_BHTT=s(lines, "T_BHTT"),
        T_NGUONKHAC=s(lines, "T_NGUONKHAC"),
        T_BHTT_GDV=s([r for r in lines if r.get("MA_PTTT") == "1"], "T_BHTT"),
    )


def clean_tables(ma_lk: str = "LK001", *, card: str = CARD, bn: str = "BN1") -> dict[str, list[dict[str, str]]]:
    x1 = {
        "MA_LK": ma_lk, "STT": "1", "MA_BN": bn, "HO_TEN": "NGUOI BENH", "SO_CCCD": "001234567890",
        "NGAY_SINH": "198001010000", "GIOI_TINH": "1", "MA_QUOCTICH": "000", "MA_DANTOC": "01",
        "MA_THE_BHYT": card, "MA_DKBD": FACILITY, "GT_THE_TU": "20250101", "GT_THE_DEN": "20251231",
        "LY_DO_VV": "đau bụng", "LY_DO_VNT": "xuất huyết", "CHAN_DOAN_VAO": "x", "CHAN_DOAN_RV": "x",
        "MA_BENH_CHINH": "K92.2", "MA_BENH_KT": "I10;E11", "MA_DOITUONG_KCB": "1.1", "MA_NOI_DI": "",
        "MA_NOI_DEN": "", "NGAY_VAO": "202503010800", "NGAY_VAO_NOI_TRU": "202503010900",
        "NGAY_RA": "202503041000", "SO_NGAY_DTRI": "4", "KET_QUA_DTRI": "1", "MA_LOAI_RV": "1",
        "NGAY_TTOAN": "202503041000", "NAM_QT": "2025", "THANG_QT": "3", "MA_LOAI_KCB": "03", "MA_KHOA": "K02",
        "MA_CSKCB": FACILITY, "CAN_NANG": "60.5", "MA_HSBA": "HS1", "MA_TTDV": "000001/HCM-CCHN", "NGAY_MIEN_CCT": "",
    }
    doctor = "000002/HCM-CCHN"
    drug = money_line(
        {
            "MA_LK": ma_lk, "STT": "1", "MA_THUOC": "40.1021", "MA_NHOM": "4", "TEN_THUOC": "Paracetamol 500mg",
            "DON_VI_TINH": "viên", "HAM_LUONG": "500mg", "DUONG_DUNG": "1.01", "LIEU_DUNG": "1 viên x 2",
            "SO_DANG_KY": "VD-35956-22", "TT_THAU": "1323/QĐ-BVĐK;G1;N4;2024", "SO_LUONG": "2", "DON_GIA": "6300",
            "MA_KHOA": "K02", "MA_BAC_SI": doctor, "MA_BENH": "K92.2", "NGAY_YL": "202503011000",
            "NGAY_TH_YL": "202503011010",
        },
        drug=True,
    )

    def svc(stt: str, **kw: str) -> dict[str, str]:
        base = {
            "MA_LK": ma_lk, "STT": stt, "MA_DICH_VU": "", "MA_VAT_TU": "", "TEN_DICH_VU": "", "TEN_VAT_TU": "",
            "DON_VI_TINH": "lần", "TYLE_TT_DV": "100", "TYLE_TT_BH": "100", "MA_KHOA": "K02",
            "MA_BAC_SI": doctor, "MA_BENH": "K92.2",
        }
        base.update(kw)
        return money_line(base, drug=False)

    services = [
        svc("1", MA_DICH_VU="02.03", MA_NHOM="13", TEN_DICH_VU="Khám Nội", SO_LUONG="1", DON_GIA_BV="39800",
            DON_GIA_BH="39800", NGAY_YL="202503010810", NGAY_TH_YL="202503010810"),
        svc("2", MA_DICH_VU="22.0001.1234", MA_NHOM="1", TEN_DICH_VU="Tổng phân tích tế bào máu", SO_LUONG="1",
            DON_GIA_BV="50000", DON_GIA_BH="50000", NGUOI_THUC_HIEN=doctor, NGAY_YL="202503011000",
            NGAY_TH_YL="202503011010", NGAY_KQ="202503011100"),
        svc("3", MA_DICH_VU="18.0015.0001", MA_NHOM="2", TEN_DICH_VU="Siêu âm ổ bụng", SO_LUONG="1",
            DON_GIA_BV="100000", DON_GIA_BH="100000", NGUOI_THUC_HIEN=doctor, NGAY_YL="202503011000",
            NGAY_TH_YL="202503011030", NGAY_KQ="202503011200", MA_MAY="SA.1.79001.ABC123"),
        svc("4", MA_DICH_VU="10.0001.0001", MA_NHOM="8", TEN_DICH_VU="Phẫu thuật nội soi", SO_LUONG="1",
            DON_GIA_BV="1000000", DON_GIA_BH="1000000", NGUOI_THUC_HIEN=doctor, PP_VO_CAM="1",
            NGAY_YL="202503020800", NGAY_TH_YL="202503020830", NGAY_KQ="202503020930"),
        svc("5", MA_VAT_TU="N03.01.070", MA_DICH_VU="10.0001.0001", MA_NHOM="10", TEN_VAT_TU="Kim luồn",
            GOI_VTYT="G1", TT_THAU="109/QĐ-BVĐK;G3;N0;2024", SO_LUONG="1", DON_GIA_BV="5000",
            DON_GIA_BH="5000", NGAY_YL="202503020800", NGAY_TH_YL="202503020800"),
        svc("6", MA_DICH_VU="K02.NO1", MA_NHOM="15", TEN_DICH_VU="Giường Nội khoa loại 1", SO_LUONG="3",
            DON_GIA_BV="305500", DON_GIA_BH="305500", MA_GIUONG="H012", NGAY_YL="202503010900",
            NGAY_TH_YL="202503010900", NGAY_KQ="202503041000"),
    ]
    tables: dict[str, list[dict[str, str]]] = {
        "XML1": [x1],
        "XML2": [drug],
        "XML3": services,
        "XML4": [
            {"MA_LK": ma_lk, "STT": "1", "MA_DICH_VU": "22.0001.1234", "TEN_CHI_SO": "WBC", "GIA_TRI": "5",
             "NGAY_KQ": "202503011100"},
            {"MA_LK": ma_lk, "STT": "2", "MA_DICH_VU": "18.0015.0001", "TEN_CHI_SO": "Siêu âm", "MO_TA": "…",
             "KET_LUAN": "Bình thường", "NGAY_KQ": "202503011200"},
        ],
        "XML5": [{"MA_LK": ma_lk, "STT": "1", "DIEN_BIEN_LS": "ổn định", "THOI_DIEM_DBLS": "202503011000"}],
        "XML7": [{"MA_LK": ma_lk, "NGAY_VAO": "202503010800", "NGAY_RA": "202503041000", "MA_DINH_CHI_THAI": "0",
                  "NGAY_CT": "20250304", "SO_NGAY_NGHI": "", "NGOAITRU_TUNGAY": "", "NGOAITRU_DENNGAY": ""}],
        "XML14": [{"MA_LK": ma_lk, "SO_GIAYHEN_KL": "1", "MA_CSKCB": FACILITY, "HO_TEN": "NGUOI BENH",
                   "MA_THE_BHYT": card, "NGAY_VAO": "202503010800", "NGAY_RA": "202503041000",
                   "NGAY_HEN_KL": "20250311", "NGAY_CT": "20250304", "MA_BAC_SI": doctor}],
    }
    totals(tables)
    return tables


def catalogue_rows() -> list[CatalogueRow]:
    start = date(2024, 1, 1)
    return [
        CatalogueRow(CatalogueKind.DRUG, "40.1021", "Paracetamol 500mg", D("6300"), start, None,
                     tender="1323/QĐ-BVĐK;G1;N4;2024;79001", strength="500mg", registration="VD-35956-22",
                     payment_ratio=D(100), facility=FACILITY),
        CatalogueRow(CatalogueKind.SUPPLY, "N03.01.070", "Kim luồn", D("5000"), start, None,
                     tender="109/QĐ-BVĐK;G3;N0;2024", facility=FACILITY),
        CatalogueRow(CatalogueKind.SERVICE, "02.03", "Khám Nội", D("39800"), start, None),
        CatalogueRow(CatalogueKind.SERVICE, "22.0001.1234", "Tổng phân tích tế bào máu", D("50000"), start, None),
        CatalogueRow(CatalogueKind.SERVICE, "18.0015.0001", "Siêu âm ổ bụng", D("100000"), start, None),
        CatalogueRow(CatalogueKind.SERVICE, "10.0001.0001", "Phẫu thuật nội soi", D("1000000"), start, None),
        CatalogueRow(CatalogueKind.SERVICE, "K02.NO1", "Giường Nội khoa loại 1", D("305500"), start, None),
    ]


def card_results(card: str = CARD) -> dict[str, CardLookupResult]:
    return {card: CardLookupResult(card, "000", date(2025, 1, 1), date(2025, 12, 31), FACILITY, "1")}


def code_lists() -> dict[CodeList, set[str]]:
    return {
        CodeList.STAFF: {"000001/HCM-CCHN", "000002/HCM-CCHN"},
        CodeList.EQUIPMENT: {"SA.1.79001.ABC123"},
        CodeList.DEPARTMENT: {"K02"},
        CodeList.FACILITY: {FACILITY, "79002"},
        CodeList.ICD10: {"K92.2", "I10", "E11"},
    }


@dataclass
class Scenario:
    """A batch built around one clean claim; tests mutate it and run the catalogue."""

    tables: dict[str, list[dict[str, str]]] = field(default_factory=clean_tables)
    rows: list[CatalogueRow] | None = field(default_factory=catalogue_rows)
    cards: dict[str, CardLookupResult] | None = field(default_factory=card_results)
    extra: list[dict[str, list[dict[str, str]]]] = field(default_factory=list)
    lists: dict[CodeList, set[str]] | None = field(default_factory=code_lists)

    @property
    def x1(self) -> dict[str, str]:
        return self.tables["XML1"][0]

    def line(self, table: str, stt: str) -> dict[str, str]:
        return next(r for r in self.tables[table] if r.get("STT") == stt)

    def one(self, table: str) -> dict[str, str]:
        return self.tables[table][0]

    def copy_claim(self) -> dict[str, list[dict[str, str]]]:
        return copy.deepcopy(self.tables)

    def run(self, **kw: object) -> list[checks.Finding]:
        claims = checks.claims_from_tables([self.tables, *self.extra])
        catalogue = checks.InMemoryCatalogue(self.rows) if self.rows is not None else None
        cards = checks.InMemoryCardLookup(self.cards) if self.cards is not None else None
        lists = checks.InMemoryCodeLists(self.lists) if self.lists is not None else None
        return checks.run(claims, catalogue, cards=cards, code_lists=lists, **kw)  # type: ignore[arg-type]
