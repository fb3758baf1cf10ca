"""Every exchange is logged, without the payload, personal data or credentials."""

from __future__ import annotations

import asyncio
import base64
import logging

import pytest
from structlog.testing import capture_logs

from claims.exchange.envelope_probe import minimal_envelope
from claims.exchange.signature import sign_document
from claims.insurer import FaultConfig
from claims.portal import CardQuery, GatewayRetryable
from tests.gateway_support import account, client_for, demo_signer, office

CARD = "DN4010000000001"
NAME = "NGUYỄN VĂN AN"
STAFF_ID = "001080000001"


def test_logs_carry_no_payload_personal_data_or_credentials(caplog: pytest.LogCaptureFixture) -> None:
    envelope = sign_document(minimal_envelope("01001", "LOG1"), demo_signer())
    app, _ = office(faults=FaultConfig(seed=5, error_rate=0.5, paths=frozenset({"/api/egw/KQNhanLichSuKCB2024"})))

    async def scenario() -> str:
        async with client_for(app) as client:
            receipt = await client.submit(account(), envelope, ma_lk="LOG1")
            for _ in range(4):
                try:
                    await client.lookup_card(account(), CardQuery(CARD, NAME, "01/01/1980", "TRẦN BÌNH", STAFF_ID))
                except GatewayRetryable:
                    pass
            token = await client.token(account())
            return receipt.transaction_id + "|" + token.access_token + "|" + token.id_token

    caplog.set_level(logging.DEBUG)
    with capture_logs() as events:
        ids = asyncio.run(scenario())
    transaction_id, access_token, id_token = ids.split("|")

    calls = [e for e in events if e["event"] == "gateway.exchange"]
    assert {e["call"] for e in calls} >= {"token", "submit", "card_lookup"}
    assert any(e.get("transaction") == transaction_id for e in events)  # the receipt is traceable

    forbidden = [
        base64.b64encode(envelope).decode()[:40],
        envelope.decode()[:40],
        CARD,
        NAME,
        STAFF_ID,
        access_token,
        id_token,
        account().password_md5,
    ]
    rendered = [repr(e) for e in events] + [r.getMessage() for r in caplog.records]
    for text in rendered:
        for secret in forbidden:
            assert secret not in text, f"{secret[:12]}… leaked into a log line: {text[:200]}"
    # httpx would log the card-lookup URL (token and password in the query): it must be silenced
    assert not [r for r in caplog.records if r.name.startswith("httpx") and r.levelno < logging.WARNING]
