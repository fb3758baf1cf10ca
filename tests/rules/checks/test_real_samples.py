"""The catalogue over the six real de-identified files reports only real findings, each with its reason.

See ../shared/samples/xml130/README.md for the known quirks of each file.
"""

from __future__ import annotations

from collections import Counter

import pytest

from rules import checks
from tests.rules.checks.xmlsamples import read_file, samples_dir

Key = tuple[str, str, str, str, str]  # code, table, STT, field, value

GDV = "T_BHTT_GDV is 0 although every line is fee-for-service (MA_PTTT 1); the standard says Σ line T_BHTT"

EXPECTED: dict[str, dict[Key, str]] = {
    "qd130_20999_inpatient_inline_unencoded_all_tables.xml": {},
    "qd130_20999_inpatient_long_stay_wrapped_base64_xml1-2-3-4-5-7.xml": {
        ("MUC_HUONG_ABOVE_CARD", "XML3", "338", "MUC_HUONG", "100"):
            "supply line ordered while the GD4 (80 %) card was in force carries MUC_HUONG 100 (README: 'mostly' 80)",
        ("MUC_HUONG_ABOVE_CARD", "XML3", "339", "MUC_HUONG", "100"): "same as line 338",
        ("MUC_HUONG_ABOVE_CARD", "XML3", "355", "MUC_HUONG", "100"): "same as line 338",
        ("DUP_SERVICE_SAME_MINUTE", "XML3", "401", "MA_DICH_VU", "03.3911.0200"):
            "two dressing changes share the order time 2025-11-01 08:00 (executed 13 days apart)",
        ("DUP_SERVICE_SAME_MINUTE", "XML3", "75", "MA_DICH_VU", "01.0281.1510"):
            "bedside glucose test billed twice under the same order minute",
    },
    "qd130_94999_emergency_transfer_xml1-3-4-13.xml": {
        ("MA_DOITUONG_KCB_UNKNOWN", "XML1", "1", "MA_DOITUONG_KCB", "02"): "emergency written '02' instead of '2'",
        ("SO_NGAY_DTRI_MISMATCH", "XML1", "1", "SO_NGAY_DTRI", "0"):
            "care type 02 counts NGAY_RA − NGAY_VAO + 1 = 1 day, file says 0",
        ("MA_MAY_FORMAT", "XML3", "2", "MA_MAY", "ULTRASOUND"): "machine written as a word, not XX.n.YYYYY.Z",
        ("TOTAL_T_BHTT_GDV", "XML1", "1", "T_BHTT_GDV", "0"): GDV,
        ("REQ_NGUOI_THUC_HIEN", "XML3", "1", "NGUOI_THUC_HIEN", ""): "ECG (group 3) without a performer",
        ("REQ_NGAY_TH_YL", "XML3", "1", "NGAY_TH_YL", ""): "ECG (group 3) without an execution time",
        ("TRANSFER_DESTINATION_MISSING", "XML1", "1", "MA_NOI_DEN", ""): "README: MA_NOI_DEN empty, yet transferred",
        ("TRANSFER_DESTINATION_MISSING", "XML13", "1", "MA_NOI_DEN", ""): "README: same in the referral paper",
        ("XML13_DISCHARGE_TYPE", "XML1", "1", "MA_LOAI_RV", "1"): "referral paper sent with discharge type 1",
    },
    "qd130_94999_inpatient_child_dengue_xml1-2-3-4-7-8.xml": {
        ("TT_THAU_MISSING", "XML2", "1", "TT_THAU", ""): "the 27 VND chlorpheniramine line has no tender information",
        ("SO_NGAY_DTRI_MISMATCH", "XML1", "1", "SO_NGAY_DTRI", "1"): "inpatient 28→30 Jan is 3 days, file says 1",
        ("TOTAL_T_BNTT", "XML1", "1", "T_BNTT", "2580300.00"): "README: line split differs from XML1 by 107,940",
        ("TOTAL_T_BNCCT", "XML1", "1", "T_BNCCT", "107945.40"): "README: same, opposite direction",
        ("TOTAL_T_BHTT_GDV", "XML1", "1", "T_BHTT_GDV", "0"): GDV,
        ("LINE_SPLIT", "XML3", "1", "T_BNCCT", "0.00"): "README: the 20 % co-payment is put into the line T_BNTT",
        ("LINE_SPLIT", "XML3", "2", "T_BNCCT", "0.00"): "same as line 1",
        ("LINE_SPLIT", "XML3", "3", "T_BNCCT", "0.00"): "same as line 1",
        ("XML5_MISSING_INPATIENT", "XML1", "1", "MA_LOAI_KCB", "03"): "inpatient episode sent without XML5",
    },
    "qd130_94999_inpatient_hyponatremia_xml1-2-3-4-5-7-8-14.xml": {
        ("DATE_TH_YL_BEFORE_YL", "XML3", "2", "NGAY_TH_YL", "202602240551"): "executed 05:51 for an order at 06:00",
        **{
            ("FMT_DECIMAL_COMMA", "XML2", stt, name, v): "README: decimal comma in XML2 amounts"
            for stt, name, v in [
                ("1", "T_BNCCT", "518,4"), ("1", "T_BHTT", "2073,6"), ("2", "T_BNCCT", "518,4"),
                ("2", "T_BHTT", "2073,6"), ("3", "T_BNCCT", "225,6"), ("3", "T_BHTT", "902,4"),
                ("5", "T_BNCCT", "112,8"), ("5", "T_BHTT", "451,2"), ("7", "T_BNCCT", "518,4"),
                ("7", "T_BHTT", "2073,6"), ("11", "T_BNCCT", "518,4"), ("11", "T_BHTT", "2073,6"),
            ]
        },
        ("FMT_DECIMAL_COMMA", "XML3", "1", "SO_LUONG", "0,5"): "README: decimal comma in XML3 SO_LUONG",
        ("FMT_DECIMAL_COMMA", "XML3", "5", "SO_LUONG", "0,5"): "README: decimal comma in XML3 SO_LUONG",
        ("TOTAL_T_BHTT_GDV", "XML1", "1", "T_BHTT_GDV", "0"): GDV,
    },
    "qd130_94999_outpatient_antenatal_xml1-2-3-4-14.xml": {
        ("MA_MAY_FORMAT", "XML3", "1", "MA_MAY", "ULTRASOUND"): "machine written as a word, not XX.n.YYYYY.Z",
        ("TOTAL_T_BHTT_GDV", "XML1", "1", "T_BHTT_GDV", "0"): GDV,
        ("REQ_NGUOI_THUC_HIEN", "XML3", "1", "NGUOI_THUC_HIEN", ""): "ultrasound (group 2) without a performer",
    },
}


