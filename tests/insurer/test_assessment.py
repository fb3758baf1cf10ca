import asyncio
from datetime import date
from decimal import Decimal

from claims.insurer.assessment import accept_as_claimed, assess_pending, record_advance, settle_period, status_of
from tests.gateway_support import NOW, account, client_for, office, signed_claim


def test_received_claims_are_assessed_once_per_version_and_settled() -> None:
    app, store = office()

    async def send(*envelopes: bytes) -> None:
        async with client_for(app) as client:
            for envelope in envelopes:
                await client.submit(account(), envelope)

    asyncio.run(send(signed_claim("A1", fund="100.50"), signed_claim("A2", fund="200.25")))
    assert len(assess_pending(store, accept_as_claimed, NOW)) == 2
    assert assess_pending(store, accept_as_claimed, NOW) == []  # nothing new
    asyncio.run(send(signed_claim("A2", fund="250.25")))  # a correction replaces the earlier version
    [again] = assess_pending(store, accept_as_claimed, NOW)
    assert again.ma_lk == "A2" and again.version == 2 and again.approved == Decimal("250.25")

    advance = record_advance(store, "01001", "2026-10", Decimal("300"), date(2026, 10, 20), "TU-1")
    assert advance.claims == 2 and advance.claimed == Decimal("350.75")
    settlement = settle_period(store, "01001", "2026-10", date(2026, 11, 20), "QT-1")
    assert settlement.approved == Decimal("350.75") and settlement.advances == Decimal("300")
    assert settlement.amount == Decimal("50.75") and settlement.ma_lks == ("A1", "A2")
    assert [n.notice_id for n in store.notices("01001", "2026-10")] == ["TU-1", "QT-1"]


def test_status_of() -> None:
    assert status_of(Decimal(10), Decimal(10)) == "accepted"
    assert status_of(Decimal(10), Decimal(4)) == "partially_accepted"
    assert status_of(Decimal(10), Decimal(0)) == "rejected"
