"""Approved claims → batch → send through the office gateway: each received exactly once, every attempt kept."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import func, select

from claims.auth.scope import system_principal
from claims.claim import service as claim_service
from claims.claim.models import Claim
from claims.claim.status import ClaimStatus
from claims.demo.generator import generate_encounters
from claims.encounter import service as encounter_service
from claims.insurer.endpoints import create_gateway_app
from claims.insurer.faults import FaultConfig
from claims.insurer.schemas import RegisteredFacility
from claims.insurer.store import InMemoryGatewayStore
from claims.portal.errors import GatewayRetryable
from claims.portal.protocol import password_hash
from claims.portal.schemas import FacilityAccount
from claims.portal.sync import SyncGateway
from claims.pricing.service import price_and_store, unpriced_encounters
from claims.review.models import Finding
from claims.submission import service as submission
from claims.submission.models import OutboxMessage, SubmissionLedger
from claims.submission.signing import create_demo_certificate
from tests import factories
from tests.demo.test_generator import ITEMS

ACTOR = system_principal("test")
CODE = "01999"


@pytest.fixture
def signer():
    from claims.submission.signing import Pkcs12Signer

    p12, _pem = create_demo_certificate(CODE, password="pw", now=datetime.now(UTC), key_size=1024)
    return Pkcs12Signer.from_bytes(p12, "pw")


def _office(signer, faults: FaultConfig | None = None):
    store = InMemoryGatewayStore()
    store.add_facility(RegisteredFacility(f"{CODE}_BV", password_hash("secret"), CODE, signer.certificate))
    app = create_gateway_app(store, faults=faults)
    return store, SyncGateway("http://office", transport=httpx.ASGITransport(app=app))


def _approved_claims(session, count: int) -> tuple[int, list[int]]:
    facility = factories.facility(session, CODE)
    facility.level, facility.hospital_class = "tỉnh", "I"
    for encounter in generate_encounters(count, seed=9, facility_code=CODE, items=ITEMS, expired_card_share=0):
        encounter_service.store(session, ACTOR, facility.id, encounter.claim_key, "demo",
                                encounter.model_dump(mode="json"))  # fmt: skip
    outcomes = price_and_store(session, ACTOR, facility, unpriced_encounters(session, ACTOR, facility.id))
    ids = []
    for outcome in outcomes:
        claim = outcome.claim
        if claim.status == ClaimStatus.needs_fix:
            claim_service.apply_transition(session, ACTOR, claim, ClaimStatus.priced, "test")
        claim_service.apply_transition(session, ACTOR, claim, ClaimStatus.checked)
        claim_service.apply_transition(session, ACTOR, claim, ClaimStatus.approved)
        ids.append(claim.id)
    session.commit()
    return facility.id, ids


def _send_all(session_factory, gateway, signer, ids, *, rounds: int = 20) -> None:
    account = FacilityAccount.from_password(f"{CODE}_BV", "secret", CODE)
    pending = list(ids)
    for _ in range(rounds):  # a worker's retries, bounded
        failed = []
        for claim_id in pending:
            try:
                submission.send_claim(session_factory, claim_id, gateway, lambda _c: account, lambda _c: signer)
            except GatewayRetryable:
                failed.append(claim_id)
        pending = failed
        if not pending:
            return
    raise AssertionError(f"{len(pending)} claims still unsent")


def test_batch_send_each_claim_received_once(session, session_factory, signer) -> None:
    facility_id, ids = _approved_claims(session, 12)
    batch = submission.create_batch(session, ACTOR, facility_id, "202610")
    session.commit()
    jobs = session.scalars(select(OutboxMessage).where(OutboxMessage.topic == submission.SEND_ACTOR)).all()
    assert sorted(job.payload["claim_id"] for job in jobs) == sorted(ids) and batch.claim_count == len(ids)
    session.rollback()  # end the test's own transaction: SQLite writers take the database lock

    store, gateway = _office(signer)
    try:
        _send_all(session_factory, gateway, signer, ids)
        _send_all(session_factory, gateway, signer, ids)  # a second run changes nothing
    finally:
        gateway.close()
    stats = store.stats()
    assert stats.claims == len(ids) and stats.claim_versions == len(ids) and stats.duplicates == 0
    with session_factory() as reader:  # what the senders committed
        assert {c.status for c in reader.scalars(select(Claim))} == {ClaimStatus.sent}
        assert reader.scalar(select(func.count()).select_from(SubmissionLedger)) == len(ids)
        assert all(row.ma_giao_dich for row in reader.scalars(select(SubmissionLedger)))


def test_faults_and_lost_answers_never_count_twice(session, session_factory, signer) -> None:
    facility_id, ids = _approved_claims(session, 20)
    submission.create_batch(session, ACTOR, facility_id, "202610")
    session.commit()
    # 5xx before and after the office stored the file, and time-outs: answers get lost.
    faults = FaultConfig(seed=3, error_rate=0.1, error_after_rate=0.2, timeout_rate=0.0)
    store, gateway = _office(signer, faults)
    try:
        _send_all(session_factory, gateway, signer, ids)
    finally:
        gateway.close()
    stats = store.stats()
    assert stats.claims == len(ids)
    assert stats.claim_versions == len(ids), "an envelope was counted twice"
    with session_factory() as reader:  # what the senders committed
        assert {c.status for c in reader.scalars(select(Claim))} == {ClaimStatus.sent}
        attempts = reader.scalars(select(SubmissionLedger)).all()
    assert len(attempts) > len(ids), "the faults should have forced retries"
    for claim_id in ids:
        rows = [row for row in attempts if row.claim_id == claim_id]
        assert sum(1 for row in rows if row.result_code == "200") == 1
        assert len({row.envelope_hash for row in rows}) == 1


def test_blocking_findings_keep_claims_out_of_batches(session) -> None:
    facility_id, ids = _approved_claims(session, 3)
    session.add(Finding(claim_id=ids[0], facility_id=facility_id, code="X1", severity="error", message="bad"))
    session.commit()
    with pytest.raises(submission.ClaimsBlocked) as info:
        submission.create_batch(session, ACTOR, facility_id, "202610")
    assert info.value.details["findings"][0]["code"] == "X1"
    session.rollback()
    with pytest.raises(submission.NothingToBatch):
        submission.create_batch(session, ACTOR, facility_id, "202609")
