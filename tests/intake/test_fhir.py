import copy
import io
import json
from decimal import Decimal

import pytest

from claims.encounter.schemas import LineGroup
from claims.intake import fhir
from claims.intake.fhir import ResourceError, read_fhir, validate_resource
from claims.intake.mapping import CodeMapping
from claims.intake.records import Ignored, IntakeFileError, ParsedRecord
from claims.intake.render import fhir_bundle
from claims.intake.report import ImportReport
from claims.intake.service import InMemoryRepository, import_items
from tests.intake.helpers import ITEMS, SAMPLES, demo

FHIR = SAMPLES / "fhir_r4"


def _load(name: str) -> dict:
    return json.loads((FHIR / name).read_text(encoding="utf-8"))


def _read(document: object, **kwargs) -> list:
    return list(read_fhir(io.StringIO(json.dumps(document, indent=1)), **kwargs))


# What each sample file gives on its own, and why.
ALONE = {
    "hl7_r4_account-example.json": ("ignored", "Account is not an intake resource"),
    "hl7_r4_chargeitem-example.json": ("ignored", "no Encounter or Claim in this input to attach it to"),
    "hl7_r4_claim-example-institutional-rich.json": ("failed", "Claim.patient: Patient/1 is not in this input"),
    "hl7_r4_claim-example-pharmacy-medication.json": ("failed", "Claim.patient: Patient/1 is not in this input"),
    "hl7_r4_claim-example.json": ("failed", "Claim.patient: Patient/1 is not in this input"),
    "hl7_r4_claimresponse-example-additem.json": ("ignored", "ClaimResponse is not an intake resource"),
    "hl7_r4_claimresponse-example.json": ("ignored", "ClaimResponse is not an intake resource"),
    "hl7_r4_coverage-example-2.json": ("ignored", "no Encounter or Claim in this input to attach it to"),
    "hl7_r4_coverage-example.json": ("ignored", "no Encounter or Claim in this input to attach it to"),
    "hl7_r4_encounter-example-emerg.json": ("failed", "Encounter.subject: Patient/example is not in this input"),
    "hl7_r4_encounter-example-f001-heart.json": ("failed", "Encounter.subject: Patient/f001 is not in this input"),
    "hl7_r4_explanationofbenefit-example.json": ("ignored", "ExplanationOfBenefit is not an intake resource"),
    "hl7_r4_invoice-example.json": ("ignored", "Invoice is not an intake resource"),
    "hl7_r4_patient-example.json": ("ignored", "no Encounter or Claim in this input to attach it to"),
    "hl7_r4_procedure-example-f001-heart.json": ("ignored", "no Encounter or Claim in this input to attach it to"),
    "openimis_test_claimResponse.json": ("ignored", "ClaimResponse is not an intake resource"),
    "openimis_test_coverageEligibilityResponse.json": ("ignored", "CoverageEligibilityResponse is not an intake"),
    "openimis_test_invoice.json": ("ignored", "Invoice is not an intake resource"),
    "openimis_test_patient.json": ("ignored", "no Encounter or Claim in this input to attach it to"),
}
# The three openIMIS files that are not valid R4: rejected (not normalised), with the exact reason.
NON_CONFORMANT = {
    "openimis_test_claim.json": "Claim: insurance: field required",
    "openimis_test_coverage.json": (
        "Coverage: period.end: dateTime '2022-08-19T00:00:00' has a time but no time zone (R4 requires one); "
        "period.start: dateTime '2021-08-20T00:00:00' has a time but no time zone (R4 requires one)"
    ),
    "openimis_test_payment_notice.json": (
        "PaymentNotice: created: dateTime '2022-05-17T10:58:46.807554' has a time but no time zone (R4 requires one)"
    ),
}


def test_every_sample_is_covered() -> None:
    assert {path.name for path in FHIR.glob("*.json")} == set(ALONE) | set(NON_CONFORMANT)


@pytest.mark.parametrize("name", sorted(ALONE))
def test_each_valid_sample_alone(name: str) -> None:
    validate_resource(_load(name))  # valid R4
    (item,) = list(read_fhir((FHIR / name).open(encoding="utf-8"), source=name, facility_code="79001"))
    outcome, reason = ALONE[name]
    if outcome == "ignored":
        assert isinstance(item, Ignored) and item.reason.startswith(reason)
    else:
        assert isinstance(item, ParsedRecord) and item.error == reason


