"""Batches and sending: approved claims are frozen into a batch and sent exactly once.

Sending is split in steps that each commit, so a crash anywhere is recovered by running the send again:

1. the claim moves to ``sending`` and a ledger attempt is written with the envelope's hash *before*
   anything leaves (the envelope is deterministic: same claim version → same bytes → same hash);
2. if an earlier attempt has no answer (a crash, a time-out after the office may have received it),
   the office is asked whether it holds that envelope; if it does, its receipt is recorded and nothing
   is sent again;
3. otherwise the envelope is sent; the receipt (``maGiaoDich``, reception time, result code) is stored
   and the claim moves to ``sent``; a rejection moves it to ``needs_fix`` with the office's message.

The office also de-duplicates an identical resend (same ``MA_LK`` and hash), so even a lost lookup
cannot make it count a claim twice. Never commits except in :func:`send_claim`, which owns its steps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from claims.audit import service as audit
from claims.auth.scope import Principal, system_principal
from claims.claim import service as claim_service
from claims.claim.models import Claim
from claims.claim.status import ClaimStatus
from claims.claim.tables import hoso_of_claim
from claims.encounter.schemas import VIETNAM_TZ
from claims.exchange.signature import Signer, sign_document
from claims.exchange.writer import write_claim
from claims.kit.errors import Conflict, NotFound
from claims.kit.types import utcnow
from claims.portal.errors import GatewayRejected, GatewayRetryable
from claims.portal.protocol import envelope_hash
from claims.portal.schemas import FacilityAccount, GatewayReceipt, SubmissionLookup
from claims.review.models import Finding
from claims.submission import outbox
from claims.submission.models import Batch, BatchClaim, SubmissionLedger

SEND_ACTOR = "send_claim"
_DONE = frozenset(
    {ClaimStatus.sent, ClaimStatus.received, ClaimStatus.assessed, ClaimStatus.paid, ClaimStatus.closed,
     ClaimStatus.rejected, ClaimStatus.superseded, ClaimStatus.needs_fix}
)  # fmt: skip


class ClaimsBlocked(Conflict):
    code = "claims_blocked"
    default_message = "Some claims have blocking findings and cannot join a batch."


class NothingToBatch(Conflict):
    code = "nothing_to_batch"
    default_message = "There is no approved claim in this period."


class ClaimGateway(Protocol):
    """What sending needs of the office gateway (a synchronous face of :class:`claims.portal.GatewayClient`)."""

    def submit(self, account: FacilityAccount, envelope: bytes, ma_lk: str) -> GatewayReceipt: ...

    def find_submission(self, account: FacilityAccount, ma_lk: str, envelope_sha256: str) -> SubmissionLookup: ...


def blocking_findings(session: Session, claim_ids: list[int]) -> list[Finding]:
    if not claim_ids:
        return []
    return list(
        session.scalars(
            select(Finding).where(
                Finding.claim_id.in_(claim_ids), Finding.severity == "error", Finding.resolved.is_(False)
            )
        )
    )


def create_batch(session: Session, actor: Principal, facility_id: int, period: str) -> Batch:
    """Put every approved claim of the facility's period (``yyyymm``) in a new batch and queue its sending.

    Each claim is frozen (its version snapshot kept) and gets one outbox job, keyed by claim and version
    so that creating the batch twice cannot queue a second send.
    """
    actor.ensure_visible(facility_id, "facility")
    claims = list(
        session.scalars(
            select(Claim)
            .where(Claim.facility_id == facility_id, Claim.period == period, Claim.status == ClaimStatus.approved)
            .order_by(Claim.id)
            .with_for_update()
        )
    )
    if not claims:
        raise NothingToBatch(facility_id=facility_id, period=period)
    blocking = blocking_findings(session, [claim.id for claim in claims])
    if blocking:
        raise ClaimsBlocked(
            findings=[
                {"claim_id": f.claim_id, "code": f.code, "table": f.table_name, "record": f.record, "field": f.field,
                 "message": f.message}
                for f in blocking
            ]
        )  # fmt: skip
    batch = Batch(facility_id=facility_id, period=period, claim_count=len(claims), created_by=actor.username)
    session.add(batch)
    session.flush()
    for claim in claims:
        session.add(BatchClaim(batch_id=batch.id, claim_id=claim.id))
        claim_service.apply_transition(session, actor, claim, ClaimStatus.batched, batch_id=batch.id)
        claim_service.freeze(session, actor, claim, f"batch {batch.id}")
        outbox.enqueue(
            session,
            SEND_ACTOR,
            {"claim_id": claim.id},
            dedupe_key=f"{SEND_ACTOR}:{claim.id}:v{claim.version}",
            requested_by=actor.username,
        )
    audit.record(session, actor, "batch", batch.id, "create", {"period": period, "claims": len(claims)},
                 facility_id=facility_id)  # fmt: skip
    return batch


def envelope_of(claim: Claim, signer: Signer | None, made_on: datetime) -> bytes:
    """The claim's envelope, signed when a signer is given. Deterministic for a claim version."""
    data = write_claim(hoso_of_claim(claim), ngaylap=made_on.astimezone(VIETNAM_TZ).strftime("%Y%m%d"))
    return sign_document(data, signer) if signer is not None else data


