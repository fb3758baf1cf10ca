"""Sending one envelope so that the office counts it exactly once.

The protocol-level half of the exactly-once design (the ledger and the outbox, in the database, are the other
half). A sender that does not know whether an earlier attempt reached the office — a time-out or broken
connection after sending, an HTTP 5xx, or a crash before the receipt was stored — must not simply send again
but first ask the office (our extension ``/api/ext/submissions/lookup``) whether it already holds these exact
bytes for this ``MA_LK``. If so, the office's receipt is taken as the result and nothing is resent.

Even a blind resend would not be counted twice by our office (an identical resend is answered with the original
receipt), but the real gateway's behaviour for resends is not documented, so the sender never relies on it.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from claims.portal import protocol as p
from claims.portal.client import GatewayClient
from claims.portal.schemas import FacilityAccount, GatewayReceipt

log = structlog.get_logger("claims.portal")


@dataclass(frozen=True, slots=True)
class Delivery:
    receipt: GatewayReceipt
    envelope_sha256: str
    recovered: bool  # the office already held these bytes: nothing was sent this time


async def deliver(
    client: GatewayClient,
    account: FacilityAccount,
    ma_lk: str,
    envelope: bytes,
    *,
    may_have_been_received: bool,
) -> Delivery:
    """Send ``envelope`` unless the office already holds it.

    ``may_have_been_received`` is True for every attempt after the first unless the previous one ended in a
    rejection or a failure that surely did not reach the office (``GatewayRetryable.maybe_received`` False);
    a worker that finds a claim stuck in "sending" after a crash passes True. Raises what
    :meth:`GatewayClient.submit` raises.
    """
    digest = p.envelope_hash(envelope)
    if may_have_been_received:
        found = await client.find_submission(account, ma_lk, digest)
        if found.found and found.same_envelope:
            log.info("gateway.delivery_recovered", facility=account.facility_code, ma_lk=ma_lk,
                     transaction=found.transaction_id)  # fmt: skip
            receipt = GatewayReceipt(p.OK, found.transaction_id, found.received_at_raw, "recovered by lookup")
            return Delivery(receipt, digest, recovered=True)
    receipt = await client.submit(account, envelope, ma_lk=ma_lk)
    return Delivery(receipt, digest, recovered=False)
