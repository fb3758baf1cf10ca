"""`claims check FILE…` over the real samples: streaming reader + our schemas + the catalogue (demo tariff)."""

from __future__ import annotations

import base64
import json
from collections import Counter
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from claims.review.catalogue import demo_catalogue
from claims.review.cli import register, run_files
from tests.rules.checks.test_real_samples import EXPECTED
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


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_real_file_reports_only_its_listed_findings(name: str) -> None:
    """The same findings, each with its reason, as the pure catalogue on the test reader: the exchange
    adapter keeps raw values (decimal commas, "02"), the schemas find nothing structural in these files,
    and the demo tariff matches every line (codes, names, prices, tenders)."""
    [res] = run_files([samples_dir() / name], demo_catalogue())
    assert res.error == ""
    got = Counter((f.code, f.table, f.stt, f.field, f.value) for f in res.findings)
    assert all(n == 1 for n in got.values()), got
    assert set(got) == set(EXPECTED[name])


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
    keys = {"code", "severity", "table", "stt", "field", "value", "message_vi", "message_en", "hint", "legal_ref"}
    assert all(set(f) >= keys for f in data[0]["findings"])


def test_all_six_files_as_one_batch_and_a_broken_one(tmp_path: Path) -> None:
    paths = sorted(samples_dir().glob("*.xml"))
    broken = tmp_path / "broken.xml"
    broken.write_text("<GIAMDINHHS><oops>", encoding="utf-8")
    results = run_files([*paths, broken], demo_catalogue())
    assert [r.error for r in results[:6]] == [""] * 6
    assert results[6].error and results[6].findings == []
    # de-identification gave every patient the same MA_BN: the one cross-claim finding this adds
    extra = [f.code for r in results for f in r.findings if f.code == "OVERLAPPING_STAYS"]
    assert extra == ["OVERLAPPING_STAYS"]
    assert sum(len(r.findings) for r in results) == sum(len(v) for v in EXPECTED.values()) + 1


def test_catalogue_finding_when_a_code_is_not_in_the_tariff(tmp_path: Path) -> None:
    original = (samples_dir() / CLEAN).read_bytes()
    data = original.replace(b"<MA_DICH_VU>22.0121.1369</MA_DICH_VU>", b"<MA_DICH_VU>99.0001.0001</MA_DICH_VU>", 1)
    assert data != original
    path = tmp_path / "unknown_code.xml"
    path.write_bytes(data)
    [res] = run_files([path], demo_catalogue())
    cat = [(f.code, f.value) for f in res.findings if f.code.startswith("CAT_")]
    assert cat == [("CAT_CODE_UNKNOWN", "99.0001.0001")]
    [without] = run_files([path], None)
    assert not [f for f in without.findings if f.code.startswith("CAT_")]


def test_entities_are_refused(tmp_path: Path) -> None:
    evil = tmp_path / "evil.xml"
    evil.write_bytes(
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b"<GIAMDINHHS><HOSO><FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>"
        + base64.b64encode(b"<TONG_HOP><MA_LK>&e;</MA_LK></TONG_HOP>")
        + b"</NOIDUNGFILE></FILEHOSO></HOSO></GIAMDINHHS>"
    )
    [res] = run_files([evil])
    assert res.error or all("root:" not in f.value for f in res.findings)


def test_garbage_content_is_a_blocking_schema_finding(tmp_path: Path) -> None:
    bad = tmp_path / "garbage.xml"
    bad.write_bytes(
        b"<GIAMDINHHS><THONGTINDONVI><MACSKCB>01999</MACSKCB></THONGTINDONVI><THONGTINHOSO>"
        b"<NGAYLAP>20260101</NGAYLAP><SOLUONGHOSO>1</SOLUONGHOSO><DANHSACHHOSO><HOSO><FILEHOSO>"
        b"<LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>@@@</NOIDUNGFILE></FILEHOSO></HOSO></DANHSACHHOSO>"
        b"</THONGTINHOSO></GIAMDINHHS>"
    )
    res = CliRunner().invoke(_app(), ["check", str(bad), "--json"])
    assert res.exit_code == 1
    codes = {f["code"] for f in json.loads(res.output)[0]["findings"]}
    assert any(c.startswith("SCHEMA_") for c in codes), codes
