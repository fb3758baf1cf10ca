"""Pins the public names of rules.checks and the codes of the check catalogue (codes are stable identifiers:
stored findings, facility switches and overrides refer to them)."""

from __future__ import annotations

import ast
from pathlib import Path

from rules import checks

PUBLIC = [
    "CHECKS",
    "CHECKS_BY_CODE",
    "CHECK_FAILED",
    "CardLookup",
    "CardLookupResult",
    "CatalogueKind",
    "CatalogueLookup",
    "CatalogueRow",
    "Check",
    "Claim",
    "CodeList",
    "CodeListLookup",
    "Context",
    "Finding",
    "Hit",
    "InMemoryCardLookup",
    "InMemoryCatalogue",
    "InMemoryCodeLists",
    "Record",
    "Severity",
    "Tables",
    "claim_from_tables",
    "claims_from_tables",
    "run",
]

CODES = """
DUP_MA_LK OVERLAPPING_STAYS DUP_SERVICE_SAME_MINUTE CARD_NOT_VALID_AT_ADMISSION CARD_GAP_DURING_STAY
CARD_LOOKUP_REJECTED CARD_LOOKUP_MISSING CARD_LOOKUP_MISMATCH MUC_HUONG_ABOVE_CARD CAT_CODE_UNKNOWN
CAT_CODE_NOT_VALID_ON_DATE CAT_DRUG_STRENGTH CAT_DRUG_REGISTRATION CAT_TENDER_MISMATCH CAT_NAME_MISMATCH
CAT_PRICE_ABOVE CAT_RATIO_MISMATCH CAT_NOT_LOADED XML11_LEAVE_DATES XML11_SO_NGAY_NGHI XML11_MAU_SO
REQ_XML11_DINH_CHI_THAI XML10_REST_DAYS LINE_DEPARTMENT_NOT_IN_EPISODE SURGERY_TOO_SHORT MA_DOITUONG_KCB_UNKNOWN
MA_LOAI_KCB_UNKNOWN TT_THAU_FORMAT
TT_THAU_MISSING DATE_RA_BEFORE_VAO DATE_VAO_NOI_TRU_OUTSIDE_STAY DATE_TH_YL_BEFORE_YL DATE_KQ_BEFORE_YL
DATE_YL_OUTSIDE_STAY DATE_KQ_OUTSIDE_STAY DATE_XML4_KQ_OUTSIDE_STAY DATE_XML5_OUTSIDE_STAY
DATE_HEN_KL_NOT_AFTER_RA DATE_XML14_CT_BEFORE_VAO DATE_XML7_CT_NOT_RA DATE_TTOAN_BEFORE_RA
SO_NGAY_DTRI_MISMATCH CONSULT_LONGER_THAN_DAY FMT_DATE FMT_NUMBER FMT_DECIMAL_COMMA AMOUNT_NEGATIVE
PERCENT_RANGE CARD_FORMAT CARD_LIST_MISMATCH SO_CCCD_FORMAT MA_BENH_KT_TOO_MANY ICD_FORMAT CAN_NANG_INVALID
MA_GIUONG_FORMAT GOI_VTYT_FORMAT FLAG_VALUE MA_MAY_FORMAT MA_TTDV_FORMAT MA_NHOM_TABLE TOTAL_T_THUOC
TOTAL_T_VTYT TOTAL_T_TONGCHI_BV TOTAL_T_TONGCHI_BH TOTAL_T_BNTT TOTAL_T_BNCCT TOTAL_T_BHTT TOTAL_T_NGUONKHAC
TOTAL_T_BHTT_GDV TOTAL_BALANCE TOTAL_BH_ABOVE_BV LINE_THANH_TIEN_BV LINE_THANH_TIEN_BH LINE_BALANCE LINE_SPLIT
LINE_BHTT_ABOVE_BENEFIT LINE_NGUONKHAC_SUM SUPPLY_PACKAGE_CEILING ZERO_PRICE_PAID PHAM_VI_OUT_OF_LIST_PAID
PHAM_VI_ARMED_FORCES REG_STAFF_UNKNOWN REG_EQUIPMENT_UNKNOWN REG_DEPARTMENT_UNKNOWN REG_FACILITY_UNKNOWN
REG_ICD_UNKNOWN REQ_SO_DANG_KY REQ_MA_BAC_SI_DRUG REQ_MA_DICH_VU REQ_MA_VAT_TU REQ_TEN_VAT_TU
REQ_TEN_DICH_VU REQ_MA_XANG_DAU REQ_NGUOI_THUC_HIEN REQ_NGAY_TH_YL REQ_PP_VO_CAM REQ_XML4_NGAY_KQ
REQ_XML7_DINH_CHI_THAI REQ_INPATIENT_ADMISSION XML7_REST_DAYS BED_DAY_OUTPATIENT BED_DAYS_EXCEED_STAY
BED_DAY_QTY_EXCEEDS_PERIOD BED_OVERLAP EXAM_FEE_MULTIPLE_INPATIENT EXAM_FEE_RATIO XML1_MISSING MA_LK_MISMATCH
REPEATED_FIELD_MISMATCH XML8_NOT_ALLOWED XML7_MISSING_INPATIENT XML5_MISSING_INPATIENT
XML4_SERVICE_NOT_IN_XML3 XML4_IMAGING_NO_CONCLUSION SUPPLY_WITHOUT_SERVICE TRANSFER_DESTINATION_MISSING
XML13_DISCHARGE_TYPE ICD_SECONDARY_WITHOUT_MAIN
""".split()


def test_public_names_are_pinned() -> None:
    assert sorted(checks.__all__) == sorted(PUBLIC)
    for name in PUBLIC:
        assert getattr(checks, name) is not None


def test_check_codes_are_pinned() -> None:
    assert [c.code for c in checks.CHECKS] == CODES
    assert list(checks.CHECKS_BY_CODE) == CODES


def test_every_check_is_fully_described() -> None:
    for c in checks.CHECKS:
        assert c.code.isupper() and " " not in c.code
        assert c.severity in (checks.Severity.BLOCKING, checks.Severity.WARNING)
        assert c.tables and all(t.startswith("XML") for t in c.tables), c.code
        assert c.message_vi and c.message_en and c.hint and c.legal_ref, c.code
        assert " / " in c.hint, f"{c.code}: hint in Vietnamese / English"
        assert c.scope in ("claim", "batch")


def test_rules_checks_is_pure() -> None:
    """rules/ imports nothing of ours outside rules, does no I/O and reads no clock."""
    root = Path(checks.__file__).parent
    for path in root.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith(("claims", "workers", "xsd")), path
                assert node.module.split(".")[0] not in ("os", "io", "pathlib", "socket", "time"), path
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert alias.name.split(".")[0] not in ("claims", "os", "io", "pathlib", "time"), path
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                assert node.func.attr not in ("today", "now", "utcnow"), f"{path}: clock"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id != "open", f"{path}: I/O"


def test_describe_is_json_ready() -> None:
    import json

    data = [c.describe() for c in checks.CHECKS]
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    req = checks.CHECKS_BY_CODE["REQ_SO_DANG_KY"].describe()
    assert req["valid_from"] == "2024-07-01" and req["severity"] == "blocking" and req["tables"] == ["XML2"]
