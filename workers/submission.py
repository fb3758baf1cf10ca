"""Submission actors: thin wrappers that take a claim id and call the submission service.

Retries: dramatiq's Retries middleware backs off exponentially with jitter; only transport failures
(5xx, time-outs, connection errors) are retried — a rejection by the office is an answer, not a failure.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from claims.logging import get_logger
from claims.portal.errors import GatewayRetryable
from workers.broker import actor

log = get_logger(__name__)


@cache
def _context() -> dict[str, Any]:
    """Per-process wiring from the settings: database sessions, gateway client, accounts, signer."""
    from claims.kit.db import make_engine, make_session_factory
    from claims.portal.schemas import FacilityAccount
    from claims.portal.sync import SyncGateway
    from claims.settings import get_settings
    from claims.submission.signing import Pkcs12Signer

    settings = get_settings()
    signer = None
    if settings.signing_p12 is not None:
        signer = Pkcs12Signer.from_file(settings.signing_p12, settings.signing_p12_password or None)
    return {
        "sessions": make_session_factory(make_engine(settings.database_url)),
        "gateway": SyncGateway(settings.gateway_url),
        "account_for": lambda code: FacilityAccount.from_password(f"{code}_BV", settings.gateway_password, code),
        "signer_for": lambda _code: signer,
    }


def _retry_transport_failures(retries: int, exception: Exception) -> bool:
    return isinstance(exception, GatewayRetryable) and retries < 8


@actor(
    queue_name="submission", max_retries=8, min_backoff=1_000, max_backoff=300_000, retry_when=_retry_transport_failures
)
def send_claim(claim_id: int) -> None:
    """Send one claim version to the office gateway exactly once (safe to run twice)."""
    from claims.submission.service import send_claim as send

    context = _context()
    outcome = send(context["sessions"], claim_id, context["gateway"], context["account_for"], context["signer_for"])
    log.info("claim.send", claim_id=claim_id, result=outcome.result)
