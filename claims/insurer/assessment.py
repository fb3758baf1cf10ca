"""Running assessments over what the office received, and deriving payment notices from the results.

An :class:`Assessor` decides one claim version: :class:`claims.insurer.assessor.TariffAssessor` is the real
one (re-pricing with the office's tariff, the check catalogue, lines disallowed with reasons);
:func:`accept_as_claimed` approves what was asked (for small test files without lines). Money is exact
``Decimal`` throughout; nothing here rounds.
"""

from __future__ import annotations

import time
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

import structlog

from claims.insurer.schemas import AssessmentResult, AssessmentStatus, PaymentNotice, ReceivedDocument
from claims.insurer.store import GatewayStore

log = structlog.get_logger("claims.insurer")

ZERO = Decimal("0")


class Assessor(Protocol):
    def __call__(self, document: ReceivedDocument, at: datetime) -> AssessmentResult:
        """Assess one received claim version (its exact bytes are ``document.envelope``)."""
        ...


def status_of(claimed: Decimal, approved: Decimal) -> AssessmentStatus:
    if approved >= claimed:
        return "accepted"
    return "rejected" if approved == ZERO else "partially_accepted"


def accept_as_claimed(document: ReceivedDocument, at: datetime) -> AssessmentResult:
    """Stand-in assessor: approves the fund's share asked in XML1 (``T_BHTT``), no line detail."""
    claimed = document.fund_amount if document.fund_amount is not None else ZERO
    return AssessmentResult(
        facility_code=document.facility_code,
        ma_lk=document.key,
        period=document.period or f"{at:%Y-%m}",
        transaction_id=document.transaction_id,
        version=document.version,
        envelope_sha256=document.envelope_sha256,
        status="accepted",
        assessed_at=at,
        claimed=claimed,
        approved=claimed,
        disallowed=ZERO,
    )


def assess_pending(
    store: GatewayStore,
    assessor: Assessor,
    at: datetime,
    facility_code: str | None = None,
    chunk: int = 200,
    budget_seconds: float | None = None,
) -> list[AssessmentResult]:
    """Assess every current claim version that has no result yet (a resend replaces the earlier result).

    One claim the assessor cannot handle is logged and left unassessed; it never stops the others. With
    ``budget_seconds`` it stops after the chunk during which the budget ran out (the rest waits for the next run).
    """
    done: list[AssessmentResult] = []
    failed: set[tuple[str, str, int]] = set()
    started = time.monotonic()
    while budget_seconds is None or time.monotonic() - started < budget_seconds:
        pending = [
            d for d in store.unassessed(facility_code, chunk + len(failed))
            if (d.facility_code, d.key, d.version) not in failed
        ]  # fmt: skip
        if not pending:
            return done
        for document in pending[:chunk]:
            try:
                result = assessor(document, at)
            except Exception:  # one bad claim must not sink the batch
                log.exception("office.assessment_failed", facility=document.facility_code, ma_lk=document.key)
                failed.add((document.facility_code, document.key, document.version))
                continue
            store.save_assessment(result)
            done.append(result)
    return done


def record_advance(
    store: GatewayStore, facility_code: str, period: str, amount: Decimal, issued_on: date, notice_id: str
) -> PaymentNotice:
    """An advance (*tạm ứng*) of ``amount`` for the period, based on the claims received so far."""
    received = [d for d in store.documents("claim", facility_code) if d.period == period]
    earlier = sum((n.amount for n in store.notices(facility_code, period) if n.kind == "advance"), ZERO)
    notice = PaymentNotice(
        notice_id=notice_id,
        facility_code=facility_code,
        period=period,
        kind="advance",
        issued_on=issued_on,
        claims=len(received),
        claimed=sum((d.fund_amount or ZERO for d in received), ZERO),
        approved=ZERO,
        disallowed=ZERO,
        advances=earlier,
        amount=amount,
    )
    store.save_notice(notice)
    return notice


def settle_period(
    store: GatewayStore, facility_code: str, period: str, issued_on: date, notice_id: str
) -> PaymentNotice:
    """The settlement (*quyết toán*) of a period: approved total minus the advances already paid."""
    results = store.assessments(facility_code, period)
    advances = sum((n.amount for n in store.notices(facility_code, period) if n.kind == "advance"), ZERO)
    approved = sum((r.approved for r in results), ZERO)
    notice = PaymentNotice(
        notice_id=notice_id,
        facility_code=facility_code,
        period=period,
        kind="settlement",
        issued_on=issued_on,
        claims=len(results),
        claimed=sum((r.claimed for r in results), ZERO),
        approved=approved,
        disallowed=sum((r.disallowed for r in results), ZERO),
        advances=advances,
        amount=approved - advances,
        ma_lks=tuple(r.ma_lk for r in results),
    )
    store.save_notice(notice)
    return notice
