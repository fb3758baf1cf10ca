"""Property tests: any claim within the model's constraints writes a valid envelope that reads back equal;
malformed variants are reported with the right table, record and field."""

from __future__ import annotations

import base64
import re
from dataclasses import replace
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims.exchange.model import RECORD_CLASSES, SPECS, Hoso
from claims.exchange.reader import read_envelope
from claims.exchange.spec import FieldSpec
from claims.exchange.synthetic import make_claim
from claims.exchange.validation import validate_file
from claims.exchange.writer import write_claim

# Text the model accepts: any XML character except C0 controls other than TAB/LF/CR.
TEXT_CHARS = st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters="".join(chr(c) for c in range(32) if c not in (9, 10, 13)) + "\ufffe\uffff",
)


def _value(f: FieldSpec) -> st.SearchStrategy[Any]:
    mx = f.max_length
    if f.kind == "str":
        size = min(mx or 40, 40)
        if f.is_list and mx is not None and mx <= 15:
            item = st.text(TEXT_CHARS.filter(lambda c: c != ";"), max_size=mx)
            return st.lists(item, min_size=1, max_size=3).map(";".join)
        return st.text(TEXT_CHARS, max_size=size)
    if f.kind == "int":
        top = 10 ** min(mx or 4, 6) - 1
        v = st.integers(min_value=0, max_value=top)
        return v if f.required else st.none() | v
    if f.kind == "dec":
        if f.name == "MUC_HUONG":
            v = st.sampled_from([Decimal(100), Decimal(95), Decimal(80), Decimal("47.5"), Decimal(0)])
        else:
            scale = f.scale or 2
            int_digits = min(9, (mx or 15) - scale - 1)  # the size counts every character
            v = st.decimals(
                min_value=0,
                max_value=Decimal(10) ** int_digits - 1,
                places=scale,
                allow_nan=False,
                allow_infinity=False,
            )
        return v if f.required else st.none() | v
    digits = {
        "date": r"\d{8}",
        "datetime": r"\d{12}",
        "date_or_datetime": r"\d{8}(\d{4})?",
        "dates": r"\d{8}(;\d{8}){0,2}",
    }[f.kind]
    v = st.from_regex(re.compile(digits, re.ASCII), fullmatch=True)
    return v if f.required else st.just("") | v


def record(version: str, table: str, ma_lk: str) -> st.SearchStrategy[Any]:
    spec = SPECS[version][table]
    kw = {f.attr: _value(f) for f in spec.fields if f.attr != "ma_lk"}
    if any(f.attr == "ma_lk" for f in spec.fields):
        kw["ma_lk"] = st.just(ma_lk)
    return st.builds(RECORD_CLASSES[table], **kw)


@st.composite
def claims(draw: st.DrawFn) -> tuple[Hoso, str]:
    version = draw(st.sampled_from(["4750", "3176"]))
    ma_lk = draw(st.from_regex(re.compile(r"[A-Z0-9]{1,20}", re.ASCII), fullmatch=True))
    kw: dict[str, Any] = {"xml1": draw(record(version, "XML1", ma_lk))}
    tables = draw(
        st.lists(st.sampled_from([f"XML{i}" for i in range(2, 16) if i != 12]), max_size=4, unique=True)
    )
    for t in tables:
        if SPECS[version][t].single:
            kw[t.lower()] = draw(record(version, t, ma_lk))
        else:
            kw[t.lower()] = tuple(draw(st.lists(record(version, t, ma_lk), min_size=1, max_size=3)))
    return Hoso(**kw, version=version), version


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(claims())
def test_any_claim_writes_valid_and_reads_back_equal(claim: tuple[Hoso, str]) -> None:
    hoso, version = claim
    data = write_claim(hoso, macskcb="01999", ngaylap="20260101", version=version, validate=True)
    report = validate_file(data)
    assert not [p for p in report.problems if p.category == "structural" and p.severity == "error"], (
        report.problems
    )
    back = read_envelope(data).envelope.hoso[0]
    assert back.tables().keys() == hoso.tables().keys()
    for table, recs in hoso.tables().items():
        assert back.records(table) == recs, table


# ------------------------------------------------------------------------------------ malformed variants
BASE = make_claim(lines=6)
BASE_BYTES = write_claim(BASE, ngaylap="20260105", version="3176", validate=True)


