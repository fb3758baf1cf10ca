"""The writer's typed pre-check may only vouch for what libxml2 accepts; anything else goes to libxml2."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from claims.exchange.model import SPECS
from claims.exchange.spec import FieldSpec
from claims.exchange.synthetic import make_claim
from claims.exchange.typed_check import (
    IntRule,
    SimpleType,
    Unsupported,
    _python_pattern,
    field_rule,
    record_rules,
    simple_types,
)
from claims.exchange.validation import check_written
from claims.exchange.writer import (
    WriteError,
    checked_record_writer,
    checked_table_documents,
    record_writer,
    table_document,
    table_documents,
    write_claim,
)
from tests.exchange.test_xml_hypothesis import record as valid_record
from xsd import lxml_schema

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
TABLES = [(v, f"XML{i}") for v in ("3176", "4750") for i in range(16)]


def _libxml2_valid(version: str, table: str, rec: Any) -> bool:
    doc = table_document(version, table, [rec])
    try:
        root = etree.fromstring(doc, PARSER)
    except etree.XMLSyntaxError:
        return False
    return bool(lxml_schema(version, table).validate(root))


@pytest.mark.parametrize(("version", "table"), TABLES)
def test_every_table_schema_is_modelled(version: str, table: str) -> None:
    # the fast path covers every table today; a generator change it cannot follow shows up here
    assert record_rules(version, table) is not None
    assert checked_record_writer(version, table) is not None


def test_synthetic_claims_need_no_libxml2_and_write_the_same_bytes() -> None:
    for i in range(30):
        claim = make_claim(15, i)
        docs, unsure = checked_table_documents(claim, "3176")
        assert docs == table_documents(claim, "3176")
        assert unsure == []


def test_patterns_outside_the_grammar_are_not_modelled() -> None:
    assert _python_pattern(r"-?\d+(\.\d{1,2})?", token=True) == r"-?[0-9]+(\.[0-9]{1,2})?"
    assert _python_pattern(r"[^;]{0,5}(;[^;]{0,5})*", token=False) == r"[^;]{0,5}(;[^;]{0,5})*"
    for bad in (r"[A-Z]{2}", r"\s*\d+", r"a|b", r"\d{8}$", r"[^;]{0,3}"):  # the last: a token type
        with pytest.raises(Unsupported):
            _python_pattern(bad, token=True)
    root = etree.fromstring(
        b'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:simpleType name="t">'
        b'<xs:restriction base="xs:string"><xs:enumeration value="1"/></xs:restriction></xs:simpleType></xs:schema>'
    )
    with pytest.raises(Unsupported):
        simple_types(root)
    f = FieldSpec("X", "x", "int", 3, True, None, False)
    with pytest.raises(Unsupported):
        field_rule(f, SimpleType("t", "xs:integer", None, None, None))
    assert field_rule(f, SimpleType("t", "xs:token", 3, None, r"-?\d+")) == IntRule(-100, 1000, False)


# ---------------------------------------------------------------------------------------- soundness
ODD_CHARS = "aZ9;&<>\"' \t\n\rĐườngỹ\x01\x0b\x1f\ufffe\u00a0\u2028😀"


def _text(mx: int | None) -> st.SearchStrategy[str]:
    top = (mx or 20) + 3
    around = st.integers(max(0, top - 6), top).map(lambda n: "x" * n)
    return st.text(st.sampled_from(ODD_CHARS), max_size=min(top, 40)) | around | st.just("")


def _digits() -> st.SearchStrategy[str]:
    return st.text(st.sampled_from("0123456789 ;x٣"), max_size=20) | st.sampled_from(
        ["", "20260105", "202601050800", "20260105;20260106", " 20260105", "2026010"]
    )


def _decimal(mx: int | None) -> st.SearchStrategy[Any]:
    n = mx or 15
    edges = [Decimal(10) ** k + d for k in (n - 5, n - 4, n - 3) if k >= 0 for d in (Decimal(-1), Decimal("-0.005"), 0)]
    edges += [Decimal("-0"), Decimal("-0.004"), Decimal("0.005"), Decimal("47.5"), Decimal("99.995")]
    return (
        st.none()
        | st.sampled_from(edges)
        | st.sampled_from(edges).map(lambda d: -d)
        | st.decimals(min_value=-(10**13), max_value=10**13, allow_nan=False, allow_infinity=False, places=3)
    )


def _value(f: FieldSpec) -> st.SearchStrategy[Any]:
    if f.kind == "str":
        return _text(f.max_length)
    if f.kind == "int":
        mx = f.max_length or 10
        bound = st.sampled_from([10**mx - 1, 10**mx, -(10 ** (mx - 1)) + 1, -(10 ** (mx - 1)), 0])
        return st.none() | st.booleans() | bound | st.integers(-(10**12), 10**12)
    if f.kind == "dec":
        return _decimal(f.max_length)
    return _digits()


@st.composite
def _case(draw: st.DrawFn) -> tuple[str, str, Any]:
    """A valid record with zero to three fields given odd values (near a bound, odd characters, wrong type)."""
    version, table = draw(st.sampled_from(TABLES))
    spec = SPECS[version][table]
    rec = draw(valid_record(version, table, "LK1"))
    for f in draw(st.lists(st.sampled_from(spec.fields), max_size=3, unique=True)):
        rec = replace(rec, **{f.attr: draw(_value(f))})
    return version, table, rec


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(_case())
def test_the_pre_check_only_vouches_for_what_libxml2_accepts(case: tuple[str, str, Any]) -> None:
    version, table, rec = case
    try:
        plain = record_writer(version, table)(rec)
    except (AttributeError, TypeError, ArithmeticError):
        return  # a value the writer itself cannot render (not a schema question)
    checked = checked_record_writer(version, table)
    assert checked is not None
    text, sure = checked(rec)
    assert text == plain
    if sure:
        assert _libxml2_valid(version, table, rec), text


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(range(len(SPECS["3176"]["XML3"].fields))), st.data())
def test_one_bad_value_sends_the_table_to_libxml2(index: int, data: st.DataObject) -> None:
    f = SPECS["3176"]["XML3"].fields[index]
    rec = replace(make_claim(3, 1).xml3[0], **{f.attr: data.draw(_value(f))})
    try:
        text, sure = checked_record_writer("3176", "XML3")(rec)  # type: ignore[misc]
    except (AttributeError, TypeError, ArithmeticError):
        return
    valid = _libxml2_valid("3176", "XML3", rec)
    assert valid or not sure, (f.name, text)  # vouched for ⇒ valid


# ------------------------------------------------------------------------------------- write_claim
def test_an_invalid_value_is_reported_by_libxml2_exactly_as_before() -> None:
    claim = make_claim(6, 2)
    lines = list(claim.xml3)
    lines[2] = replace(lines[2], ten_dich_vu="x" * 1100, so_luong=Decimal("123456789.5"))
    claim = replace(claim, xml3=tuple(lines))
    with pytest.raises(WriteError) as err:
        write_claim(claim, ngaylap="20260105", version="3176", validate=True)
    expected = check_written(table_documents(claim, "3176"), "3176")  # libxml2 over every document
    assert err.value.problems == expected
    assert {(p.table, p.record, p.field) for p in expected} == {("XML3", 3, "TEN_DICH_VU"), ("XML3", 3, "SO_LUONG")}


def test_a_character_xml_forbids_still_fails_in_the_parser() -> None:
    claim = make_claim(2, 3)
    claim = replace(claim, xml1=replace(claim.xml1, dia_chi="Số 1\x01 phố"))
    _docs, unsure = checked_table_documents(claim, "3176")
    assert [t for t, _ in unsure] == ["XML1"]
    with pytest.raises(etree.XMLSyntaxError):
        write_claim(claim, ngaylap="20260105", version="3176", validate=True)


def test_repeated_bad_values_are_never_vouched_for() -> None:
    claim = make_claim(2, 4)
    bad = replace(claim, xml1=replace(claim.xml1, ho_ten="y" * 300))
    for _ in range(3):  # the text caches must not remember a value that failed
        assert [t for t, _ in checked_table_documents(bad, "3176")[1]] == ["XML1"]
    assert checked_table_documents(claim, "3176")[1] == []


def _edges(f: FieldSpec) -> list[Any]:
    n = f.max_length
    if f.kind == "int":
        n = n or 10
        return [10**n - 1, 10**n, -(10 ** (n - 1)) + 1, -(10 ** (n - 1)), 0, None, True]
    if f.kind == "dec":
        n = n or 15
        out: list[Any] = [None, Decimal("-0"), Decimal("0.005"), Decimal("-0.005"), Decimal("1.2345"), Decimal("NaN")]
        for k in (n - 5, n - 4, n - 3, n - 2):
            if k >= 0:
                for d in (Decimal(10) ** k - 1, Decimal(10) ** k, Decimal(10) ** k - Decimal("0.001")):
                    out += [d, -d]
        return out
    size = n or 30
    return ["x" * size, "x" * (size + 1), "Đ" * size, "", "a;b", " 1", "1 ", "\x01", "&<>", "\ufffe",
            "20260105", "202601050800", "2026010508", "20260105;20260106", "٣" * 8]


@pytest.mark.parametrize("table", ["XML1", "XML2", "XML3", "XML5"])
def test_edge_values_of_every_field(table: str) -> None:
    base = make_claim(15, 5).records(table)[0]
    writer = checked_record_writer("3176", table)
    assert writer is not None
    vouched = 0
    for f in SPECS["3176"][table].fields:
        for value in _edges(f):
            rec = replace(base, **{f.attr: value})
            try:
                _text, sure = writer(rec)
            except (AttributeError, TypeError, ArithmeticError):
                continue
            if sure:
                vouched += 1
                assert _libxml2_valid("3176", table, rec), (f.name, value)
    assert vouched > 3 * len(SPECS["3176"][table].fields)  # the edges inside the bounds are vouched for
