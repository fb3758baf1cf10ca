"""Exactly once at the protocol level: a lost answer or a crash before the receipt was stored never makes the
office count a claim twice, and nothing is resent when the office already holds the bytes."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from claims.insurer import FaultConfig
from claims.portal import GatewayRejected, GatewayRetryable, deliver
from tests.gateway_support import account, client_for, office, signed_claim


def test_lost_answer_is_recovered_by_lookup_without_resending() -> None:
    app, store = office(faults=FaultConfig(seed=1, error_after_rate=1.0))
    envelope = signed_claim("X1")

    async def scenario() -> Any:
        async with client_for(app) as client:
            try:
                await deliver(client, account(), "X1", envelope, may_have_been_received=False)
            except GatewayRetryable as exc:
                assert exc.maybe_received
            return await deliver(client, account(), "X1", envelope, may_have_been_received=True)

    delivery = run(scenario())
    assert delivery.recovered and delivery.receipt.ok
    assert delivery.receipt.transaction_id == store.current("claim", "01001", "X1").transaction_id
    stats = store.stats()
    assert (stats.claims, stats.claim_versions, stats.duplicates) == (1, 1, 0)  # not even a duplicate arrived


def test_crash_before_storing_the_receipt_then_sweeper_resolves_it() -> None:
    app, store = office()
    envelope = signed_claim("X2")

    async def scenario() -> Any:
        async with client_for(app) as client:
            await client.submit(account(), envelope)  # ... and the worker dies before writing the ledger
        async with client_for(app) as fresh:  # a new process
            return await deliver(fresh, account(), "X2", envelope, may_have_been_received=True)

    delivery = run(scenario())
    assert delivery.recovered and store.stats().claim_versions == 1


def test_changed_envelope_is_sent_as_a_new_version_even_after_lookup() -> None:
    app, store = office()

    async def scenario() -> Any:
        async with client_for(app) as client:
            await deliver(client, account(), "X3", signed_claim("X3"), may_have_been_received=False)
            return await deliver(
                client, account(), "X3", signed_claim("X3", total="1.00"), may_have_been_received=True
            )

    delivery = run(scenario())
    assert not delivery.recovered and store.current("claim", "01001", "X3").version == 2


def test_retrying_under_random_faults_delivers_every_claim_exactly_once() -> None:
    faults = FaultConfig(seed=11, error_rate=0.15, error_after_rate=0.15, timeout_rate=0.1, timeout_seconds=1)
    app, store = office(faults=faults)
    claims = {f"R{i}": signed_claim(f"R{i}") for i in range(60)}
    rng = random.Random(3)

    async def send(client: Any, ma_lk: str) -> int:
        ambiguous = False
        for attempt in range(1, 30):
            try:
                await deliver(client, account(), ma_lk, claims[ma_lk], may_have_been_received=ambiguous)
                return attempt
            except GatewayRetryable as exc:
                ambiguous = ambiguous or exc.maybe_received
                await asyncio.sleep(rng.random() * 0.01)
            except GatewayRejected:
                raise
        raise AssertionError("never delivered")

    async def scenario() -> list[int]:
        async with client_for(app, request_timeout=0.2) as client:
            return await asyncio.gather(*(send(client, ma_lk) for ma_lk in claims))

    attempts = run(scenario())
    stats = store.stats()
    assert stats.claims == len(claims) and stats.claim_versions == len(claims)  # 0 lost, 0 counted twice
    assert max(attempts) > 1 and sum(app.state.faults.injected.values()) > 0


def run(coro: Any) -> Any:
    return asyncio.run(coro)
