"""Stored encounters → priced claims in the database (both backends), idempotent and versioned."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from claims.audit.models import AuditEvent
from claims.auth.scope import system_principal
from claims.claim.models import Claim, ClaimLine
from claims.claim.status import ClaimStatus
from claims.demo.generator import generate_encounters
from claims.encounter import service as encounter_service
from claims.exchange.claim_builder import build_hoso
from claims.pricing.adapter import PricedEncounter
from claims.pricing.service import engine_facility, price_and_store, unpriced_encounters
from tests import factories
from tests.demo.test_generator import ITEMS

ACTOR = system_principal("test")


def _store_encounters(session, facility_id: int, count: int) -> None:
    for encounter in generate_encounters(count, seed=4, facility_code="01999", items=ITEMS):
        encounter_service.store(
            session, ACTOR, facility_id, encounter.claim_key, "demo", encounter.model_dump(mode="json")
        )


def test_encounters_become_priced_claims_with_exact_totals(session) -> None:
    facility = factories.facility(session, "01999")
    facility.level = "tỉnh"
    facility.hospital_class = "I"
    _store_encounters(session, facility.id, 25)
    records = unpriced_encounters(session, ACTOR, facility.id)
    assert len(records) == 25

    outcomes = price_and_store(session, ACTOR, facility, records)
    session.commit()

    assert unpriced_encounters(session, ACTOR, facility.id) == []
    for outcome in outcomes:
        claim = session.get(Claim, outcome.claim.id)
        totals = outcome.priced.priced.totals
        assert claim.t_tongchi_bv == totals.t_tongchi_bv
        assert claim.t_bhtt == totals.t_bhtt
        lines = session.scalars(select(ClaimLine).where(ClaimLine.claim_id == claim.id)).all()
        assert sum((line.thanh_tien_bv for line in lines), Decimal(0)) == claim.t_tongchi_bv
        for line in lines:
            assert line.thanh_tien_bv == line.t_bhtt + line.t_bncct + line.t_bntt + line.t_nguonkhac
            assert line.trace, "every amount carries its pricing trace"
        assert claim.status in (ClaimStatus.priced, ClaimStatus.needs_fix)
        assert claim.period == "202610"


def test_repricing_replaces_lines_and_a_sent_claim_gets_a_new_version(session) -> None:
    facility = factories.facility(session, "01999")
    _store_encounters(session, facility.id, 3)
    records = unpriced_encounters(session, ACTOR, facility.id)
    first = price_and_store(session, ACTOR, facility, records)
    session.commit()
    claim = first[0].claim
    line_count = len(claim.lines)

    again = price_and_store(session, ACTOR, facility, records[:1])
    session.commit()
    assert again[0].claim.id == claim.id and len(again[0].claim.lines) == line_count
    assert session.scalar(select(func.count()).select_from(Claim)) == 3

    claim.status = ClaimStatus.sent.value  # as if it had left
    session.commit()
    third = price_and_store(session, ACTOR, facility, records[:1])
    session.commit()
    newer = third[0].claim
    assert newer.id != claim.id and newer.version == claim.version + 1 and newer.supersedes_id == claim.id
    actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.entity == "claim")))
    assert {"create", "reprice", "new_version"} <= actions


def test_stored_claim_writes_back_the_same_tables(session) -> None:
    facility = factories.facility(session, "01999")
    _store_encounters(session, facility.id, 2)
    (outcome, _) = price_and_store(session, ACTOR, facility, unpriced_encounters(session, ACTOR, facility.id))
    session.commit()
    hoso = build_hoso(PricedEncounter(outcome.priced.encounter, outcome.priced.priced))
    claim = session.get(Claim, outcome.claim.id)
    stored = {(line.table_name, line.stt): line for line in claim.lines}
    for table, records in (("XML2", hoso.xml2), ("XML3", hoso.xml3)):
        for record in records:
            line = stored[(table, record.stt)]
            assert line.thanh_tien_bh == record.thanh_tien_bh and line.t_bncct == record.t_bncct
    assert engine_facility(facility).code == "01999"
