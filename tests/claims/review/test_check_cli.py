"""`claims check FILE…` over the real samples (temporary XML reader; see claims/review/xml_input.py)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from claims.review.cli import register, run_files
from claims.review.xml_input import XmlInputError, read_envelope
from tests.rules.checks.xmlsamples import samples_dir

CLEAN = "qd130_20999_inpatient_inline_unencoded_all_tables.xml"
DENGUE = "qd130_94999_inpatient_child_dengue_xml1-2-3-4-7-8.xml"


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """test app"""

    register(app)
    return app


def test_clean_file_exits_zero() -> None:
    res = CliRunner().invoke(_app(), ["check", str(samples_dir() / CLEAN)])
    assert res.exit_code == 0, res.output
    assert "OK" in res.output


def test_blocking_finding_exits_one_and_names_the_place() -> None:
    res = CliRunner().invoke(_app(), ["check", str(samples_dir() / DENGUE), "--lang", "en"])
    assert res.exit_code == 1
    assert "BLOCKING TOTAL_T_BNCCT XML1 STT=1 MA_LK=000942 T_BNCCT='107945.40'" in res.output


def test_json_output() -> None:
    res = CliRunner().invoke(_app(), ["check", str(samples_dir() / DENGUE), "--json"])
    data = json.loads(res.output)
    assert data[0]["error"] == ""
    codes = {f["code"] for f in data[0]["findings"]}
    assert {"TOTAL_T_BNTT", "TOTAL_T_BNCCT", "LINE_SPLIT"} <= codes
    keys = {"code", "severity", "table", "stt", "field", "value", "message_vi"}
    assert all(set(f) >= keys for f in data[0]["findings"])


def test_all_six_files_read(tmp_path: Path) -> None:
    paths = sorted(samples_dir().glob("*.xml"))
    broken = tmp_path / "broken.xml"
    broken.write_text("<GIAMDINHHS><oops>", encoding="utf-8")
    results = run_files([*paths, broken])
    assert [r.error for r in results[:6]] == [""] * 6
    assert results[6].error and results[6].findings == []


def test_entities_are_not_expanded() -> None:
    evil = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b"<GIAMDINHHS><HOSO><FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>"
        + base64.b64encode(b"<TONG_HOP><MA_LK>&e;</MA_LK></TONG_HOP>")
        + b"</NOIDUNGFILE></FILEHOSO></HOSO></GIAMDINHHS>"
    )
    try:
        claims = read_envelope(evil)
    except XmlInputError:
        return
    assert "root:" not in claims[0]["XML1"][0].get("MA_LK", "")


def test_garbage_content_is_an_input_error() -> None:
    bad = (
        b"<GIAMDINHHS><HOSO><FILEHOSO><LOAIHOSO>XML1</LOAIHOSO>"
        b"<NOIDUNGFILE>@@@</NOIDUNGFILE></FILEHOSO></HOSO></GIAMDINHHS>"
    )
    with pytest.raises(XmlInputError):
        read_envelope(bad)
