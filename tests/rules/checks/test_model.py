"""The input view: plain mappings in, typed values with their location out; bad values never raise."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from rules import checks
from rules.checks._values import is_valid_birth, parse_decimal, parse_moment
from tests.rules.checks.factory import clean_tables


def test_values_and_location() -> None:
    claim = checks.claim_from_tables(clean_tables())
    assert claim.ma_lk == "LK001"
    line = claim.services[1]
    assert (line.table, line.stt, line.ma_lk) == ("XML3", "2", "LK001")
    assert line.group == "1"
    assert line.decimal("DON_GIA_BV") == Decimal(50000)
    assert line.moment("NGAY_YL") == datetime(2025, 3, 1, 10, 0)
    assert claim.xml1.day("NGAY_RA") == date(2025, 3, 4)
    assert claim.xml1.items("MA_BENH_KT") == ("I10", "E11")
    assert claim.reference_date == date(2025, 3, 4)


def test_record_is_read_only() -> None:
    rec = checks.claim_from_tables(clean_tables()).xml1
    with pytest.raises(AttributeError):
        rec.table = "XML2"  # type: ignore[misc]


def test_money_is_decimal_and_comma_is_flagged() -> None:
    tables = clean_tables()
    tables["XML2"][0]["T_BHTT"] = " 2073,6 "
    tables["XML2"][0]["T_BNCCT"] = "abc"
    rec = checks.claim_from_tables(tables).drugs[0]
    assert rec.decimal("T_BHTT") == Decimal("2073.6")
    assert rec.comma_numbers == ("T_BHTT",)
    assert rec.decimal("T_BNCCT") is None and rec.bad_numbers == ("T_BNCCT",)
    assert rec.amount("T_BNCCT") == 0
    assert rec.raw_value("T_BHTT") == " 2073,6 " and rec.text("T_BHTT") == "2073,6"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("202503011000", datetime(2025, 3, 1, 10, 0)),
        ("20250301", datetime(2025, 3, 1)),
        ("202502301000", None),
        ("202503012400", None),
        ("2025030110", None),
        ("2025-03-01", None),
        ("", None),
    ],
)
def test_parse_moment(raw: str, expected: datetime | None) -> None:
    assert parse_moment(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("39800", Decimal(39800)), ("7382729.4", Decimal("7382729.4")), ("0,5", Decimal("0.5")), ("1,000.5", None),
     ("NaN", None), ("", None), ("1e3", Decimal(1000)), ("1E22", None),
     ("123456789012345.12", Decimal("123456789012345.12"))],
)
def test_parse_decimal(raw: str, expected: Decimal | None) -> None:
    assert parse_decimal(raw) == expected


def test_birth_date_allows_unknown_day_and_month() -> None:
    assert is_valid_birth("197100000000")
    assert is_valid_birth("198001010000")
    assert not is_valid_birth("198013010000")
    assert not is_valid_birth("198002300000")


def test_bad_dates_are_reported_with_their_place() -> None:
    tables = clean_tables()
    tables["XML3"][1]["NGAY_KQ"] = "202503011"
    f = next(f for f in checks.run(checks.claims_from_tables([tables])) if f.code == "FMT_DATE")
    assert (f.table, f.stt, f.ma_lk, f.field, f.value) == ("XML3", "2", "LK001", "NGAY_KQ", "202503011")


def test_missing_xml1_and_defaults() -> None:
    claim = checks.claim_from_tables({"XML3": [{"MA_NHOM": "13"}]})
    assert claim.xml1_count == 0 and claim.ma_lk == ""
    assert claim.services[0].stt == "1"
    codes = {f.code for f in checks.run([claim])}
    assert "XML1_MISSING" in codes


def test_child_without_ma_lk_is_located_under_the_claim() -> None:
    tables = clean_tables()
    tables["XML5"][0]["MA_LK"] = ""
    f = next(f for f in checks.run(checks.claims_from_tables([tables])) if f.code == "MA_LK_MISMATCH")
    assert (f.table, f.ma_lk, f.value) == ("XML5", "LK001", "")