def test_all_six_files_listed() -> None:
    assert sorted(p.name for p in samples_dir().glob("*.xml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_file_findings(name: str) -> None:
    claims = checks.claims_from_tables(read_file(samples_dir() / name))
    assert len(claims) == 1
    findings = checks.run(claims)
    got = Counter((f.code, f.table, f.stt, f.field, f.value) for f in findings)
    assert all(n == 1 for n in got.values()), got
    assert set(got) == set(EXPECTED[name])
    assert {f.ma_lk for f in findings} <= {claims[0].ma_lk}


def _batch(distinct_patient_codes: bool) -> list[checks.Claim]:
    tables = [t for name in sorted(EXPECTED) for t in read_file(samples_dir() / name)]
    if distinct_patient_codes:
        for i, t in enumerate(tables):
            t["XML1"][0]["MA_BN"] = f"BN{i}"
    return checks.claims_from_tables(tables)


def test_real_files_as_one_batch_add_nothing() -> None:
    """Cross-claim checks over the six files together: different patients, so no new finding."""
    assert len(checks.run(_batch(True))) == sum(len(v) for v in EXPECTED.values())


def test_deidentified_patient_code_links_two_files() -> None:
    """De-identification gave every patient MA_BN 'BNDEID0001'; files 1 and 2 share facility 20999 and their
    (shifted) stays overlap, so taken as-is they look like one patient in two overlapping stays."""
    extra = [f for f in checks.run(_batch(False)) if f.code == "OVERLAPPING_STAYS"]
    assert [(f.ma_lk, f.message_en) for f in extra] == [
        ("8053187", "Episode 8053187 (admitted 202511102227) overlaps episode 1012965 of the same patient.")
    ]