def _rewrite_table(data: bytes, table: str, fix) -> bytes:
    def sub(m: re.Match[bytes]) -> bytes:
        doc = base64.b64decode(m.group(2))
        return m.group(1) + base64.b64encode(fix(doc)) + m.group(3)

    pat = re.compile(rb"(<LOAIHOSO>" + table.encode() + rb"</LOAIHOSO><NOIDUNGFILE>)([^<]*)(</NOIDUNGFILE>)")
    return pat.sub(sub, data)


def _errors(data: bytes):
    return [p for p in validate_file(data).problems if p.severity == "error"]


LINE_TABLES = {"XML2": BASE.xml2, "XML3": BASE.xml3}


@settings(max_examples=60, deadline=None)
@given(
    table=st.sampled_from(["XML1", "XML2", "XML3"]),
    data=st.data(),
)
def test_missing_required_element_is_reported(table: str, data: st.DataObject) -> None:
    recs = LINE_TABLES.get(table, (BASE.xml1,))
    pos = data.draw(st.integers(1, len(recs)))
    required = [f.name for f in SPECS["3176"][table].fields if f.required and f.name not in ("MA_LK",)]
    name = data.draw(st.sampled_from(required))
    record_tag = SPECS["3176"][table].record.encode()

    def drop(doc: bytes) -> bytes:
        if table == "XML1":
            return re.sub(rb"<" + name.encode() + rb">[^<]*</" + name.encode() + rb">", b"", doc, count=1)
        parts = doc.split(b"<" + record_tag + b">")
        parts[pos] = re.sub(
            rb"<" + name.encode() + rb">[^<]*</" + name.encode() + rb">", b"", parts[pos], count=1
        )
        return (b"<" + record_tag + b">").join(parts)

    errs = _errors(_rewrite_table(BASE_BYTES, table, drop))
    assert any((p.table, p.record, p.field, p.code) == (table, pos, name, "missing_element") for p in errs), [
        str(p) for p in errs
    ]


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_over_long_value_is_reported(data: st.DataObject) -> None:
    table = data.draw(st.sampled_from(["XML1", "XML3"]))
    spec = SPECS["3176"][table]
    f = data.draw(
        st.sampled_from([f for f in spec.fields if f.kind == "str" and f.max_length and not f.is_list])
    )
    text = "x" * (f.max_length + data.draw(st.integers(1, 5)))
    if table == "XML1":
        hoso = replace(BASE, xml1=replace(BASE.xml1, **{f.attr: text}))
        pos = 1
    else:
        pos = data.draw(st.integers(1, len(BASE.xml3)))
        lines = list(BASE.xml3)
        lines[pos - 1] = replace(lines[pos - 1], **{f.attr: text})
        hoso = replace(BASE, xml3=tuple(lines))
    errs = _errors(write_claim(hoso, ngaylap="20260105", version="3176"))
    hit = [p for p in errs if (p.table, p.record, p.field) == (table, pos, f.name)]
    assert hit and hit[0].code == "too_long" and text.startswith(hit[0].value[:100]), [str(p) for p in errs]
    assert hit[0].stt == str(pos if table == "XML3" else 1)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_wrong_date_form_is_reported(data: st.DataObject) -> None:
    f = data.draw(
        st.sampled_from([f for f in SPECS["3176"]["XML1"].fields if f.kind in ("date", "datetime")])
    )
    good = 8 if f.kind == "date" else 12
    n = data.draw(st.sampled_from([n for n in (6, 8, 10, 11, 12, 13) if n != good]))
    bad = data.draw(st.sampled_from(["2", "x", "/"])) * n
    hoso = replace(BASE, xml1=replace(BASE.xml1, **{f.attr: bad}))
    errs = _errors(write_claim(hoso, ngaylap="20260105", version="3176"))
    assert any((p.table, p.field, p.code, p.value) == ("XML1", f.name, "bad_format", bad) for p in errs), [
        str(p) for p in errs
    ]


@settings(max_examples=15, deadline=None)
@given(
    table=st.sampled_from(["XML1", "XML2", "XML3", "XML5"]), junk=st.sampled_from(["!!!", "@@", "A", "====x"])
)
def test_broken_base64_is_reported(table: str, junk: str) -> None:
    pat = re.compile(rb"(<LOAIHOSO>" + table.encode() + rb"</LOAIHOSO><NOIDUNGFILE>)([^<]*)(</NOIDUNGFILE>)")
    data = pat.sub(lambda m: m.group(1) + m.group(2)[:40] + junk.encode() + m.group(3), BASE_BYTES)
    errs = _errors(data)
    assert any((p.table, p.field, p.code) == (table, "NOIDUNGFILE", "base64") for p in errs), [
        str(p) for p in errs
    ]
    assert read_envelope(data).envelope.hoso[0].records(table) == ()
