"""Pricing findings are stored once, kept while still reported and resolved when no longer reported."""

from __future__ import annotations

from sqlalchemy import select

from claims.auth.scope import system_principal
from claims.catalogue.demo import demo_tariff
from claims.encounter.models import EncounterRecord
from claims.pricing.service import price_and_store
from claims.review.models import Finding
from tests import factories
from tests.web.conftest import BLOCKED_CATEGORY, seed_priced


def test_findings_follow_the_latest_pricing(session) -> None:
    facility = factories.facility(session, "01001")
    blocked, fine = seed_priced(session, facility, 2, 5, blocked=0)
    session.commit()

    def open_codes(claim_id: int) -> list[tuple[str, str]]:
        rows = session.scalars(select(Finding).where(Finding.claim_id == claim_id, Finding.resolved.is_(False)))
        return sorted((f.code, f.field or "") for f in rows)

    assert open_codes(blocked) == [("ma_doituong_kcb", "ma_doituong_kcb")]
    assert open_codes(fine) == []
    first = session.scalars(select(Finding).where(Finding.claim_id == blocked)).one()
    # Pricing the same encounter again keeps the one open finding (no duplicate).
    actor = system_principal("test")
    records = list(session.scalars(select(EncounterRecord).order_by(EncounterRecord.id)))
    price_and_store(session, actor, facility, records, demo_tariff())
    session.commit()
    assert session.scalars(select(Finding).where(Finding.claim_id == blocked)).one().id == first.id
    # A corrected encounter resolves it (kept as history).
    payload = dict(records[0].payload)
    assert payload["patient_category"] == BLOCKED_CATEGORY
    payload["patient_category"] = None
    from claims.encounter import service as encounters

    fixed, _ = encounters.store(session, actor, facility.id, records[0].ma_lk, "test", payload)
    price_and_store(session, actor, facility, [fixed], demo_tariff())
    session.commit()
    assert open_codes(blocked) == []
    assert session.get(Finding, first.id).resolved is True  # type: ignore[union-attr]
