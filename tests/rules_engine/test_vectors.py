import copy
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claims.cli import app
from claims.pricing.vectors import run_vectors

runner = CliRunner()


def test_every_public_vector_passes(shared: Path) -> None:
    doc = json.loads((shared / "spec" / "vectors.json").read_text(encoding="utf-8"))
    results = run_vectors(doc)
    assert len(results) == len(doc["vectors"]) >= 17
    failed = {r.vector_id: r.mismatches or r.error for r in results if not r.passed}
    assert failed == {}


def test_cli_price_vectors_passes(shared: Path) -> None:
    result = runner.invoke(app, ["price-vectors", str(shared / "spec" / "vectors.json")])
    assert result.exit_code == 0, result.output
    assert "17 passed, 0 failed" in result.output


def test_cli_price_vectors_fails_on_a_wrong_expectation(shared: Path, tmp_path: Path) -> None:
    doc = json.loads((shared / "spec" / "vectors.json").read_text(encoding="utf-8"))
    broken = copy.deepcopy(doc)
    broken["vectors"] = broken["vectors"][:2]
    broken["vectors"][1]["expected"]["lines"][0]["T_BHTT"] += 1
    path = tmp_path / "v.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    result = runner.invoke(app, ["price-vectors", str(path)])
    assert result.exit_code == 1
    assert "FAIL PUB-02" in result.output and "PASS PUB-01" in result.output
    assert "T_BHTT" in result.output


def test_cli_price_vectors_reports_expected_rejections(shared: Path, tmp_path: Path) -> None:
    doc = json.loads((shared / "spec" / "vectors.json").read_text(encoding="utf-8"))
    vec = copy.deepcopy(doc["vectors"][0])
    vec["expected"]["rejected_lines"] = [{"stt": 9}]
    path = tmp_path / "v.json"
    path.write_text(json.dumps({"vectors": [vec]}), encoding="utf-8")
    result = runner.invoke(app, ["price-vectors", str(path)])
    assert result.exit_code == 1
    assert "rejected lines" in result.output


@pytest.mark.parametrize("as_json", [True, False])
def test_cli_price_one_encounter(shared: Path, tmp_path: Path, as_json: bool) -> None:
    doc = json.loads((shared / "spec" / "vectors.json").read_text(encoding="utf-8"))
    path = tmp_path / "enc.json"
    path.write_text(json.dumps(doc["vectors"][5]["inputs"]), encoding="utf-8")
    result = runner.invoke(app, ["price", str(path), *(["--json"] if as_json else [])])
    assert result.exit_code == 0, result.output
    if as_json:
        out = json.loads(result.output)
        assert out["totals"]["T_BHTT"] == 1322432
        assert out["lines"][0]["trace"][0]["legal_ref"]
        assert all(step["text_vi"] and step["text_en"] for step in out["lines"][0]["trace"])
    else:
        assert "T_BHTT=1322432" in result.output
        assert "LINE.T_BHTT" in result.output


def test_cli_price_bad_shape_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "enc.json"
    path.write_text(json.dumps({"route": "nowhere", "lines": []}), encoding="utf-8")
    result = runner.invoke(app, ["price", str(path)])
    assert result.exit_code == 2


def test_cli_price_with_demo_tariff_rejects_unknown_codes(shared: Path, tmp_path: Path) -> None:
    doc = json.loads((shared / "spec" / "vectors.json").read_text(encoding="utf-8"))
    path = tmp_path / "enc.json"
    path.write_text(json.dumps(doc["vectors"][0]["inputs"]), encoding="utf-8")
    result = runner.invoke(app, ["price", str(path), "--demo-tariff", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    # the vector's illustrative codes (DRUG-A1 …) are not in the demo catalogue; 02.03 is
    rejected = {r["stt"] for r in out["rejected_lines"]}
    assert 4 in rejected and 1 not in rejected


def test_cli_price_as_of(shared: Path, tmp_path: Path) -> None:
    doc = json.loads((shared / "spec" / "vectors.json").read_text(encoding="utf-8"))
    path = tmp_path / "enc.json"
    path.write_text(json.dumps(doc["vectors"][14]["inputs"]), encoding="utf-8")  # PUB-15, 2024-06-28
    out = json.loads(runner.invoke(app, ["price", str(path), "--json", "--no-trace"]).output)
    assert out["totals"]["MUC_HUONG"] == 80
    out = json.loads(
        runner.invoke(app, ["price", str(path), "--json", "--no-trace", "--as-of", "2024-07-01"]).output
    )
    assert out["totals"]["MUC_HUONG"] == 100  # the held-out twin of PUB-15: below the new threshold
    assert runner.invoke(app, ["price", str(path), "--as-of", "tomorrow"]).exit_code == 2
