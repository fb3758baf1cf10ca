"""The whole office path on one database: claims sent to the SQL-backed office, assessed there with its
tariff, results and notices fetched by the hospital's client, stored, reconciled; statuses move; fetching
again stores nothing new."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import func, select

from claims.claim.models import Claim
from claims.claim.status import ClaimStatus
from claims.insurer import RegisteredFacility
from claims.insurer.assessment import settle_period
from claims.insurer.office import create_office_app
from claims.portal import FacilityAccount, password_hash
from claims.portal.sync import SyncGateway
from claims.remittance.fetch import fetch_answers
from claims.remittance.models import AssessmentAnswer, Notice, RemittanceImport
from claims.submission.service import envelope_of
from tests.gateway_support import demo_signer
from tests.remittance.helpers import ACTOR, sent_month

PASSWORD = "office-pass"
MADE = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def _statuses(session: Any, facility_id: int) -> dict[str, int]:
    rows = session.execute(
        select(Claim.status, func.count()).where(Claim.facility_id == facility_id).group_by(Claim.status)
    ).all()
    return {str(status): int(n) for status, n in rows}


def test_results_and_notices_are_fetched_stored_once_and_move_the_claims(engine: Any, session_factory: Any) -> None:
    signer = demo_signer("01999")
    office = create_office_app(engine)
    store = office.state.gateway.store
    gateway = SyncGateway("http://office.test", transport=httpx.ASGITransport(app=office))
    account = FacilityAccount.from_password("01999_BV", PASSWORD, "01999")
    try:
        with session_factory() as session:
            facility, sent = sent_month(session, 10)
            store.add_facility(RegisteredFacility("01999_BV", password_hash(PASSWORD), "01999", signer.certificate,
                                                  facility.hospital_class, facility.level))  # fmt: skip
            for claim in sent:
                receipt = gateway.submit(account, envelope_of(claim, signer, MADE), claim.ma_lk)
                assert receipt.ok, receipt
            facility_id, count = facility.id, len(sent)
        assert store.stats().claims == count

        with session_factory() as session:
            first = fetch_answers(session, ACTOR, facility_id, "202610", gateway, account)
            session.commit()
            assert first.results == count and first.new_answers and first.notices == 0
            answers = session.scalars(select(AssessmentAnswer).where(AssessmentAnswer.current.is_(True))).all()
            assert len(answers) == count
            for answer in answers:
                assert answer.approved + answer.disallowed == answer.claimed
            assert _statuses(session, facility_id).get(ClaimStatus.assessed, 0) + _statuses(session, facility_id).get(
                ClaimStatus.rejected, 0) == count  # fmt: skip

        with session_factory() as session:
            again = fetch_answers(session, ACTOR, facility_id, "2026-10", gateway, account)
            session.commit()
            assert again.results_import is not None and again.results_import.duplicate and not again.new_answers
            assert session.scalar(select(func.count()).select_from(RemittanceImport)) == 1

        settlement = settle_period(store, "01999", "2026-10", date(2026, 11, 20), "QT-01999-2026-10")
        assert settlement.claims == count and settlement.amount == settlement.approved
        with session_factory() as session:
            paid = fetch_answers(session, ACTOR, facility_id, "2026-10", gateway, account)
            session.commit()
            assert paid.notices == 1 and paid.notices_import is not None and not paid.notices_import.duplicate
            notice = session.scalar(select(Notice))
            assert notice is not None and notice.amount == settlement.amount
            statuses = _statuses(session, facility_id)
            approved_claims = sum(1 for r in store.assessments("01999", "2026-10") if r.approved > Decimal(0))
            assert statuses.get(ClaimStatus.paid, 0) == approved_claims
    finally:
        gateway.close()


def test_the_results_actor_body_fetches_and_is_safe_to_run_twice(engine: Any, session_factory: Any) -> None:
    from workers.results import fetch_results, run

    assert fetch_results.queue_name == "results"
    signer = demo_signer("01999")
    office = create_office_app(engine)
    gateway = SyncGateway("http://office.test", transport=httpx.ASGITransport(app=office))
    account = FacilityAccount.from_password("01999_BV", PASSWORD, "01999")
    try:
        with session_factory() as session:
            facility, sent = sent_month(session, 4, seed=9)
            office.state.gateway.store.add_facility(
                RegisteredFacility("01999_BV", password_hash(PASSWORD), "01999", signer.certificate, "II", "tỉnh")
            )
            for claim in sent:
                assert gateway.submit(account, envelope_of(claim, signer, MADE), claim.ma_lk).ok
            facility_id = facility.id
        first = run(session_factory, gateway, PASSWORD, facility_id, "2026-10")
        second = run(session_factory, gateway, PASSWORD, facility_id, "2026-10")
        assert first.results == len(sent) and first.new_answers and not second.new_answers
        assert run(session_factory, gateway, PASSWORD, 999_999, "2026-10") is None
        with session_factory() as session:
            assert session.scalar(select(func.count()).select_from(AssessmentAnswer)) == len(sent)
    finally:
        gateway.close()
