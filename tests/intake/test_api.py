"""Intake endpoints: FHIR Bundle, uploads (inline and in the background), the import log, code mappings."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from claims.audit.models import AuditEvent
from claims.encounter.models import EncounterRecord
from claims.intake import runs
from claims.intake.models import ImportRun
from claims.intake.render import fhir_bundle
from claims.intake.runs import IMPORT_ACTOR
from claims.submission.models import OutboxMessage
from tests import factories
from tests.api.conftest import token_for
from tests.intake.db_helpers import csv_bytes
from tests.intake.helpers import SAMPLES, demo
from workers.intake import run_import

HL7 = SAMPLES / "hl7v2"


def _encounters(count: int, facility: str = "01001", seed: int = 1):
    return [e.model_copy(update={"facility_code": facility}) for e in demo(count, seed=seed)]


def _bundle(encounter) -> dict:
    bundle = fhir_bundle(encounter)
    bundle["type"] = "transaction"
    return bundle


def test_post_bundle_answers_an_operation_outcome(client, world, login) -> None:
    headers = {**login("billing_a"), "Content-Type": "application/fhir+json"}
    [encounter] = _encounters(1)
    first = client.post("/fhir/Bundle", content=json.dumps(_bundle(encounter)), headers=headers)
    assert first.status_code == 200, first.text
    outcome = first.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert "imported 1" in outcome["issue"][0]["diagnostics"]
    location = first.headers["Location"]
    again = client.post("/fhir/Bundle", content=json.dumps(_bundle(encounter)), headers=headers)
    assert "unchanged 1" in again.json()["issue"][0]["diagnostics"]
    detail = client.get(location, headers=login("billing_a")).json()
    assert detail["status"] == "done" and detail["imported"] == 1 and detail["format"] == "fhir"
    assert detail["report"]["imported"] == 1
    # another facility's user does not see it; a bundle of another facility's encounter fails its record
    assert client.get(location, headers=login("billing_b")).status_code == 404
    [foreign] = _encounters(1, facility="79002", seed=3)
    answer = client.post("/fhir/Bundle", content=json.dumps(_bundle(foreign)), headers=headers).json()
    errors = [issue for issue in answer["issue"] if issue["severity"] == "error"]
    assert len(errors) == 1 and "79002" in errors[0]["diagnostics"]


def test_post_bundle_refuses_what_is_not_a_bundle(client, world, login) -> None:
    headers = {**login("billing_a"), "Content-Type": "application/fhir+json"}
    assert client.post("/fhir/Bundle", content='{"resourceType": "Patient"}', headers=headers).status_code == 422
    assert client.post("/fhir/Bundle", content="{}", headers=login("insurer")).status_code == 403


def test_openimis_claim_fails_with_the_exact_reason(client, world, login) -> None:
    claim = json.loads((SAMPLES / "fhir_r4" / "openimis_test_claim.json").read_text(encoding="utf-8"))
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": claim}]}
    headers = {**login("billing_a"), "Content-Type": "application/fhir+json"}
    answer = client.post("/fhir/Bundle", content=json.dumps(bundle), headers=headers).json()
    errors = [issue["diagnostics"] for issue in answer["issue"] if issue["severity"] == "error"]
    assert errors and "Claim: insurance: field required" in errors[0]


def test_small_upload_is_imported_at_once(client, world, login) -> None:
    data = csv_bytes(_encounters(3), declared=3)
    r = client.post("/api/imports", files={"file": ("month.csv", data, "text/csv")}, headers=login("billing_a"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["status"], body["imported"], body["declared_count"], body["format"]) == ("done", 3, 3, "csv")
    listed = client.get("/api/imports", headers=login("finance_a")).json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]
    assert client.get("/api/imports", headers=login("billing_b")).json()["items"] == []


def test_large_upload_runs_in_the_background_with_progress(client, app, world, login, monkeypatch) -> None:
    monkeypatch.setattr("claims.intake.endpoints.INLINE_LIMIT", 100)
    monkeypatch.setattr(runs, "CHUNK_BYTES", 4096)  # several chunks
    data = csv_bytes(_encounters(12), declared=12)
    r = client.post("/api/imports", files={"file": ("big.csv", data)}, headers=login("billing_a"))
    assert r.status_code == 202, r.text
    import_id = r.json()["id"]
    assert r.json()["status"] == "queued" and r.json()["size_bytes"] == len(data)
    factory = app.state.session_factory
    with factory() as session:
        [message] = session.scalars(select(OutboxMessage).where(OutboxMessage.topic == IMPORT_ACTOR)).all()
        assert message.payload == {"import_id": import_id}
    run_import(factory, import_id)
    run_import(factory, import_id)  # safe to run twice
    detail = client.get(f"/api/imports/{import_id}", headers=login("billing_a")).json()
    assert (detail["status"], detail["records"], detail["imported"]) == ("done", 12, 12)
    with factory() as session:
        assert len(session.scalars(select(EncounterRecord).where(EncounterRecord.import_id == import_id)).all()) == 12
        run = session.get(ImportRun, import_id)
        assert run is not None and run.created_by == "billing_a"


def test_hl7_upload_uses_the_facility_diagnosis_mapping(client, app, login) -> None:
    with app.state.session_factory() as session:
        facility = factories.facility(session, "79001")
        factories.user(session, "clerk", "billing", facility.id)
        session.commit()
    headers = token_for(client, "clerk")
    for his, icd in (("29857009", "R07.4"), ("68235000", "R09.8"), ("422504002", "I63.9")):
        r = client.post("/api/code-mappings", json={"kind": "diagnosis", "his_code": his, "insurer_code": icd},
                        headers=headers)  # fmt: skip
        assert r.status_code == 201, r.text
    text = "".join((HL7 / n).read_text(encoding="utf-8") + "\r" for n in ("ADT-A01-01.hl7", "DFT-P03-01.hl7",
                                                                         "ADT-A03-01.hl7"))  # fmt: skip
    r = client.post("/api/imports", files={"file": ("visit.hl7", text.encode())}, headers=headers)
    body = r.json()
    assert (body["imported"], body["failed"]) == (1, 0), body
    with app.state.session_factory() as session:
        stored = session.scalars(select(EncounterRecord)).one()
        assert stored.payload["main_icd"] == "I63.9" and stored.source == "hl7"


def test_code_mappings_are_scoped_and_audited(client, app, world, login) -> None:
    a, b, admin = login("billing_a"), login("billing_b"), login("admin")
    body = {"his_code": "BV-KHAM", "insurer_code": "02.1896", "line_group": "exam", "cost_group": 13}
    created = client.post("/api/code-mappings", json=body, headers=a)
    assert created.status_code == 201, created.text
    row = created.json()
    assert row["facility_id"] == world.facility_a.id
    assert client.post("/api/code-mappings", json=body, headers=a).status_code == 409
    assert client.post("/api/code-mappings", json=body, headers=admin).status_code == 422  # admin names the facility
    assert client.post("/api/code-mappings", json={**body, "facility_id": world.facility_b.id},
                       headers=admin).status_code == 201  # fmt: skip
    assert client.post("/api/code-mappings", json={**body, "facility_id": world.facility_b.id},
                       headers=a).status_code == 404  # fmt: skip
    assert client.post("/api/code-mappings", json={**body, "cost_group": None}, headers=a).status_code == 422
    assert client.get(f"/api/code-mappings/{row['id']}", headers=b).status_code == 404
    assert client.put(f"/api/code-mappings/{row['id']}", json={"insurer_code": "X"}, headers=b).status_code == 404
    listed = client.get("/api/code-mappings", headers=a).json()
    assert [item["his_code"] for item in listed["items"]] == ["BV-KHAM"]
    updated = client.put(f"/api/code-mappings/{row['id']}", json={"insurer_code": "02.1897"}, headers=a)
    assert updated.status_code == 200 and updated.json()["insurer_code"] == "02.1897"
    assert client.delete(f"/api/code-mappings/{row['id']}", headers=b).status_code == 404
    assert client.delete(f"/api/code-mappings/{row['id']}", headers=login("finance_a")).status_code == 403
    assert client.delete(f"/api/code-mappings/{row['id']}", headers=a).status_code == 204
    with app.state.session_factory() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity == "code_mapping").order_by(AuditEvent.id)
        ).all()
        assert actions == ["create", "create", "update", "delete"]


@pytest.mark.parametrize("fmt", ["nonsense"])
def test_unknown_format_is_refused(client, world, login, fmt: str) -> None:
    r = client.post("/api/imports", files={"file": ("x.csv", b"a")}, data={"format": fmt}, headers=login("billing_a"))
    assert r.status_code == 422


def test_a_queued_file_that_cannot_be_read_fails_with_the_reason(client, app, world, login, monkeypatch) -> None:
    monkeypatch.setattr("claims.intake.endpoints.INLINE_LIMIT", 10)
    r = client.post("/api/imports", files={"file": ("x.json", b"this is not json at all")}, headers=login("billing_a"))
    assert r.status_code == 202
    run_import(app.state.session_factory, r.json()["id"])
    detail = client.get(f"/api/imports/{r.json()['id']}", headers=login("billing_a")).json()
    assert detail["status"] == "failed" and detail["records"] == 0
    assert detail["report"]["file_errors"] and "x.json" in detail["report"]["file_errors"][0]
