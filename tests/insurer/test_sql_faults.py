"""Injected faults on the SQL-backed office: nothing is lost or counted twice when the sender looks up
before resending (the exactly-once protocol of claims.portal.deliver)."""

from __future__ import annotations

import asyncio
from typing import Any

from claims.insurer import FaultConfig, RegisteredFacility
from claims.insurer.office import create_office_app
from claims.portal import GatewayRejected, GatewayRetryable, deliver, password_hash
from tests.gateway_support import FakeClock, account, client_for, demo_signer, signed_claim


def test_faults_with_lookup_before_resend_count_each_claim_once(engine: Any) -> None:
    faults = FaultConfig(seed=7, error_rate=0.15, error_after_rate=0.15, reject_rate=0.1, timeout_rate=0.05,
                         timeout_seconds=0.3, slow_rate=0.05, slow_seconds=0.01)  # fmt: skip
    clock = FakeClock()
    app = create_office_app(engine, faults=faults, validate=False, clock=clock)
    store = app.state.gateway.store
    store.add_facility(RegisteredFacility("01001_BV", password_hash("secret-01001"), "01001",
                                          demo_signer("01001").certificate))  # fmt: skip
    envelopes = {f"F{i}": signed_claim(f"F{i}") for i in range(40)}

    async def send_all() -> tuple[set[str], set[str]]:
        received, rejected = set(), set()
        async with client_for(app, clock, request_timeout=0.1) as client:
            for ma_lk, envelope in envelopes.items():
                maybe = False
                for _attempt in range(20):
                    try:
                        await deliver(client, account(), ma_lk, envelope, may_have_been_received=maybe)
                        received.add(ma_lk)
                        break
                    except GatewayRejected:
                        rejected.add(ma_lk)  # a rejection is an answer (here an injected one): resend once fixed
                        maybe = False
                    except GatewayRetryable as exc:
                        maybe = maybe or exc.maybe_received
        return received, rejected

    received, _rejected = asyncio.run(send_all())
    assert received == set(envelopes)
    stats = store.stats()
    assert stats.claims == len(envelopes) and stats.claim_versions == len(envelopes)
    injected = app.state.faults.injected
    assert injected["error"] and injected["error_after"] and injected["reject"]
    for ma_lk in envelopes:
        assert [v.version for v in store.versions("claim", "01001", ma_lk)] == [1]
