"""Building a sent month of claims and the office's answers to it, in the office's documented shape."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from claims.auth.scope import system_principal
from claims.claim import service as claim_service
from claims.claim.models import Claim, ClaimLine
from claims.claim.status import ClaimStatus
from claims.demo.generator import generate_encounters
from claims.encounter import service as encounter_service
from claims.insurer.files import assessment_json, notices_csv
from claims.insurer.schemas import AssessedLine, AssessmentResult, DisallowanceReason, PaymentNotice
from claims.pricing.service import price_and_store, unpriced_encounters
from tests import factories
from tests.demo.test_generator import ITEMS

ACTOR = system_principal("test")
ZERO = Decimal(0)
SEND_PATH = (ClaimStatus.checked, ClaimStatus.approved, ClaimStatus.batched, ClaimStatus.sending, ClaimStatus.sent)


def sent_month(session, count: int, seed: int = 4, code: str = "01999"):
    """A facility with ``count`` demo encounters priced into claims and every claim without errors sent."""
    facility = factories.facility(session, code)
    for encounter in generate_encounters(count, seed=seed, facility_code=code, items=ITEMS):
        encounter_service.store(
            session, ACTOR, facility.id, encounter.claim_key, "demo", encounter.model_dump(mode="json")
        )
    price_and_store(session, ACTOR, facility, unpriced_encounters(session, ACTOR, facility.id))
    claims = list(session.scalars(select(Claim).where(Claim.facility_id == facility.id).order_by(Claim.id)))
    sent = []
    for claim in claims:
        if claim.status != ClaimStatus.priced:
            continue
        for step in SEND_PATH:
            claim_service.apply_transition(session, ACTOR, claim, step.value)
        sent.append(claim)
    session.commit()
    return facility, sent


LineDecision = Callable[[Claim, ClaimLine], tuple[Decimal, tuple[DisallowanceReason, ...]]]


def answer_for(claim: Claim, decide: LineDecision, *, code: str = "01999", with_lines: bool = True,
               rejected: DisallowanceReason | None = None) -> AssessmentResult:  # fmt: skip
    """The office's result for a claim: each line's approved amount from ``decide``; claim totals follow."""
    lines = []
    for line in sorted(claim.lines, key=lambda x: (x.table_name, x.stt)):
        approved, reasons = decide(claim, line) if rejected is None else (ZERO, (rejected,))
        lines.append(
            AssessedLine(line.table_name, line.stt, line.code, line.t_bhtt, approved, line.t_bhtt - approved, reasons)
        )
    disallowed = sum((x.disallowed for x in lines), ZERO)
    if rejected is not None:
        disallowed = claim.t_bhtt
    approved = claim.t_bhtt - disallowed
    status = "accepted" if disallowed == 0 else "rejected" if approved == 0 else "partially_accepted"
    return AssessmentResult(
        facility_code=code, ma_lk=claim.ma_lk, period=f"{claim.period[:4]}-{claim.period[4:]}",
        transaction_id=f"GD-{claim.id}", version=claim.version, envelope_sha256="ab" * 32, status=status,
        assessed_at=datetime(2026, 11, 2, 8, tzinfo=UTC), claimed=claim.t_bhtt, approved=approved,
        disallowed=disallowed, reasons=(rejected,) if rejected else (), lines=tuple(lines) if with_lines else (),
    )  # fmt: skip


def as_json(results: list[AssessmentResult]) -> bytes:
    return json.dumps([assessment_json(r) for r in results], ensure_ascii=False).encode()


def settlement(notice_id: str, period: str, paid: list[AssessmentResult], advances: Decimal = ZERO,
               code: str = "01999") -> PaymentNotice:  # fmt: skip
    approved = sum((r.approved for r in paid), ZERO)
    return PaymentNotice(
        notice_id=notice_id, facility_code=code, period=period, kind="settlement", issued_on=date(2026, 11, 20),
        claims=len(paid), claimed=sum((r.claimed for r in paid), ZERO), approved=approved,
        disallowed=sum((r.disallowed for r in paid), ZERO), advances=advances, amount=approved - advances,
        ma_lks=tuple(r.ma_lk for r in paid),
    )  # fmt: skip


def advance(notice_id: str, period: str, amount: Decimal, code: str = "01999") -> PaymentNotice:
    return PaymentNotice(
        notice_id=notice_id,
        facility_code=code,
        period=period,
        kind="advance",
        issued_on=date(2026, 10, 25),
        claims=0,
        claimed=ZERO,
        approved=ZERO,
        disallowed=ZERO,
        advances=ZERO,
        amount=amount,
    )


def as_csv(notices: list[PaymentNotice]) -> bytes:
    return notices_csv(notices).encode()