@dataclass(frozen=True, slots=True)
class SendOutcome:
    claim_id: int
    result: str  # sent | already | found_at_office | rejected
    transaction_id: str | None = None


def _latest_attempt(session: Session, claim: Claim) -> SubmissionLedger | None:
    return session.scalar(
        select(SubmissionLedger)
        .where(SubmissionLedger.claim_id == claim.id, SubmissionLedger.version == claim.version)
        .order_by(SubmissionLedger.attempt.desc())
        .limit(1)
    )


def _batch_of(session: Session, claim: Claim) -> Batch | None:
    return session.scalar(
        select(Batch).join(BatchClaim, BatchClaim.batch_id == Batch.id).where(BatchClaim.claim_id == claim.id)
        .order_by(Batch.id.desc()).limit(1)
    )  # fmt: skip


def _record_receipt(row: SubmissionLedger, code: str, transaction: str | None, received: datetime | None,
                    message: str | None) -> None:  # fmt: skip
    row.result_code, row.ma_giao_dich, row.received_at, row.message = code, transaction, received, message


def send_claim(
    session_factory: sessionmaker[Session],
    claim_id: int,
    gateway: ClaimGateway,
    account_for: Callable[[str], FacilityAccount],
    signer_for: Callable[[str], Signer | None],
) -> SendOutcome:
    """Send one claim version exactly once (see the module docstring). Safe to run twice or concurrently:
    the claim row is locked for each step and a claim already answered is not sent again.

    Raises :class:`GatewayRetryable` after recording the attempt, so the worker retries with back-off.
    """
    actor = system_principal("sender")
    with session_factory() as session:
        claim = session.scalar(select(Claim).where(Claim.id == claim_id).with_for_update())
        if claim is None:
            raise NotFound("no such claim", claim_id=claim_id)
        if ClaimStatus(claim.status) in _DONE:
            return SendOutcome(claim_id, "already")
        facility_code = str(claim.xml1.get("ma_cskcb", ""))
        batch = _batch_of(session, claim)
        made_on = batch.created_at if batch is not None else utcnow()
        envelope = envelope_of(claim, signer_for(facility_code), made_on)
        digest = envelope_hash(envelope)
        previous = _latest_attempt(session, claim)
        unanswered = previous is not None and previous.result_code is None
        if claim.status == ClaimStatus.batched:
            claim_service.apply_transition(session, actor, claim, ClaimStatus.sending)
        attempts = session.scalar(
            select(func.count()).select_from(SubmissionLedger).where(
                SubmissionLedger.claim_id == claim.id, SubmissionLedger.version == claim.version)
        ) or 0  # fmt: skip
        attempt = SubmissionLedger(
            claim_id=claim.id, facility_id=claim.facility_id, batch_id=batch.id if batch else None,
            version=claim.version, attempt=attempts + 1, envelope_hash=digest, sent_at=utcnow(),
        )  # fmt: skip
        session.add(attempt)
        session.commit()
        attempt_id, ma_lk = attempt.id, claim.ma_lk

    account = account_for(facility_code)
    if unanswered:
        found = gateway.find_submission(account, ma_lk, digest)
        if found.found and found.known_envelope:
            receipt = GatewayReceipt("200", found.transaction_id, found.received_at_raw, "found at the office")
            return _finish(session_factory, actor, claim_id, attempt_id, receipt, "found_at_office")
    try:
        receipt = gateway.submit(account, envelope, ma_lk)
    except GatewayRejected as exc:
        return _finish(session_factory, actor, claim_id, attempt_id, exc.receipt, "rejected")
    except GatewayRetryable as exc:
        with session_factory() as session:
            row = session.get(SubmissionLedger, attempt_id)
            assert row is not None
            row.message = f"{type(exc).__name__}: {exc}"[:1000]
            session.commit()
        raise
    return _finish(session_factory, actor, claim_id, attempt_id, receipt, "sent")


def _finish(
    session_factory: sessionmaker[Session],
    actor: Principal,
    claim_id: int,
    attempt_id: int,
    receipt: GatewayReceipt,
    result: str,
) -> SendOutcome:
    with session_factory() as session:
        claim = session.scalar(select(Claim).where(Claim.id == claim_id).with_for_update())
        row = session.get(SubmissionLedger, attempt_id)
        assert claim is not None and row is not None
        _record_receipt(row, receipt.code, receipt.transaction_id, receipt.received_at, receipt.message)
        if claim.status == ClaimStatus.sending:
            if result == "rejected":
                claim_service.apply_transition(session, actor, claim, ClaimStatus.needs_fix,
                                               reason=f"gateway {receipt.code}")  # fmt: skip
                session.add(
                    Finding(claim_id=claim.id, facility_id=claim.facility_id, code=f"gateway_{receipt.code}",
                            severity="error", table_name="XML1", message=receipt.message or "refused by the office",
                            source="insurer")
                )  # fmt: skip
            else:
                claim_service.apply_transition(session, actor, claim, ClaimStatus.sent,
                                               transaction_id=receipt.transaction_id)  # fmt: skip
        session.commit()
    return SendOutcome(claim_id, result, receipt.transaction_id)
