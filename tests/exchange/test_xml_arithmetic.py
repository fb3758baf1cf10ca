"""Arithmetic checks: XML1 identities and XML1 totals against the XML2/XML3 lines (spec/xml130.md §7)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from claims.exchange.synthetic import make_claim
from claims.exchange.validation import arithmetic_problems

CLAIM = make_claim(lines=15)
X1 = CLAIM.xml1
assert X1 is not None


def test_consistent_claim_has_no_arithmetic_problem() -> None:
    assert arithmetic_problems(CLAIM) == []


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("t_tongchi_bv", {"T_TONGCHI_BV"}),  # identity and the line sum
        ("t_tongchi_bh", {"T_TONGCHI_BV", "T_TONGCHI_BH"}),  # both identities and the line sum
        ("t_bhtt", {"T_TONGCHI_BH", "T_BHTT"}),
        ("t_bncct", {"T_TONGCHI_BH", "T_BNCCT"}),
        ("t_bntt", {"T_TONGCHI_BV", "T_BNTT"}),
        ("t_thuoc", {"T_THUOC"}),
        ("t_vtyt", {"T_VTYT"}),
    ],
)
def test_wrong_xml1_total_is_named(field: str, expected: set[str]) -> None:
    bad = replace(CLAIM, xml1=replace(X1, **{field: getattr(X1, field) + Decimal(5)}))
    problems = arithmetic_problems(bad, index=2)
    assert {p.field for p in problems} == expected
    assert all(p.category == "arithmetic" and p.table == "XML1" and p.hoso == 2 for p in problems)
    assert all("5" in p.message_en and p.message_vi for p in problems)


def test_one_vnd_tolerance_for_rounded_lines() -> None:
    near = replace(CLAIM, xml1=replace(X1, t_thuoc=X1.t_thuoc + Decimal("0.99")))  # type: ignore[operator]
    assert arithmetic_problems(near) == []


def test_line_identity_names_table_and_record() -> None:
    lines = list(CLAIM.xml3)
    lines[2] = replace(lines[2], t_bhtt=lines[2].t_bhtt + Decimal(100))  # type: ignore[operator]
    problems = arithmetic_problems(replace(CLAIM, xml3=tuple(lines)))
    line = [p for p in problems if p.table == "XML3"]
    assert [(p.record, p.stt, p.field) for p in line] == [(3, "3", "THANH_TIEN_BV")]


def test_fee_for_service_total_is_a_warning() -> None:
    bad = replace(CLAIM, xml1=replace(X1, t_bhtt_gdv=Decimal(0)))  # type: ignore[type-var]
    (p,) = arithmetic_problems(bad)
    assert (p.field, p.code, p.severity) == ("T_BHTT_GDV", "gdv_mismatch", "warning")


def test_ma_lk_must_match_xml1() -> None:
    from claims.exchange.model import Hoso
    from claims.exchange.validation import ma_lk_problems

    lines = list(CLAIM.xml2)
    lines[1] = replace(lines[1], ma_lk="OTHER")
    (p,) = ma_lk_problems(replace(CLAIM, xml2=tuple(lines)), 0)
    assert (p.table, p.record, p.field, p.value, p.severity) == ("XML2", 2, "MA_LK", "OTHER", "error")
    assert ma_lk_problems(Hoso(xml2=CLAIM.xml2))[0].code == "missing_table"
