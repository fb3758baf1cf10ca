"""Our XSDs: generated from the field table, current, compiled and cached, and strict where they must be."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lxml import etree

import xsd
from xsd import generate


def _csv() -> Path:
    path = generate.find_csv()
    if not path.is_file():
        pytest.skip("shared/spec/xml130_fields.csv not present")
    return path


def test_checked_in_files_are_current() -> None:
    files = generate.render(_csv())
    stale = [rel for rel, text in files.items() if (generate.HERE / rel).read_text(encoding="utf-8") != text]
    assert not stale, f"run `python -m xsd.generate`: stale {stale}"


def test_generated_model_is_current() -> None:
    from claims.exchange import _codegen

    assert _codegen.OUT.read_text(encoding="utf-8") == _codegen.render(), (
        "run python -m claims.exchange._codegen"
    )


def test_every_schema_compiles_and_is_cached() -> None:
    for version in xsd.VERSIONS:
        for table in (*xsd.TABLES, xsd.ENVELOPE):
            s = xsd.lxml_schema(version, table)
            assert s is xsd.lxml_schema(version, table)
    assert xsd.xmlschema_schema("3176", "XML5") is xsd.xmlschema_schema("3176", "XML5")


def test_unknown_schema() -> None:
    with pytest.raises(xsd.UnknownSchemaError):
        xsd.schema_path("130", "XML1")


def _xml5(**values: str) -> etree._Element:
    fields = [
        "MA_LK",
        "STT",
        "DIEN_BIEN_LS",
        "GIAI_DOAN_BENH",
        "HOI_CHAN",
        "PHAU_THUAT",
        "THOI_DIEM_DBLS",
        "NGUOI_THUC_HIEN",
        "DU_PHONG",
    ]
    base = {
        "MA_LK": "LK1",
        "STT": "1",
        "DIEN_BIEN_LS": "ổn",
        "THOI_DIEM_DBLS": "202601010830",
        "NGUOI_THUC_HIEN": "000001/CT-CCHN",
    }
    base.update(values)
    rec = "".join(f"<{f}>{base.get(f, '')}</{f}>" for f in fields if base.get(f) != "<omit>")
    doc = (
        f"<CHITIEU_CHITIET_DIENBIENLAMSANG><DSACH_CHI_TIET_DIEN_BIEN_BENH><CHI_TIET_DIEN_BIEN_BENH>{rec}"
        "</CHI_TIET_DIEN_BIEN_BENH></DSACH_CHI_TIET_DIEN_BIEN_BENH></CHITIEU_CHITIET_DIENBIENLAMSANG>"
    )
    return etree.fromstring(doc)


def test_xml5_field_order_matches_spec() -> None:
    names = [f["name"] for f in xsd.field_table()["3176"]["XML5"]["fields"]]
    assert names[:2] == ["MA_LK", "STT"] and "THOI_DIEM_DBLS" in names


@pytest.mark.parametrize(
    ("change", "ok"),
    [
        ({}, True),
        ({"THOI_DIEM_DBLS": "20260101083"}, False),  # 11 digits: wrong date-time form
        ({"THOI_DIEM_DBLS": ""}, False),  # required date-time empty
        ({"MA_LK": "x" * 101}, False),  # over 100 characters
        ({"MA_LK": "<omit>"}, False),  # required element missing
        ({"STT": "1.5"}, False),  # integer
        ({"DU_PHONG": "<omit>"}, True),  # optional element may be left out
    ],
)
def test_xml5_constraints(change: dict[str, str], ok: bool) -> None:
    names = [f["name"] for f in xsd.field_table()["3176"]["XML5"]["fields"]]
    if names != [
        "MA_LK",
        "STT",
        "DIEN_BIEN_LS",
        "GIAI_DOAN_BENH",
        "HOI_CHAN",
        "PHAU_THUAT",
        "THOI_DIEM_DBLS",
        "NGUOI_THUC_HIEN",
        "DU_PHONG",
    ]:
        pytest.skip(f"XML5 fields changed: {names}")
    assert xsd.lxml_schema("3176", "XML5").validate(_xml5(**change)) is ok


def test_amount_scale_and_xml14_date_forms() -> None:
    text = (generate.HERE / "v3176" / "XML1.xsd").read_text(encoding="utf-8")
    assert r"-?\d+(\.\d{1,2})?" in text
    x14 = {f["name"]: f for f in xsd.field_table()["3176"]["XML14"]["fields"]}
    assert x14["NGAY_HEN_KL"]["kind"] == "date_or_datetime"


def test_xsd_imports_only_lxml_and_xmlschema() -> None:
    import ast

    for path in generate.HERE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                top = node.module.split(".")[0]
                assert top in {
                    "__future__",
                    "lxml",
                    "xmlschema",
                    "xsd",
                    "csv",
                    "json",
                    "os",
                    "re",
                    "sys",
                    "pathlib",
                    "functools",
                    "typing",
                }, (path.name, node.module)
    assert os.sep


def test_envelope_schema() -> None:
    from claims.exchange.synthetic import make_claim
    from claims.exchange.writer import write_claim

    good = write_claim(make_claim(lines=2), ngaylap="20260105")
    schema = xsd.lxml_schema("3176", "ENVELOPE")
    assert schema.validate(etree.fromstring(good))
    for bad in (
        good.replace(b"<NGAYLAP>20260105</NGAYLAP>", b"<NGAYLAP>2026-01-05</NGAYLAP>"),
        good.replace(b"<LOAIHOSO>XML1</LOAIHOSO>", b"<LOAIHOSO>XML16</LOAIHOSO>"),
        good.replace(b"<MACSKCB>01999</MACSKCB>", b"<MACSKCB>0199999</MACSKCB>"),
        good.replace(b"<NOIDUNGFILE>", b"<NOIDUNGFILE>*", 1),
    ):
        assert bad != good
        assert not schema.validate(etree.fromstring(bad))