@pytest.mark.parametrize("name", sorted(NON_CONFORMANT))
def test_non_conformant_openimis_files_fail_with_the_exact_reason(name: str) -> None:
    with pytest.raises(ResourceError) as caught:
        validate_resource(_load(name))
    assert str(caught.value) == NON_CONFORMANT[name]
    report = import_items(
        read_fhir((FHIR / name).open(encoding="utf-8"), source=name, facility_code="79001"),
        InMemoryRepository(),
        ImportReport(name, "fhir"),
    )
    assert report.imported == 0
    assert [failure.reason for failure in report.failures] == [NON_CONFORMANT[name]]


def _entry(resource: dict, url: str) -> dict:
    resource = copy.deepcopy(resource)
    resource.pop("text", None)
    return {"fullUrl": url, "resource": resource}


def test_hl7_institutional_claim_with_patient_and_coverage_imports() -> None:
    """The HL7 examples, linked in one Bundle, with the card number a Vietnamese EMR adds to the Coverage."""
    patient, coverage, claim = (
        _load("hl7_r4_patient-example.json"),
        _load("hl7_r4_coverage-example.json"),
        _load("hl7_r4_claim-example-institutional-rich.json"),
    )
    claim["patient"] = {"reference": "Patient/example"}
    coverage["beneficiary"] = {"reference": "Patient/example"}
    coverage["identifier"].append({"system": fhir.SID_CARD, "value": "DN4010123456701"})
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [_entry(patient, "Patient/example"), _entry(coverage, "Coverage/9876B1"), _entry(claim, "Claim/1")],
    }
    mapping = CodeMapping(diagnoses={"654456": "S06.0"})
    (record,) = [item for item in _read(bundle, facility_code="79001", mapping=mapping)]
    assert record.error is None
    encounter = record.encounter
    assert encounter.claim_key == "96123451"  # Claim.identifier: no MA_LK system, so the first identifier
    assert encounter.patient.full_name == "Chalmers Peter James" and encounter.patient.sex == 1
    assert encounter.patient.birth_date.isoformat() == "1974-12-25"
    assert [card.code for card in encounter.cards] == ["DN4010123456701"]
    assert encounter.cards[0].valid_from.isoformat() == "2011-05-23"
    assert encounter.visit_type == "03"  # an institutional claim
    assert encounter.admitted_at.date().isoformat() == "2014-08-15"  # billablePeriod
    assert encounter.main_icd == "S06.0"
    (line,) = encounter.lines
    assert (line.code, line.his_code, line.unit_price_bv, line.quantity) == ("exam", "exam", Decimal(125), Decimal(1))
    codes = {finding.code for finding in record.findings}
    assert {"INTAKE_CURRENCY", "INTAKE_COST_GROUP_ASSUMED", "INTAKE_NO_REGISTERED_FACILITY"} <= codes


def test_hl7_encounter_procedure_and_charge_item_bundle() -> None:
    """Encounter f001 + Patient + Procedure f001 + ChargeItem, linked; f001 has no period, so the test adds one."""
    patient = _load("hl7_r4_patient-example.json")
    coverage = _load("hl7_r4_coverage-example-2.json")
    encounter = _load("hl7_r4_encounter-example-f001-heart.json")
    procedure = _load("hl7_r4_procedure-example-f001-heart.json")
    charge = _load("hl7_r4_chargeitem-example.json")
    coverage["beneficiary"] = {"reference": "Patient/example"}
    coverage["identifier"] = [{"system": fhir.SID_CARD, "value": "HT3790123456789"}]
    encounter["subject"] = {"reference": "Patient/example"}
    procedure["subject"] = {"reference": "Patient/example"}
    charge["context"] = {"reference": "Encounter/f001"}
    charge["subject"] = {"reference": "Patient/example"}
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            _entry(r, f"{r['resourceType']}/{r['id']}") for r in (patient, coverage, encounter, procedure, charge)
        ],
    }
    (record,) = _read(bundle, facility_code="79001")
    assert record.error == "Encounter.period.start: missing (NGAY_VAO)"
    encounter["period"] = {"start": "2011-06-26T08:00:00+01:00", "end": "2011-06-27T10:00:00+01:00"}
    bundle["entry"][2] = _entry(encounter, "Encounter/f001")
    (record,) = _read(bundle, facility_code="79001")
    assert record.error == "MA_BENH_CHINH: no ICD-10 diagnosis (Condition.code / Claim.diagnosis)"
    condition = {
        "resourceType": "Condition",
        "subject": {"reference": "Patient/example"},
        "encounter": {"reference": "Encounter/f001"},
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "368009", "display": "Heart valve disorder"}]},
    }
    bundle["entry"].append(_entry(condition, "urn:uuid:condition-1"))
    (record,) = _read(bundle, facility_code="79001", mapping=CodeMapping(diagnoses={"368009": "I35.0"}))
    assert record.error is None, record.error
    result = record.encounter
    assert result.claim_key == "v1451"  # Encounter.identifier (official), no MA_LK system given
    assert result.admitted_at.isoformat() == "2011-06-26T14:00:00+07:00"
    assert result.procedure_codes == ("34068001",)
    (line,) = result.lines  # the ChargeItem: price override 40 EUR, quantity 1
    assert (line.code, line.quantity, line.unit_price_bv) == ("01510", Decimal(1), Decimal(40))
    assert line.department_code == "CARD_INTERMEDIATE_CARE"
    assert result.main_icd == "I35.0"  # the SNOMED CT condition through the facility's diagnosis mapping
    assert result.discharge_diagnosis == "Heart valve disorder"
    assert result.reason_for_visit == "Heart valve replacement"


