"""Imports into the database: versions by content hash, per-record isolation, facility scoping, the import log,
pricing queued through the outbox and run by the intake actor's body."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from claims.audit.models import AuditEvent
from claims.auth.models import Role
from claims.auth.scope import Principal
from claims.claim.models import Claim
from claims.encounter.models import EncounterRecord
from claims.intake.models import ImportRun
from claims.intake.repository import PRICE_ACTOR, DbRepository
from claims.review.models import Finding
from claims.submission.models import OutboxMessage
from tests.intake.db_helpers import count, csv_bytes, facilities, import_bytes, outbox_payloads
from tests.intake.helpers import demo
from workers.intake import run_pricing


def test_import_then_same_again_then_changed(session_factory) -> None:
    facilities(session_factory, "01999")
    encounters = list(demo(6))
    run_id, first = import_bytes(session_factory, csv_bytes(encounters, declared=6), batch_size=4)
    assert (first.imported, first.updated, first.unchanged, first.failed) == (6, 0, 0, 0)
    _, again = import_bytes(session_factory, csv_bytes(encounters))
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 6)
    changed = [encounters[0].model_copy(update={"main_icd": "J01"}), *encounters[1:]]
    _, third = import_bytes(session_factory, csv_bytes(changed))
    assert (third.imported, third.updated, third.unchanged) == (0, 1, 5)
    with session_factory() as session:
        assert count(session, EncounterRecord) == 7
        rows = session.scalars(
            select(EncounterRecord)
            .where(EncounterRecord.ma_lk == encounters[0].claim_key)
            .order_by(EncounterRecord.version)
        ).all()
        assert [r.version for r in rows] == [1, 2] and rows[1].supersedes_id == rows[0].id
        assert rows[1].payload["main_icd"] == "J01" and rows[0].import_id == run_id
        run = session.get(ImportRun, run_id)
        assert run is not None and run.status == "done" and run.imported == 6 and run.declared_count == 6
        assert run.report is not None and run.report["imported"] == 6
        # one audit event per stored encounter version
        events = session.scalars(select(AuditEvent).where(AuditEvent.entity == "encounter")).all()
        assert sorted(e.action for e in events) == ["new_version"] + ["receive"] * 6
        # pricing queued per batch (batches of 4: two messages), then one for the changed one
        queued = [p["encounter_ids"] for p in outbox_payloads(session, PRICE_ACTOR)]
        assert sorted(len(ids) for ids in queued) == [1, 2, 4]


def test_declared_count_is_checked(session_factory) -> None:
    facilities(session_factory, "01999")
    _, report = import_bytes(session_factory, csv_bytes(demo(3), declared=5))
    assert report.imported == 3
    assert report.file_errors == ["encounters.csv line 1 declares 5 encounters; the file holds 3"]


def test_unknown_and_foreign_facilities_fail_per_record(session_factory) -> None:
    own, other = facilities(session_factory, "01999", "79001")
    encounters = [*demo(2), *demo(1, seed=5)]
    foreign = next(demo(1, seed=9)).model_copy(update={"facility_code": "79001", "claim_key": "X-1"})
    unknown = foreign.model_copy(update={"facility_code": "48999", "claim_key": "X-2"})
    clerk = Principal(user_id=None, username="clerk", role=Role.billing, facility_id=own)
    _, report = import_bytes(session_factory, csv_bytes([*encounters, foreign, unknown]), actor=clerk)
    assert report.imported == 3
    reasons = {f.record: f.reason for f in report.failures}
    assert len(reasons) == 2
    assert all("is not the importing facility '01999'" in reason for reason in reasons.values()), reasons
    with session_factory() as session:
        assert {r.facility_id for r in session.scalars(select(EncounterRecord))} == {own}
        run = session.scalars(select(ImportRun)).one()
        assert run.facility_id == own and run.failed == 2 and other
    # an admin import of any facility: an unregistered facility code fails its record
    _, report = import_bytes(session_factory, csv_bytes([foreign, unknown]))
    assert report.imported == 1
    assert [f.reason for f in report.failures] == ["facility_code (MA_CSKCB) 48999: not a facility you may import for"]


def test_one_record_failing_in_the_database_fails_alone(session_factory, monkeypatch: pytest.MonkeyPatch) -> None:
    facilities(session_factory, "01999")
    encounters = list(demo(5))
    bad_key = encounters[2].claim_key
    original = DbRepository._write

    def failing(self, plans):  # a storage error on one record of the batch
        if any(plan.record.encounter.claim_key == bad_key for plan in plans):
            self.session.execute(select(1))
            raise RuntimeError("disk on fire")
        return original(self, plans)

    monkeypatch.setattr(DbRepository, "_write", failing)
    _, report = import_bytes(session_factory, csv_bytes(encounters))
    assert report.imported == 4
    [failure] = report.failures
    assert bad_key in failure.record or "row" in failure.record
    assert failure.reason == "could not be stored: RuntimeError: disk on fire"
    with session_factory() as session:
        assert count(session, EncounterRecord) == 4
        assert bad_key not in set(session.scalars(select(EncounterRecord.ma_lk)))


def test_pricing_runs_from_the_outbox_and_unmapped_codes_become_findings(session_factory) -> None:
    from claims.intake.models import CodeMap

    [fid] = facilities(session_factory, "01999")
    encounters = list(demo(3))
    # the first encounter's first line is given as a hospital code only
    first = encounters[0]
    line = first.lines[0]
    unmapped = line.model_copy(update={"code": "HIS-001", "his_code": "HIS-001"})
    mapped_line = first.lines[1].model_copy(update={"code": "HIS-002", "his_code": "HIS-002"})
    encounters[0] = first.model_copy(update={"lines": (unmapped, mapped_line, *first.lines[2:])})
    with session_factory() as session:
        session.add(CodeMap(facility_id=fid, kind="item", his_code="HIS-002", insurer_code=first.lines[1].code,
                            updated_by="test"))  # fmt: skip
        session.commit()
    _, report = import_bytes(session_factory, csv_bytes(encounters))
    assert report.imported == 3 and report.finding_counts == {"INTAKE_UNMAPPED_CODE": 1}
    with session_factory() as session:
        stored = session.scalars(select(EncounterRecord).where(EncounterRecord.ma_lk == first.claim_key)).one()
        assert stored.payload["lines"][1]["code"] == first.lines[1].code  # mapped
        assert stored.findings and stored.findings[0]["code"] == "INTAKE_UNMAPPED_CODE"
        [payload] = outbox_payloads(session, PRICE_ACTOR)
    run_pricing(session_factory, payload["encounter_ids"])
    run_pricing(session_factory, payload["encounter_ids"])  # safe to run twice
    with session_factory() as session:
        claims = session.scalars(select(Claim)).all()
        assert len(claims) == 3
        owner = next(c for c in claims if c.ma_lk == first.claim_key)
        [finding] = session.scalars(select(Finding).where(Finding.source == "intake")).all()
        assert finding.claim_id == owner.id and finding.code == "INTAKE_UNMAPPED_CODE"
        assert finding.table_name == ("XML2" if line.group.is_drug_table else "XML3") and finding.record == line.stt
        assert finding.claim_line_id is not None
        checks = session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "check_claims")).all()
        assert len(checks) == 3


def test_a_changed_encounter_after_sending_makes_a_new_claim_version(session_factory) -> None:
    facilities(session_factory, "01999")
    [encounter] = list(demo(1))
    import_bytes(session_factory, csv_bytes([encounter]))
    with session_factory() as session:
        [payload] = outbox_payloads(session, PRICE_ACTOR)
    run_pricing(session_factory, payload["encounter_ids"])
    with session_factory() as session:
        claim = session.scalars(select(Claim)).one()
        claim.status = "sent"
        session.commit()
        sent_id = claim.id
    import_bytes(session_factory, csv_bytes([encounter.model_copy(update={"main_icd": "J01"})]))
    with session_factory() as session:
        payloads = outbox_payloads(session, PRICE_ACTOR)
    run_pricing(session_factory, payloads[-1]["encounter_ids"])
    with session_factory() as session:
        rows = session.scalars(select(Claim).order_by(Claim.version)).all()
        assert (rows[0].version, rows[0].status) == (1, "sent")
        assert rows[1].version == 2 and rows[1].supersedes_id == sent_id
