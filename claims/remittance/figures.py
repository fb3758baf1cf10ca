"""Per-claim and per-line reconciliation figures as SQL selects (no rows loaded to add them up).

For each claim in scope (the latest sent version of each MA_LK of the facility's period):

    claimed      = XML1 T_BHTT (what was asked of the fund)
    approved     = the office's approved amount (0 while not assessed)
    disallowed   = claimed − approved, once assessed
    not_assessed = claimed, while no answer is matched
    paid         = Σ current payment allocations
    outstanding  = approved − paid

so ``claimed = approved + disallowed + not_assessed`` and ``approved = paid + outstanding`` hold by
construction, to the đồng, for every claim and so for every sum of claims.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import aliased

from claims.claim.models import Claim, ClaimLine
from claims.remittance.matching import claims_in_scope, money, zero
from claims.remittance.models import Allocation, AnswerLine, AssessmentAnswer, LineMatch


def current_answers() -> Any:
    """claim_id → the id of its current matched answer (the newest, if the office answered twice)."""
    return (
        select(AssessmentAnswer.claim_id.label("claim_id"), func.max(AssessmentAnswer.id).label("answer_id"))
        .where(AssessmentAnswer.current.is_(True), AssessmentAnswer.claim_id.is_not(None))
        .group_by(AssessmentAnswer.claim_id)
        .subquery("current_answer")
    )


def payments() -> Any:
    return (
        select(
            Allocation.claim_id.label("claim_id"),
            func.sum(Allocation.paid).label("paid"),
            func.count(func.distinct(Allocation.notice_pk)).label("notices"),
        )
        .where(Allocation.current.is_(True), Allocation.claim_id.is_not(None))
        .group_by(Allocation.claim_id)
        .subquery("payment")
    )


def claim_figures(facility_id: int, period: str) -> Select[Any]:
    """One row per claim in scope with its figures (columns named as in the module docstring)."""
    cur = current_answers()
    pay = payments()
    answer = aliased(AssessmentAnswer)
    assessed = answer.id.is_not(None)
    approved = case((assessed, answer.approved), else_=zero())
    paid = func.coalesce(pay.c.paid, zero())
    return (
        select(
            Claim.id.label("claim_id"),
            Claim.ma_lk,
            Claim.ma_khoa,
            Claim.ma_loai_kcb,
            Claim.version,
            answer.id.label("answer_id"),
            answer.status.label("answer_status"),
            answer.reason_codes.label("reason_codes"),
            answer.claimed.label("office_claimed"),
            money(Claim.t_bhtt).label("claimed"),
            money(approved).label("approved"),
            money(case((assessed, Claim.t_bhtt - answer.approved), else_=zero())).label("disallowed"),
            money(case((assessed, zero()), else_=Claim.t_bhtt)).label("not_assessed"),
            money(paid).label("paid"),
            money(approved - paid).label("outstanding"),
            func.coalesce(pay.c.notices, 0).label("notices"),
        )
        .select_from(Claim)
        .outerjoin(cur, cur.c.claim_id == Claim.id)
        .outerjoin(answer, answer.id == cur.c.answer_id)
        .outerjoin(pay, pay.c.claim_id == Claim.id)
        .where(Claim.id.in_(claims_in_scope(facility_id, period)))
    )


def line_figures(facility_id: int, period: str) -> Select[Any]:
    """One row per claim line in scope: claimed, and what its matched answer line approved.

    A line the office did not answer line by line is ``assessed_at_claim_level`` when the claim has an
    answer (its share is in the claim-level residual), else ``not_assessed``.
    """
    cur = current_answers()
    matched_line = (
        select(
            LineMatch.claim_line_id,
            AnswerLine.id.label("answer_line_id"),
            AnswerLine.approved,
            AnswerLine.reason_code,
            LineMatch.kind,
        )
        .join(AnswerLine, AnswerLine.id == LineMatch.answer_line_id)
        .where(AnswerLine.current.is_(True), LineMatch.claim_line_id.is_not(None))
        .subquery("matched_line")
    )
    matched = matched_line.c.answer_line_id.is_not(None)
    return (
        select(
            ClaimLine.id.label("claim_line_id"),
            ClaimLine.claim_id,
            Claim.ma_lk,
            ClaimLine.table_name,
            ClaimLine.stt,
            ClaimLine.code,
            func.coalesce(ClaimLine.fields["ma_khoa"].as_string(), Claim.ma_khoa).label("ma_khoa"),
            matched_line.c.answer_line_id,
            matched_line.c.kind.label("match"),
            matched_line.c.reason_code,
            money(ClaimLine.t_bhtt).label("claimed"),
            money(case((matched, matched_line.c.approved), else_=zero())).label("approved"),
            money(case((matched, ClaimLine.t_bhtt - matched_line.c.approved), else_=zero())).label("disallowed"),
            case((matched, "line"), (cur.c.answer_id.is_not(None), "claim_level"), else_="not_assessed").label(
                "assessed"
            ),
        )
        .select_from(ClaimLine)
        .join(Claim, Claim.id == ClaimLine.claim_id)
        .outerjoin(cur, cur.c.claim_id == Claim.id)
        .outerjoin(matched_line, matched_line.c.claim_line_id == ClaimLine.id)
        .where(Claim.id.in_(claims_in_scope(facility_id, period)))
    )
