import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from claims.claim.models import Claim
from claims.cli import app
from claims.encounter.models import EncounterRecord
from claims.intake.models import ImportRun
from claims.intake.render import hl7_messages
from claims.intake.sources import detect_format
from claims.intake.tabular import write_csv
from tests.intake.db_helpers import count, facilities
from tests.intake.helpers import SAMPLES, demo

runner = CliRunner()


@pytest.fixture
def database(db_url: str, session_factory, monkeypatch: pytest.MonkeyPatch):
    """The command's database: migrated, with the demo facility registered."""
    facilities(session_factory, "01999", "20999")
    monkeypatch.setenv("CLAIMS_DATABASE_URL", db_url)
    return session_factory


def test_import_writes_to_the_database_and_prints_the_report_as_json(tmp_path: Path, database) -> None:
    path = tmp_path / "encounters.csv"
    buffer = io.StringIO()
    write_csv(demo(4), buffer, declared=4)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    xml = SAMPLES / "xml130" / "qd130_20999_inpatient_inline_unencoded_all_tables.xml"
    result = runner.invoke(app, ["import", str(path), str(xml), "--json"])
    assert result.exit_code == 0, result.output
    report, xml_report = json.loads(result.output)
    assert (report["format"], report["imported"], report["failed"], report["declared_count"]) == ("csv", 4, 0, 4)
    assert (xml_report["format"], xml_report["imported"]) == ("xml130", 1)
    with database() as session:
        runs = session.scalars(select(ImportRun).order_by(ImportRun.id)).all()
        assert [(r.source, r.status, r.imported) for r in runs] == [
            ("encounters.csv", "done", 4), (xml.name, "done", 1)]  # fmt: skip
        assert count(session, EncounterRecord) == 5 and count(session, Claim) == 1
    again = runner.invoke(app, ["import", str(path), "--json"])
    assert json.loads(again.output)[0]["unchanged"] == 4


def test_import_exits_non_zero_and_names_failures() -> None:
    result = runner.invoke(
        app,
        ["import", "--dry-run", "--facility", "79001", str(SAMPLES / "fhir_r4" / "openimis_test_payment_notice.json"),
         str(SAMPLES / "fhir_r4" / "hl7_r4_patient-example.json")],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "created: dateTime '2022-05-17T10:58:46.807554' has a time but no time zone" in result.output
    assert "ignored hl7_r4_patient-example.json line 1 Patient/example: no Encounter or Claim" in result.output


def test_mapping_file_and_hl7_format(tmp_path: Path) -> None:
    encounter = next(demo(1, seed=9))
    path = tmp_path / "feed.txt"
    path.write_text("".join(hl7_messages(encounter)), encoding="utf-8")
    mapping = tmp_path / "mapping.csv"
    mapping.write_text(
        "kind,his_code,insurer_code,group,cost_group\n"
        + "".join(f"item,{line.code},{line.code},{line.group},{line.cost_group}\n" for line in encounter.lines),
        encoding="utf-8",
    )
    assert detect_format(path) == "hl7"
    result = runner.invoke(app, ["import", "--dry-run", str(path), "--mapping", str(mapping), "--json"])
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.output)
    assert report["imported"] == 1
    assert not [f for f in report["findings"] if f["code"] == "INTAKE_COST_GROUP_ASSUMED"]


def test_unreadable_file_is_a_file_error(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("claim_key,nonsense\nA,B\n", encoding="utf-8")
    result = runner.invoke(app, ["import", "--dry-run", str(path)])
    assert result.exit_code == 1
    assert "file: x.csv: unknown columns nonsense" in result.output


def test_the_same_file_twice_is_unchanged_the_second_time(tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    encounters = list(demo(3, seed=14))
    changed = [encounters[0].model_copy(update={"main_icd": "J01"}), *encounters[1:]]
    for path, batch in ((first, encounters), (second, changed)):
        buffer = io.StringIO()
        write_csv(batch, buffer)
        path.write_text(buffer.getvalue(), encoding="utf-8")
    result = runner.invoke(app, ["import", "--dry-run", str(first), str(first), str(second), "--json"])
    assert result.exit_code == 0, result.output
    counts = [(r["imported"], r["updated"], r["unchanged"]) for r in json.loads(result.output)]
    assert counts == [(3, 0, 0), (0, 0, 3), (0, 1, 2)]
