from contextlib import AbstractContextManager

import pytest

from claims.encounter.schemas import Encounter
from claims.intake.mapping import CodeMapping, map_codes
from claims.intake.records import Finding, Ignored, ParsedRecord
from claims.intake.report import ImportReport
from claims.intake.service import InMemoryRepository, StoredVersion, content_hash, import_items
from tests.intake.helpers import demo


def _items(encounters):
    return (ParsedRecord(f"record {n}", encounter=e) for n, e in enumerate(encounters, start=1))


def _run(encounters, repository, **kwargs) -> ImportReport:
    return import_items(_items(encounters), repository, ImportReport("test", "test"), **kwargs)


def test_reimport_is_unchanged_then_updated_with_a_new_version() -> None:
    encounters = list(demo(5))
    repository = InMemoryRepository()
    first = _run(encounters, repository)
    assert (first.imported, first.updated, first.unchanged) == (5, 0, 0)
    again = _run(encounters, repository)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 5)
    changed = [encounters[0].model_copy(update={"main_icd": "J01"}), *encounters[1:]]
    third = _run(changed, repository)
    assert (third.imported, third.updated, third.unchanged) == (0, 1, 4)
    key = (encounters[0].facility_code, encounters[0].claim_key)
    assert repository.latest(*key) == StoredVersion(2, content_hash(changed[0]))
    assert repository.encounter(*key, version=1).main_icd == encounters[0].main_icd
    assert repository.versions[key][1].replaces == 1


def test_content_hash_ignores_dict_order() -> None:
    encounter = next(demo(1))
    a = encounter.model_copy(update={"extras": {"A": "1", "B": "2"}})
    b = encounter.model_copy(update={"extras": {"B": "2", "A": "1"}})
    assert content_hash(a) == content_hash(b)
    assert content_hash(a) != content_hash(encounter)


def test_failed_records_carry_their_reason_and_duplicates_in_one_file_fail() -> None:
    encounter = next(demo(1))
    items = [
        ParsedRecord("row 2", encounter=encounter),
        ParsedRecord("row 3", error="card_code: too short"),
        ParsedRecord("row 4", encounter=encounter),
        Ignored("entry 1 Patient/x", "no encounter"),
    ]
    report = import_items(items, InMemoryRepository(), ImportReport("f", "csv"))
    assert report.imported == 1 and report.ignored == 1
    assert [(f.record, f.reason) for f in report.failures] == [
        ("row 3", "card_code: too short"),
        ("row 4", f"MA_LK {encounter.claim_key} appears more than once in this file"),
    ]
    assert report.as_dict()["failed"] == 2


class _FlakyRepository(InMemoryRepository):
    def add_version(self, encounter: Encounter, content_hash: str, findings: tuple[Finding, ...], replaces):
        number = super().add_version(encounter, content_hash, findings, replaces)
        if encounter.claim_key.endswith("1"):
            raise RuntimeError("disk full")
        return number


def test_a_storage_error_fails_one_record_and_undoes_its_writes() -> None:
    encounters = list(demo(3))
    repository = _FlakyRepository()
    report = _run(encounters, repository)
    assert report.imported == 2
    assert report.failures[0].record == "record 2"
    assert "RuntimeError: disk full" in report.failures[0].reason
    assert (encounters[1].facility_code, encounters[1].claim_key) not in repository.versions


def test_mapping_gives_insurer_codes_and_findings_for_unmapped() -> None:
    encounter = next(demo(1))
    lines = [
        encounter.lines[0].model_copy(update={"code": "HIS-1", "his_code": "HIS-1"}),
        encounter.lines[1].model_copy(update={"code": "HIS-2", "his_code": "HIS-2"}),
        *encounter.lines[2:],
    ]
    local = encounter.model_copy(update={"lines": tuple(lines)})
    mapped, findings = map_codes(local, CodeMapping(items={"HIS-1": "02.1896"}))
    assert mapped.lines[0].code == "02.1896" and mapped.lines[0].his_code == "HIS-1"
    assert mapped.lines[1].code == "HIS-2"
    assert [(f.code, f.record, f.field) for f in findings] == [
        ("INTAKE_UNMAPPED_CODE", f"{encounter.claim_key} service line {lines[1].stt}", "code")
    ]
    assert mapped.lines[2:] == encounter.lines[2:]


def test_mapping_is_looked_up_per_facility() -> None:
    encounter = next(demo(1))
    line = encounter.lines[0].model_copy(update={"code": "H1", "his_code": "H1"})
    local = encounter.model_copy(update={"lines": (line, *encounter.lines[1:])})
    repository = InMemoryRepository()
    seen: list[str] = []

    def lookup(facility: str) -> CodeMapping:
        seen.append(facility)
        return CodeMapping(facility, items={"H1": "X.1"})

    report = _run([local], repository, mappings=lookup)
    assert seen == [encounter.facility_code] and not report.findings
    assert repository.encounter(encounter.facility_code, encounter.claim_key).lines[0].code == "X.1"


def test_repository_protocol_is_satisfied_by_the_memory_repository() -> None:
    repository: object = InMemoryRepository()
    assert isinstance(repository.record_scope(), AbstractContextManager)  # type: ignore[attr-defined]


def test_parsed_record_needs_exactly_one_of_encounter_or_error() -> None:
    with pytest.raises(ValueError):
        ParsedRecord("x")


def test_findings_beyond_the_listed_limit_are_counted(monkeypatch) -> None:
    from claims.intake import report as report_module

    monkeypatch.setattr(report_module, "MAX_LISTED_FINDINGS", 2)
    report = ImportReport("x", "csv")
    report.add_findings(tuple(Finding(code="A", message=str(n)) for n in range(5)))
    assert len(report.findings) == 2 and report.finding_counts == {"A": 5}
    assert report.summary().endswith("; 5 findings")