def test_emergency_that_became_an_admission() -> None:
    patient, encounter = _load("hl7_r4_patient-example.json"), _load("hl7_r4_encounter-example-emerg.json")
    encounter["diagnosis"] = [{"condition": {"reference": "urn:uuid:c1"}, "rank": 1}]
    condition = {
        "resourceType": "Condition",
        "subject": {"reference": "Patient/example"},
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "S06.0"}]},
    }
    coverage = {
        "resourceType": "Coverage",
        "status": "active",
        "identifier": [{"system": fhir.SID_CARD, "value": "DN4010123456701"}],
        "beneficiary": {"reference": "Patient/example"},
        "payor": [{"display": "BHXH"}],
        "period": {"start": "2017-01-01"},
    }
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        _entry(patient, "Patient/example"), _entry(encounter, "Encounter/emerg"),
        _entry(condition, "urn:uuid:c1"), _entry(coverage, "urn:uuid:cov"),
    ]}  # fmt: skip
    (record,) = _read(bundle, facility_code="79001")
    # Still in progress: no discharge time, so no claim yet.
    assert record.error == "Encounter.period.end: missing (NGAY_RA); the encounter is in-progress"
    encounter["period"]["end"] = "2017-02-03T10:00:00+10:00"
    bundle["entry"][1] = _entry(encounter, "Encounter/emerg")
    (record,) = _read(bundle, facility_code="79001")
    result = record.encounter
    assert result is not None, record.error
    # MA_LOAI_KCB from the current class (IMP → 03); NGAY_VAO is the arrival in the emergency department,
    # NGAY_VAO_NOI_TRU the move to inpatient care.
    assert result.visit_type == "03" and result.emergency is True
    assert result.admitted_at.isoformat() == "2017-02-01T04:15:00+07:00"
    assert result.inpatient_at.isoformat() == "2017-02-01T06:27:00+07:00"  # type: ignore[union-attr]


@pytest.mark.parametrize("style", ["chargeitem", "claim"])
def test_canonical_round_trip_through_a_bundle_and_ndjson(style: str) -> None:
    encounters = list(demo(25, seed=6))
    text = "\n".join(json.dumps(fhir_bundle(e, style=style), ensure_ascii=False) for e in encounters)
    records = [item for item in read_fhir(io.StringIO(text)) if isinstance(item, ParsedRecord)]
    assert [r.error for r in records] == [None] * 25
    core = {"claim_key", "facility_code", "cards", "visit_type", "admitted_at", "discharged_at", "main_icd",
            "secondary_icds", "department_code"}  # fmt: skip
    line_fields = {"stt", "group", "cost_group", "code", "his_code", "name", "quantity", "unit_price_bv", "ordered_at"}
    for original, record in zip(encounters, records, strict=True):
        got = record.encounter
        assert got.model_dump(include=core) == original.model_dump(include=core)
        assert got.patient.full_name == original.patient.full_name
        assert [line.model_dump(include=line_fields) for line in got.lines] == [
            line.model_dump(include=line_fields) for line in original.lines
        ]


def test_a_bad_resource_fails_only_its_encounter() -> None:
    encounters = list(demo(2, seed=7))
    good, bad = fhir_bundle(encounters[0]), fhir_bundle(encounters[1])
    coverage = next(e for e in bad["entry"] if e["resource"]["resourceType"] == "Coverage")
    coverage["resource"]["period"]["start"] = "2026-01-01T00:00:00"
    text = json.dumps(good) + "\n" + json.dumps(bad)
    records = [item for item in read_fhir(io.StringIO(text), source="f.ndjson") if isinstance(item, ParsedRecord)]
    assert len(records) == 2  # the bad Coverage fails its encounter, and is not reported a second time
    assert records[0].encounter is not None
    assert records[1].label.startswith("f.ndjson line 2 entry ")
    assert records[1].error.endswith(  # type: ignore[union-attr]
        "Coverage: period.start: dateTime '2026-01-01T00:00:00' has a time but no time zone (R4 requires one)"
    )


