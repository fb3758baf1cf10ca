"""Pricing queues checking through the outbox (once per claim and priced content); the thin actor runs the
checks and is safe to run twice."""

from __future__ import annotations

import dramatiq
from sqlalchemy import func, select

import workers.review
from claims.auth.scope import system_principal
from claims.claim.models import Claim
from claims.demo.generator import generate_encounters
from claims.encounter import service as encounter_service
from claims.pricing.service import CHECK_ACTOR, price_and_store, unpriced_encounters
from claims.review.models import Finding
from claims.submission.models import OutboxMessage
from tests import factories
from tests.claims.review.helpers import store, unknown_code
from tests.demo.test_generator import ITEMS
from workers.relay import relay_once

ACTOR = system_principal("test")


def _price(session_factory, count: int) -> list[int]:
    with session_factory() as s:
        facility = factories.facility(s, "01999")
        for encounter in generate_encounters(count, seed=4, facility_code="01999", items=ITEMS):
            payload = encounter.model_dump(mode="json")
            encounter_service.store(s, ACTOR, facility.id, encounter.claim_key, "demo", payload)
        records = unpriced_encounters(s, ACTOR, facility.id)
        ids = [o.claim.id for o in price_and_store(s, ACTOR, facility, records)]
        s.commit()
        again = price_and_store(s, ACTOR, facility, records)  # same result: nothing queued twice
        s.commit()
        assert [o.claim.id for o in again] == ids
        return ids


def test_pricing_queues_each_claim_once_and_the_actor_checks_them(session_factory, broker, monkeypatch):
    ids = _price(session_factory, 4)
    with session_factory() as s:
        rows = list(s.scalars(select(OutboxMessage).where(OutboxMessage.topic == CHECK_ACTOR)))
        assert sorted(r.payload["claim_ids"][0] for r in rows) == sorted(ids)
    monkeypatch.setattr(workers.review, "_sessions", lambda: session_factory)
    assert relay_once(session_factory, broker) == len(ids)
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        broker.join("review", timeout=60_000)
        worker.join()
    finally:
        worker.stop()
    with session_factory() as s:
        statuses = set(s.scalars(select(Claim.status).where(Claim.id.in_(ids))))
        assert statuses <= {"checked", "needs_fix"} and "priced" not in statuses
        assert s.scalar(select(func.count()).select_from(Finding).where(Finding.source == "check")) > 0


def test_actor_body_is_safe_to_run_twice(session_factory):
    with session_factory() as s:
        fac = factories.facility(s, "01001")
        [claim] = store(s, fac, [unknown_code])
        s.commit()
        claim_id = claim.id
    workers.review.run(session_factory, [claim_id])
    with session_factory() as s:
        first = sorted(s.scalars(select(Finding.code).where(Finding.claim_id == claim_id)))
        assert s.get(Claim, claim_id).status == "needs_fix"
    workers.review.run(session_factory, [claim_id])
    with session_factory() as s:
        assert sorted(s.scalars(select(Finding.code).where(Finding.claim_id == claim_id))) == first
        assert "CAT_CODE_UNKNOWN" in first
