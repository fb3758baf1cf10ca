"""``claims xml validate|show|convert``."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from claims.cli import app
from claims.exchange.reader import read_envelope

runner = CliRunner()
DENGUE = "qd130_94999_inpatient_child_dengue_xml1-2-3-4-7-8.xml"
EMERGENCY = "qd130_94999_emergency_transfer_xml1-3-4-13.xml"
ANTENATAL = "qd130_94999_outpatient_antenatal_xml1-2-3-4-14.xml"


def test_validate_exit_codes_and_json(samples: Path) -> None:
    ok = runner.invoke(app, ["xml", "validate", str(samples / ANTENATAL)])
    assert ok.exit_code == 0 and "OK" in ok.output
    bad = runner.invoke(app, ["xml", "validate", "--json", str(samples / ANTENATAL), str(samples / DENGUE)])
    assert bad.exit_code == 1
    reports = json.loads(bad.output)
    assert [r["valid"] for r in reports] == [True, False]
    assert {p["field"] for p in reports[1]["problems"] if p["severity"] == "error"} == {"T_BNTT", "T_BNCCT"}


def test_validate_unsafe_file(tmp_path: Path) -> None:
    f = tmp_path / "lol.xml"
    f.write_bytes(b'<!DOCTYPE a [<!ENTITY x "y">]><GIAMDINHHS>&x;</GIAMDINHHS>')
    res = runner.invoke(app, ["xml", "validate", str(f)])
    assert res.exit_code == 1 and "DTD" in res.output


def test_show(samples: Path) -> None:
    res = runner.invoke(app, ["xml", "show", str(samples / EMERGENCY)])
    assert res.exit_code == 0
    for text in ("XML13", "MA_LYDO_CT", "version 4750", "T_TONGCHI_BV"):
        assert text in res.output


def test_convert(samples: Path, tmp_path: Path) -> None:
    out = tmp_path / "c.xml"
    res = runner.invoke(app, ["xml", "convert", str(samples / EMERGENCY), "--to", "3176", "-o", str(out)])
    assert res.exit_code == 0, res.output
    h = read_envelope(out).envelope.hoso[0]
    assert h.version == "3176" and h.xml13 is not None and h.xml13.ten_dich_vu == ""
    assert runner.invoke(app, ["xml", "validate", str(out)]).exit_code == 0
    assert runner.invoke(app, ["xml", "convert", str(samples / EMERGENCY), "--to", "130"]).exit_code == 2


def test_validate_explain_prints_xmlschema_reasons(tmp_path: Path) -> None:
    from claims.exchange.synthetic import make_claim
    from claims.exchange.writer import write_claim

    h = make_claim(lines=2)
    from dataclasses import replace

    bad = replace(h, xml1=replace(h.xml1, ngay_vao="2026"))  # type: ignore[type-var]
    f = tmp_path / "bad.xml"
    f.write_bytes(write_claim(bad, ngaylap="20260105"))
    res = runner.invoke(app, ["xml", "validate", "--explain", str(f)])
    assert res.exit_code == 1
    assert "NGAY_VAO" in res.output and "(xmlschema)" in res.output
