"""Every check has a case that triggers it and a near miss that does not (on top of the clean claim)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from rules import checks
from rules.checks import CardLookupResult, CatalogueKind, CatalogueRow
from tests.rules.checks.factory import CARD, FACILITY, Scenario, clean_tables, money_line, totals

Mut = Callable[[Scenario], None]


def noop(s: Scenario) -> None:
    return None


def set1(**kw: str) -> Mut:
    def m(s: Scenario) -> None:
        s.x1.update(kw)

    return m


def setl(table: str, stt: str, *, recompute: bool = False, **kw: str) -> Mut:
    def m(s: Scenario) -> None:
        line = s.line(table, stt)
        line.update(kw)
        if recompute:
            line.update(money_line(line, drug=table == "XML2", muc_huong=int(line.get("MUC_HUONG", "80"))))
            totals(s.tables)

    return m


def seto(table: str, **kw: str) -> Mut:
    def m(s: Scenario) -> None:
        s.one(table).update(kw)

    return m


def both(*muts: Mut) -> Mut:
    def m(s: Scenario) -> None:
        for f in muts:
            f(s)

    return m


def drop(table: str) -> Mut:
    def m(s: Scenario) -> None:
        s.tables.pop(table, None)

    return m


def add_line(table: str, src: str = "", **kw: str) -> Mut:
    """Append a copy of line `src` (default: the last line) with changes, amounts recomputed."""

    def m(s: Scenario) -> None:
        base = dict(s.line(table, src) if src else s.tables[table][-1])
        base.update(kw)
        base["STT"] = str(len(s.tables[table]) + 1)
        if table in ("XML2", "XML3"):
            base = money_line(base, drug=table == "XML2", muc_huong=int(base.get("MUC_HUONG", "80")))
        s.tables[table].append(base)
        totals(s.tables)

    return m


def copy_line(table: str, src: str, **kw: str) -> Mut:
    """Append a raw copy of line `src` with changes (amounts not recomputed)."""

    def m(s: Scenario) -> None:
        s.tables[table].append(dict(s.line(table, src), **kw))

    return m


def xml11(**kw: str) -> Mut:
    def m(s: Scenario) -> None:
        rec = {"MA_LK": "LK001", "SO_NGAY_NGHI": "3", "TU_NGAY": "20250302", "DEN_NGAY": "20250304", "MAU_SO": ""}
        rec.update(kw)
        s.tables["XML11"] = [rec]

    return m


def add_claim(**x1: str) -> Mut:
    def m(s: Scenario) -> None:
        other = clean_tables("LK002")
        other["XML1"][0].update(x1)
        s.extra.append(other)

    return m


def catalogue(*rows: CatalogueRow) -> Mut:
    def m(s: Scenario) -> None:
        assert s.rows is not None
        s.rows = [r for r in s.rows if r.kind is not CatalogueKind.DRUG] + list(rows)

    return m


def drug_row(**kw: object) -> CatalogueRow:
    base: dict[str, object] = dict(
        kind=CatalogueKind.DRUG, code="40.1021", name="Paracetamol 500mg", unit_price=Decimal(6300),
        valid_from=date(2024, 1, 1), valid_to=None, tender="1323/QĐ-BVĐK;G1;N4;2024", strength="500mg",
        registration="VD-35956-22", payment_ratio=Decimal(100), facility=FACILITY,
    )
    base.update(kw)
    return CatalogueRow(**base)  # type: ignore[arg-type]


def lookup(**kw: object) -> Mut:
    def m(s: Scenario) -> None:
        base: dict[str, object] = dict(
            card_number=CARD, result_code="000", valid_from=date(2025, 1, 1), valid_to=date(2025, 12, 31),
            registration_facility=FACILITY, sex="1",
        )
        base.update(kw)
        s.cards = {CARD: CardLookupResult(**base)}  # type: ignore[arg-type]

    return m


CASES: dict[str, tuple[Mut, Mut]] = {
    # batch
    "DUP_MA_LK": (add_claim(MA_LK="LK001", MA_BN="BN9", MA_THE_BHYT="GD4790000000009"), add_claim(MA_BN="BN9")),
    "OVERLAPPING_STAYS": (
        add_claim(NGAY_VAO="202503031000", NGAY_RA="202503051000"),
        add_claim(NGAY_VAO="202503041000", NGAY_RA="202503051000"),  # starts when the first ends: a transfer
    ),
    "DUP_SERVICE_SAME_MINUTE": (
        add_line("XML3", MA_DICH_VU="22.0001.1234", MA_NHOM="1", TEN_DICH_VU="Tổng phân tích tế bào máu",
                 SO_LUONG="1", DON_GIA_BV="50000", DON_GIA_BH="50000", NGAY_YL="202503011000",
                 NGAY_TH_YL="202503011010", NGAY_KQ="202503011100", MA_GIUONG="", MA_VAT_TU=""),
        add_line("XML3", MA_DICH_VU="22.0001.1234", MA_NHOM="1", TEN_DICH_VU="Tổng phân tích tế bào máu",
                 SO_LUONG="1", DON_GIA_BV="50000", DON_GIA_BH="50000", NGAY_YL="202503021000",
                 NGAY_TH_YL="202503021010", NGAY_KQ="202503021100", MA_GIUONG="", MA_VAT_TU=""),
    ),
    # cards
    "CARD_NOT_VALID_AT_ADMISSION": (set1(GT_THE_TU="20250302"), set1(GT_THE_TU="20250301")),
    "CARD_GAP_DURING_STAY": (
        both(set1(GT_THE_DEN="20250302", MA_LOAI_KCB="01", SO_NGAY_DTRI="0"), drop("XML8")),
        set1(GT_THE_DEN="20250302"),  # inpatient: 15 days' grace after expiry
    ),
    "CARD_LOOKUP_REJECTED": (lookup(result_code="010"), lookup(result_code="000")),
    "CARD_LOOKUP_MISSING": (lambda s: setattr(s, "cards", {}), noop),
    "CARD_LOOKUP_MISMATCH": (lookup(registration_facility="79002"), lookup(registration_facility="")),
    "MUC_HUONG_ABOVE_CARD": (setl("XML2", "1", MUC_HUONG="100", recompute=True),
                             both(setl("XML2", "1", MUC_HUONG="100", recompute=True), set1(NGAY_MIEN_CCT="20250101"))),
    # catalogue
    "CAT_CODE_UNKNOWN": (catalogue(drug_row(code="40.9999")), catalogue(drug_row(code="40.1021 "))),
    "CAT_CODE_NOT_VALID_ON_DATE": (catalogue(drug_row(valid_to=date(2025, 2, 28))),
                                   catalogue(drug_row(valid_to=date(2025, 3, 1)))),
    "CAT_DRUG_STRENGTH": (catalogue(drug_row(strength="650mg")), catalogue(drug_row(strength=" 500MG "))),
    "CAT_DRUG_REGISTRATION": (catalogue(drug_row(registration="VD-1-22")), catalogue(drug_row(registration=""))),
    "CAT_TENDER_MISMATCH": (catalogue(drug_row(tender="1323/QĐ-BVĐK;G2;N4;2024")),
                            catalogue(drug_row(tender="1323/qđ-bvđk;G01;N4;2024;00"))),
    "CAT_NAME_MISMATCH": (catalogue(drug_row(name="Paracetamol 650mg")),
                          catalogue(drug_row(name="PARACETAMOL  500MG"))),
    "CAT_PRICE_ABOVE": (catalogue(drug_row(unit_price=Decimal(6000))),
                        catalogue(drug_row(unit_price=Decimal("6299.5")))),
    "CAT_RATIO_MISMATCH": (catalogue(drug_row(payment_ratio=Decimal(50))), catalogue(drug_row(payment_ratio=None))),
    "CAT_NOT_LOADED": (lambda s: setattr(s, "rows", [r for r in s.rows or [] if r.kind is not CatalogueKind.DRUG]),
                       lambda s: setattr(s, "rows", None)),
    # certificates and other line rules
    "XML11_LEAVE_DATES": (xml11(TU_NGAY="20250305", DEN_NGAY="20250310"),
                          xml11(TU_NGAY="20250304", DEN_NGAY="20250304")),
    "XML11_SO_NGAY_NGHI": (xml11(SO_NGAY_NGHI="2.5"), xml11(SO_NGAY_NGHI="3")),
    "XML11_MAU_SO": (xml11(MAU_SO="CT7"), xml11(MAU_SO="CT07")),
    "REQ_XML11_DINH_CHI_THAI": (xml11(MA_DINH_CHI_THAI="1"),
                                xml11(MA_DINH_CHI_THAI="1", NGUYENNHAN_DINHCHI="x", TUOI_THAI="12")),
    "XML10_REST_DAYS": (lambda s: s.tables.__setitem__("XML10", [{"MA_LK": "LK001", "SO_NGAY": "181"}]),
                        lambda s: s.tables.__setitem__("XML10", [{"MA_LK": "LK001", "SO_NGAY": "180"}])),
    "LINE_DEPARTMENT_NOT_IN_EPISODE": (setl("XML3", "2", MA_KHOA="K03"),
                                       both(setl("XML3", "2", MA_KHOA="K03"), set1(MA_KHOA="K02;K03"))),
    "SURGERY_TOO_SHORT": (setl("XML3", "4", NGAY_KQ="202503020844"), setl("XML3", "4", NGAY_KQ="202503020845")),
    # codes and tender
    "MA_DOITUONG_KCB_UNKNOWN": (set1(MA_DOITUONG_KCB="02"), set1(MA_DOITUONG_KCB="2")),
    "MA_LOAI_KCB_UNKNOWN": (set1(MA_LOAI_KCB="12"), noop),
    "TT_THAU_FORMAT": (setl("XML2", "1", TT_THAU="1323/QĐ-BVĐK;G0;N4;2024"),
                       setl("XML2", "1", TT_THAU="1323/QĐ-BVĐK;G1;N4;2024;94001")),
    "TT_THAU_MISSING": (setl("XML2", "1", TT_THAU=""), setl("XML2", "1", TT_THAU="", MA_NHOM="7")),
    # dates
    "DATE_RA_BEFORE_VAO": (set1(NGAY_RA="202503010759"), set1(NGAY_RA="202503010800")),
    "DATE_VAO_NOI_TRU_OUTSIDE_STAY": (set1(NGAY_VAO_NOI_TRU="202503010759"), set1(NGAY_VAO_NOI_TRU="202503010800")),
    "DATE_TH_YL_BEFORE_YL": (setl("XML2", "1", NGAY_TH_YL="202503010959"),
                             setl("XML2", "1", NGAY_TH_YL="202503011000")),
    "DATE_KQ_BEFORE_YL": (setl("XML3", "2", NGAY_KQ="202503011005"), setl("XML3", "2", NGAY_KQ="202503011010")),
    "DATE_YL_OUTSIDE_STAY": (setl("XML2", "1", NGAY_YL="202503041001", NGAY_TH_YL=""),
                             setl("XML2", "1", NGAY_YL="202503041000", NGAY_TH_YL="")),
    "DATE_KQ_OUTSIDE_STAY": (setl("XML3", "2", NGAY_KQ="202503041001"),
                             setl("XML3", "2", NGAY_KQ="202503061000", MA_DICH_VU="22.0001.1234.K.79002")),
    "DATE_XML4_KQ_OUTSIDE_STAY": (seto("XML4", NGAY_KQ="202503050000"), seto("XML4", NGAY_KQ="202503041000")),
    "DATE_XML5_OUTSIDE_STAY": (seto("XML5", THOI_DIEM_DBLS="202502281000"),
                               seto("XML5", THOI_DIEM_DBLS="202503010800")),
    "DATE_HEN_KL_NOT_AFTER_RA": (seto("XML14", NGAY_HEN_KL="20250304"), seto("XML14", NGAY_HEN_KL="202503050800")),
    "DATE_XML14_CT_BEFORE_VAO": (seto("XML14", NGAY_CT="20250228"), seto("XML14", NGAY_CT="20250301")),
    "DATE_XML7_CT_NOT_RA": (seto("XML7", NGAY_CT="20250305"), noop),
    "DATE_TTOAN_BEFORE_RA": (set1(NGAY_TTOAN="202503040959"), set1(NGAY_TTOAN="")),
    "SO_NGAY_DTRI_MISMATCH": (set1(SO_NGAY_DTRI="3"), set1(MA_LOAI_KCB="10", SO_NGAY_DTRI="3")),
    "CONSULT_LONGER_THAN_DAY": (
        both(set1(MA_LOAI_KCB="01", SO_NGAY_DTRI="0", NGAY_VAO_NOI_TRU=""), drop("XML3"), drop("XML8")),
        both(set1(MA_LOAI_KCB="01", SO_NGAY_DTRI="0", NGAY_VAO="202503031000", NGAY_VAO_NOI_TRU=""), drop("XML3")),
    ),
    # formats
    "FMT_DATE": (set1(NGAY_VAO="202502300800"), set1(NGAY_SINH="198000000000")),
    "FMT_NUMBER": (setl("XML3", "1", SO_LUONG="1.0.0"), setl("XML3", "1", SO_LUONG=" 1.000 ")),
    "FMT_DECIMAL_COMMA": (setl("XML2", "1", SO_LUONG="2,0"), setl("XML2", "1", SO_LUONG="2.0")),
    "AMOUNT_NEGATIVE": (setl("XML3", "1", T_NGUONKHAC_CL="-1"), setl("XML3", "1", T_NGUONKHAC_CL="0.00")),
    "PERCENT_RANGE": (setl("XML3", "1", TYLE_TT_DV="101"), setl("XML3", "1", TYLE_TT_DV="100.0")),
    "CARD_FORMAT": (set1(MA_THE_BHYT="GD479000000001"), set1(MA_THE_BHYT="GD4790000000001")),
    "CARD_LIST_MISMATCH": (set1(MA_THE_BHYT=f"{CARD};HS4790000000002"),
                           set1(MA_THE_BHYT=f"{CARD};HS4790000000002", MA_DKBD="79001;79001",
                                GT_THE_TU="20250101;20250101", GT_THE_DEN="20251231;20251231")),
    "SO_CCCD_FORMAT": (set1(SO_CCCD="12345"), set1(SO_CCCD="B1234567")),
    "MA_BENH_KT_TOO_MANY": (set1(MA_BENH_KT=";".join(f"I{10 + i}" for i in range(13))),
                            set1(MA_BENH_KT=";".join(f"I{10 + i}" for i in range(12)))),
    "ICD_FORMAT": (set1(MA_BENH_CHINH="K9"), set1(MA_BENH_CHINH="K922", MA_BENH_KT="A17.0†;G01*")),
    "CAN_NANG_INVALID": (set1(CAN_NANG="201"), set1(CAN_NANG="200")),
    "MA_GIUONG_FORMAT": (setl("XML3", "6", MA_GIUONG="H12"), setl("XML3", "6", MA_GIUONG="H012;T001")),
    "GOI_VTYT_FORMAT": (setl("XML3", "5", GOI_VTYT="G0"), setl("XML3", "5", GOI_VTYT="G999")),
    "FLAG_VALUE": (setl("XML3", "5", TAI_SU_DUNG="0"), setl("XML3", "5", TAI_SU_DUNG="1")),
    "MA_MAY_FORMAT": (setl("XML3", "3", MA_MAY="ULTRASOUND"), setl("XML3", "3", MA_MAY="MRI.3.20999.592844;SA.1.X1")),
    "MA_TTDV_FORMAT": (set1(MA_TTDV="BS Nguyen"), set1(MA_TTDV="000123/QNa-CCHN")),
    "MA_NHOM_TABLE": (setl("XML3", "1", MA_NHOM="4"), setl("XML3", "1", MA_NHOM="13")),
    # money
    "TOTAL_T_THUOC": (set1(T_THUOC="12602"), set1(T_THUOC="12601")),
    "TOTAL_T_VTYT": (set1(T_VTYT="0"), set1(T_VTYT="5000.99")),
    "TOTAL_T_TONGCHI_BV": (set1(T_TONGCHI_BV="1"), noop),
    "TOTAL_T_TONGCHI_BH": (set1(T_TONGCHI_BH="1"), noop),
    "TOTAL_T_BNTT": (set1(T_BNTT="100"), set1(T_BNTT="0.50")),
    "TOTAL_T_BNCCT": (set1(T_BNCCT="0"), noop),
    "TOTAL_T_BHTT": (set1(T_BHTT="0"), noop),
    "TOTAL_T_NGUONKHAC": (set1(T_NGUONKHAC="5"), noop),
    "TOTAL_T_BHTT_GDV": (set1(T_BHTT_GDV="0"), noop),
    "TOTAL_BALANCE": (set1(T_BNTT="5000"), noop),
    "TOTAL_BH_ABOVE_BV": (set1(T_TONGCHI_BH="99999999"), noop),
    "LINE_THANH_TIEN_BV": (setl("XML2", "1", THANH_TIEN_BV="12700"), setl("XML2", "1", THANH_TIEN_BV="12601")),
    "LINE_THANH_TIEN_BH": (setl("XML3", "1", THANH_TIEN_BH="39000"), setl("XML3", "1", THANH_TIEN_BH="39799")),
    "LINE_BALANCE": (setl("XML3", "1", T_BNTT="100"), setl("XML3", "1", T_BNTT="0.99")),
    "LINE_SPLIT": (setl("XML3", "1", T_BNCCT="0", T_BNTT="7960"), noop),
    "LINE_BHTT_ABOVE_BENEFIT": (setl("XML3", "1", T_BHTT="39800", T_BNCCT="0"), noop),
    "LINE_NGUONKHAC_SUM": (setl("XML3", "1", T_NGUONKHAC_NSNN="10"),
                           setl("XML3", "1", T_NGUONKHAC_NSNN="10", T_NGUONKHAC="10")),
    "SUPPLY_PACKAGE_CEILING": (setl("XML3", "5", T_TRANTT="3000"), setl("XML3", "5", T_TRANTT="4000")),
    "ZERO_PRICE_PAID": (setl("XML3", "1", DON_GIA_BH="0"), setl("XML3", "1", DON_GIA_BH="0", T_BHTT="0")),
    "PHAM_VI_OUT_OF_LIST_PAID": (setl("XML2", "1", PHAM_VI="2"),
                                 setl("XML2", "1", PHAM_VI="2", TYLE_TT_BH="0", recompute=True)),
    "PHAM_VI_ARMED_FORCES": (setl("XML2", "1", PHAM_VI="3"),
                             both(setl("XML2", "1", PHAM_VI="3"), set1(MA_THE_BHYT="QN5790000000001"))),
    # registers
    "REG_STAFF_UNKNOWN": (setl("XML3", "2", NGUOI_THUC_HIEN="000001/HCM-CCHN;000009/HCM-CCHN"),
                          setl("XML3", "2", NGUOI_THUC_HIEN="000001/HCM-CCHN;000002/HCM-CCHN")),
    "REG_EQUIPMENT_UNKNOWN": (setl("XML3", "3", MA_MAY="SA.1.79001.ZZZ"),
                              lambda s: setattr(s, "lists", {})),  # no equipment list loaded: skipped
    "REG_DEPARTMENT_UNKNOWN": (set1(MA_KHOA="K02;K48"), set1(MA_KHOA="k02")),
    "REG_FACILITY_UNKNOWN": (set1(MA_NOI_DI="79555"), set1(MA_NOI_DI="79002")),
    "REG_ICD_UNKNOWN": (setl("XML3", "1", MA_BENH="K92.2;Z99.9"), setl("XML3", "1", MA_BENH="K92.2;I10")),
    # required-when
    "REQ_SO_DANG_KY": (setl("XML2", "1", SO_DANG_KY=""), setl("XML2", "1", SO_DANG_KY="", MA_THUOC="40.17")),
    "REQ_MA_BAC_SI_DRUG": (setl("XML2", "1", MA_BAC_SI=""), noop),
    "REQ_MA_DICH_VU": (setl("XML3", "2", MA_DICH_VU=""), setl("XML3", "5", MA_DICH_VU="")),
    "REQ_MA_VAT_TU": (setl("XML3", "5", MA_VAT_TU=""), setl("XML3", "2", MA_VAT_TU="")),
    "REQ_TEN_VAT_TU": (setl("XML3", "5", TEN_VAT_TU=""), noop),
    "REQ_TEN_DICH_VU": (setl("XML3", "2", TEN_DICH_VU=""), setl("XML3", "5", TEN_DICH_VU="")),
    "REQ_MA_XANG_DAU": (add_line("XML3", MA_DICH_VU="VC.79002", MA_NHOM="12", TEN_DICH_VU="Vận chuyển",
                                 SO_LUONG="1", DON_GIA_BV="200000", DON_GIA_BH="200000", MA_GIUONG="",
                                 NGAY_YL="202503041000", NGAY_KQ=""),
                        add_line("XML3", MA_DICH_VU="VC.79002", MA_NHOM="12", TEN_DICH_VU="Vận chuyển",
                                 SO_LUONG="1", DON_GIA_BV="200000", DON_GIA_BH="200000", MA_GIUONG="",
                                 NGAY_YL="202503041000", NGAY_KQ="", MA_XANG_DAU="R954V1")),
    "REQ_NGUOI_THUC_HIEN": (setl("XML3", "2", NGUOI_THUC_HIEN=""),
                            setl("XML3", "2", NGUOI_THUC_HIEN="", MA_DICH_VU="22.0001.1234.K.79002")),
    "REQ_NGAY_TH_YL": (setl("XML3", "4", NGAY_TH_YL=""), setl("XML3", "1", NGAY_TH_YL="")),
    "REQ_PP_VO_CAM": (setl("XML3", "4", PP_VO_CAM="5"), setl("XML3", "4", PP_VO_CAM="4")),
    "REQ_XML4_NGAY_KQ": (seto("XML4", NGAY_KQ=""), seto("XML4", NGAY_KQ="", GIA_TRI="")),
    "REQ_XML7_DINH_CHI_THAI": (seto("XML7", MA_DINH_CHI_THAI="1"),
                               seto("XML7", MA_DINH_CHI_THAI="1", NGUYENNHAN_DINHCHI="x",
                                    THOIGIAN_DINHCHI="202503021000", TUOI_THAI="10")),
    "REQ_INPATIENT_ADMISSION": (set1(LY_DO_VNT=""), both(set1(LY_DO_VNT="", MA_LOAI_KCB="02", SO_NGAY_DTRI="4"),
                                                          drop("XML3"))),
    "XML7_REST_DAYS": (seto("XML7", SO_NGAY_NGHI="5", NGOAITRU_TUNGAY="20250305", NGOAITRU_DENNGAY="20250308"),
                       seto("XML7", SO_NGAY_NGHI="4", NGOAITRU_TUNGAY="20250305", NGOAITRU_DENNGAY="20250308")),
    # stay
    "BED_DAY_OUTPATIENT": (set1(MA_LOAI_KCB="02"), set1(MA_LOAI_KCB="04")),
    "BED_DAYS_EXCEED_STAY": (setl("XML3", "6", SO_LUONG="4", recompute=True),
                             both(setl("XML3", "6", SO_LUONG="4", recompute=True),
                                  set1(KET_QUA_DTRI="4", MA_LOAI_RV="4"))),
    "BED_DAY_QTY_EXCEEDS_PERIOD": (setl("XML3", "6", NGAY_YL="202503030900", NGAY_TH_YL="202503030900"),
                                   setl("XML3", "6", NGAY_YL="202503020900", NGAY_TH_YL="202503020900")),
    "BED_OVERLAP": (add_line("XML3", "6", MA_GIUONG="H013", SO_LUONG="1", NGAY_YL="202503020900",
                             NGAY_TH_YL="202503020900", NGAY_KQ="202503030900"),
                    add_line("XML3", "6", MA_GIUONG="H013", SO_LUONG="0.5", NGAY_YL="202503020900",
                             NGAY_TH_YL="202503020900", NGAY_KQ="202503030900")),
    "EXAM_FEE_MULTIPLE_INPATIENT": (add_line("XML3", "1", NGAY_YL="202503010820", NGAY_TH_YL="202503010820"),
                                    add_line("XML3", "1", NGAY_YL="202503010820", NGAY_TH_YL="202503010820",
                                             TYLE_TT_BH="0")),
    "EXAM_FEE_RATIO": (copy_line("XML3", "1", STT="9", NGAY_YL="202503010830"),
                       copy_line("XML3", "1", STT="9", NGAY_YL="202503010830", TYLE_TT_DV="30")),
    # cross-table
    "XML1_MISSING": (lambda s: s.tables["XML1"].append(dict(s.x1)), noop),
    "MA_LK_MISMATCH": (setl("XML3", "2", MA_LK="LK009"), noop),
    "REPEATED_FIELD_MISMATCH": (seto("XML14", NGAY_RA="202503041001"), seto("XML14", NGAY_RA="")),
    "XML8_NOT_ALLOWED": (
        both(lambda s: s.tables.__setitem__("XML8", [{"MA_LK": "LK001"}]), set1(MA_LOAI_KCB="02")),
        lambda s: s.tables.__setitem__("XML8", [{"MA_LK": "LK001"}]),
    ),
    "XML7_MISSING_INPATIENT": (drop("XML7"), both(drop("XML7"), set1(MA_LOAI_RV="2", MA_NOI_DEN="79002"))),
    "XML5_MISSING_INPATIENT": (drop("XML5"), both(drop("XML5"), set1(MA_LOAI_KCB="01", SO_NGAY_DTRI="0"),
                                                  drop("XML3"))),
    "XML4_SERVICE_NOT_IN_XML3": (seto("XML4", MA_DICH_VU="22.0002.0001"), seto("XML4", MA_DICH_VU="")),
    "XML4_IMAGING_NO_CONCLUSION": (lambda s: s.tables["XML4"][1].update(KET_LUAN=""),
                                   lambda s: s.tables["XML4"][0].update(KET_LUAN="")),
    "SUPPLY_WITHOUT_SERVICE": (setl("XML3", "5", NGAY_YL="202503030800", NGAY_TH_YL="202503030800"),
                               setl("XML3", "5", NGAY_YL="202503021600", NGAY_TH_YL="202503021600")),
    "TRANSFER_DESTINATION_MISSING": (set1(MA_LOAI_RV="2"), set1(MA_LOAI_RV="2", MA_NOI_DEN="79002")),
    "XML13_DISCHARGE_TYPE": (
        lambda s: s.tables.__setitem__("XML13", [{"MA_LK": "LK001", "MA_NOI_DEN": "79002"}]),
        both(lambda s: s.tables.__setitem__("XML13", [{"MA_LK": "LK001", "MA_CSKCB_DEN": "79002"}]),
             set1(MA_LOAI_RV="2", MA_NOI_DEN="79002")),
    ),
    "ICD_SECONDARY_WITHOUT_MAIN": (set1(MA_BENH_CHINH=""), set1(MA_BENH_CHINH="", MA_BENH_KT="")),
}


def test_every_check_has_cases() -> None:
    assert set(CASES) == {c.code for c in checks.CHECKS}


def test_clean_claim_has_no_findings() -> None:
    assert Scenario().run() == []


@pytest.mark.parametrize("code", sorted(CASES))
def test_check_triggers(code: str) -> None:
    s = Scenario()
    CASES[code][0](s)
    found = [f for f in s.run() if f.code == code]
    assert found, f"{code} did not trigger"
    f = found[0]
    assert f.message_vi and f.message_en and f.hint and f.legal_ref
    assert "{" not in f.message_en and "{" not in f.message_vi
    assert f.table and f.ma_lk


@pytest.mark.parametrize("code", sorted(CASES))
def test_check_near_miss(code: str) -> None:
    s = Scenario()
    CASES[code][1](s)
    assert [f for f in s.run() if f.code == code] == []


def test_list_checks_on_referral_and_appointment_papers() -> None:
    s = Scenario()
    s.tables["XML13"] = [{"MA_LK": "LK001", "MA_THE_BHYT": f"{CARD};HS4790000000002", "GT_THE_DEN": "20251231",
                          "MA_NOI_DEN": "79002"}]
    s.x1.update(MA_LOAI_RV="2", MA_NOI_DEN="79002")
    s.one("XML14")["MA_BENH_KT"] = ";".join(f"I{10 + i}" for i in range(13))
    found = {(f.code, f.table) for f in s.run()}
    assert ("CARD_LIST_MISMATCH", "XML13") in found
    assert ("MA_BENH_KT_TOO_MANY", "XML14") in found