def test_medication_dispense_becomes_a_drug_line_and_mapping_applies() -> None:
    encounter = next(demo(1, seed=8))
    bundle = fhir_bundle(encounter.model_copy(update={"lines": ()}))
    bundle["entry"].append({"resource": {
        "resourceType": "MedicationDispense", "status": "completed",
        "context": {"reference": bundle["entry"][-1]["fullUrl"]},
        "medicationCodeableConcept": {"coding": [{"system": "urn:his", "code": "PARA500", "display": "Paracetamol"}]},
        "quantity": {"value": 10}, "whenHandedOver": "2026-10-05T09:00:00+07:00",
        "extension": [{"url": fhir.EXT_UNIT_PRICE, "valueMoney": {"value": 1500, "currency": "VND"}}],
    }})  # fmt: skip
    mapping = CodeMapping(items={"PARA500": "40.17"}, kinds={"PARA500": (LineGroup.DRUG, 4)})
    repository = InMemoryRepository()
    report = import_items(_read(bundle), repository, ImportReport("m", "fhir"), mappings=lambda facility: mapping)
    assert report.imported == 1 and report.failed == 0
    (line,) = repository.encounter(encounter.facility_code, encounter.claim_key).lines
    assert (line.group, line.code, line.his_code, line.quantity) == (LineGroup.DRUG, "40.17", "PARA500", Decimal(10))


def test_not_json_is_a_file_error() -> None:
    with pytest.raises(IntakeFileError, match="not JSON"):
        list(read_fhir(io.StringIO("{\n not json")))


def test_items_used_by_demo_catalogue() -> None:
    assert ITEMS  # the round trip above covers every line group of the demo catalogue


def test_one_transaction_bundle_with_many_encounters() -> None:
    encounters = list(demo(30, seed=10))
    entries = [entry for e in encounters for entry in fhir_bundle(e)["entry"]]
    bundle = {"resourceType": "Bundle", "type": "transaction", "total": len(entries), "entry": entries}
    items = _read(bundle)
    records = [item for item in items if isinstance(item, ParsedRecord)]
    assert [record.encounter.claim_key for record in records] == [e.claim_key for e in encounters]
    assert not [item for item in items if isinstance(item, Ignored)]
    report = import_items(iter(items), InMemoryRepository(), ImportReport("b", "fhir"))
    assert report.imported == 30 and report.ok


def test_observations_become_result_rows_and_administrations_drug_lines() -> None:
    encounter = next(demo(1, seed=15))
    bundle = fhir_bundle(encounter.model_copy(update={"lines": ()}))
    encounter_url = next(e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Encounter")
    bundle["entry"] += [
        {"fullUrl": "urn:uuid:obs-1", "resource": {
            "resourceType": "Observation", "status": "final", "encounter": {"reference": encounter_url},
            "code": {"coding": [{"system": "http://loinc.org", "code": "2951-2", "display": "Sodium"}]},
            "valueQuantity": {"value": 128, "unit": "mmol/L"}, "effectiveDateTime": "2026-10-05T08:00:00+07:00"}},
        {"resource": {
            "resourceType": "DiagnosticReport", "status": "final", "encounter": {"reference": encounter_url},
            "code": {"text": "Điện giải đồ"}, "result": [{"reference": "urn:uuid:obs-1"}]}},
        {"resource": {
            "resourceType": "MedicationAdministration", "status": "completed", "context": {"reference": encounter_url},
            "subject": {"reference": bundle["entry"][0]["fullUrl"]},
            "medicationCodeableConcept": {"coding": [{"system": fhir.CS_INSURER_CATALOGUE, "code": "40.17"}]},
            "effectiveDateTime": "2026-10-05T09:00:00+07:00", "dosage": {"dose": {"value": 2}},
            "extension": [{"url": fhir.EXT_UNIT_PRICE, "valueMoney": {"value": 1500, "currency": "VND"}}]}},
    ]  # fmt: skip
    (record,) = _read(bundle)
    result = record.encounter
    assert result is not None, record.error
    assert result.clinical_tables["results"] == (
        {"indicator_code": "2951-2", "indicator_name": "Sodium", "value": "128", "unit": "mmol/L",
         "result_at": "2026-10-05T08:00:00+07:00"},
    )  # fmt: skip
    (line,) = result.lines
    assert (line.group, line.code, line.his_code, line.quantity, line.unit_price_bv) == (
        LineGroup.DRUG, "40.17", None, Decimal(2), Decimal(1500))  # fmt: skip
