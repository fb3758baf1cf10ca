"""Variances of an open period, rebuilt by INSERT … SELECT on every reconciliation, and the denial
queue items they open (kept across runs: billing staff's actions stay on them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, delete, exists, func, insert, literal, select, update
from sqlalchemy.orm import Session

from claims.kit.types import UTCDateTime
from claims.remittance import categories as cat
from claims.remittance.figures import claim_figures, line_figures
from claims.remittance.matching import ROWCOUNT, zero
from claims.remittance.models import Allocation, AnswerLine, AssessmentAnswer, Denial, LineMatch, Variance

COLUMNS = (
    "facility_id", "period", "category", "reason_code", "amount", "claim_id", "claim_line_id", "ma_lk", "ma_khoa",
    "source_id", "detected_at",
)  # fmt: skip


def _insert(session: Session, query: Any) -> int:
    # Through the connection: the rowcount of INSERT … SELECT is the driver's own.
    result = session.connection().execute(
        insert(Variance).from_select(list(COLUMNS), query), execution_options=ROWCOUNT
    )
    return int(getattr(result, "rowcount", 0) or 0)


def rebuild(session: Session, facility_id: int, period: str, now: datetime) -> dict[str, int]:
    """Replace the period's variances with what the current answers and payments say."""
    session.execute(delete(Variance).where(Variance.facility_id == facility_id, Variance.period == period))
    f, p, at = literal(facility_id), literal(period), literal(now, UTCDateTime())
    counts: dict[str, int] = {}
    lines = line_figures(facility_id, period).subquery("lf")
    code = func.coalesce(func.nullif(lines.c.reason_code, ""), "UNSPECIFIED")
    counts["lines"] = _insert(
        session,
        select(
            f, p, cat.category_sql(code), code, lines.c.disallowed, lines.c.claim_id, lines.c.claim_line_id,
            lines.c.ma_lk, lines.c.ma_khoa, lines.c.answer_line_id, at,
        ).where(lines.c.assessed == "line", lines.c.disallowed != zero()),
    )  # fmt: skip
    # The line variances just written are the line disallowances (zeros left out change no sum).
    line_sums = (
        select(Variance.claim_id, func.sum(Variance.amount).label("disallowed"))
        .where(
            Variance.facility_id == facility_id,
            Variance.period == period,
            Variance.claim_line_id.is_not(None),
            Variance.category.in_(cat.DISALLOWED),
        )
        .group_by(Variance.claim_id)
        .subquery("ls")
    )
    claims = claim_figures(facility_id, period).subquery("cf")
    residual = claims.c.disallowed - func.coalesce(line_sums.c.disallowed, zero())
    claim_code = func.substr(func.coalesce(func.nullif(claims.c.reason_codes, ""), "CLAIM_LEVEL"), 1, 64)
    counts["claim_level"] = _insert(
        session,
        select(
            f, p,
            case((claims.c.answer_status == "rejected", cat.CLAIM_REJECTED), else_=cat.DISALLOWED_CHECK),
            claim_code, residual, claims.c.claim_id, literal(None), claims.c.ma_lk, claims.c.ma_khoa,
            claims.c.answer_id, at,
        )
        .select_from(claims.outerjoin(line_sums, line_sums.c.claim_id == claims.c.claim_id))
        .where(claims.c.answer_id.is_not(None), residual != zero()),
    )  # fmt: skip
    counts["not_assessed"] = _insert(
        session,
        select(
            f, p, literal(cat.NOT_ASSESSED), literal(""), claims.c.not_assessed, claims.c.claim_id, literal(None),
            claims.c.ma_lk, claims.c.ma_khoa, literal(None), at,
        ).where(claims.c.answer_id.is_(None), claims.c.claimed != zero()),
    )  # fmt: skip
    counts["differs"] = _insert(
        session,
        select(
            f, p, literal(cat.CLAIMED_DIFFERS), literal(""), claims.c.claimed - claims.c.office_claimed,
            claims.c.claim_id, literal(None), claims.c.ma_lk, claims.c.ma_khoa, claims.c.answer_id, at,
        ).where(claims.c.answer_id.is_not(None), claims.c.claimed != claims.c.office_claimed),
    )  # fmt: skip
    paid_category = case(
        (claims.c.notices > 1, cat.PAID_TWICE),
        (claims.c.paid > claims.c.approved, cat.PAID_MORE),
        else_=cat.PAID_LESS,
    )
    counts["paid"] = _insert(
        session,
        select(
            f, p, paid_category, literal(""), claims.c.paid - claims.c.approved, claims.c.claim_id, literal(None),
            claims.c.ma_lk, claims.c.ma_khoa, literal(None), at,
        ).where(claims.c.notices > 0, claims.c.paid != claims.c.approved),
    )  # fmt: skip
    counts["never_sent"] = _insert(
        session,
        select(
            f, p, literal(cat.PAID_NEVER_SENT), literal(""), Allocation.paid, literal(None), literal(None),
            Allocation.ma_lk, literal(None), Allocation.id, at,
        ).where(
            Allocation.facility_id == facility_id, Allocation.period == period, Allocation.current.is_(True),
            Allocation.claim_id.is_(None),
        ),
    )  # fmt: skip
    counts["unmatched"] = _insert(
        session,
        select(
            f, p, literal(cat.UNMATCHED_ANSWER), AnswerLine.reason_code, AnswerLine.approved, LineMatch.claim_id,
            literal(None), AnswerLine.ma_lk, literal(None), AnswerLine.id, at,
        ).join(LineMatch, LineMatch.answer_line_id == AnswerLine.id).where(
            AnswerLine.facility_id == facility_id, AnswerLine.period == period, AnswerLine.current.is_(True),
            LineMatch.kind == "unmatched",
        ),
    )  # fmt: skip
    counts["unmatched"] += _insert(
        session,
        select(
            f, p, literal(cat.UNMATCHED_ANSWER), literal(""), AssessmentAnswer.approved, literal(None), literal(None),
            AssessmentAnswer.ma_lk, literal(None), AssessmentAnswer.id, at,
        ).where(
            AssessmentAnswer.facility_id == facility_id, AssessmentAnswer.period == period,
            AssessmentAnswer.current.is_(True), AssessmentAnswer.match == "unmatched",
        ),
    )  # fmt: skip
    if sum(counts.values()) > 10_000 and session.get_bind().dialect.name == "postgresql":
        session.connection().exec_driver_sql("ANALYZE variance")  # fresh rows: let the planner see them
    counts["denials_opened"] = open_denials(session, facility_id, period, now)
    counts["denials_resolved"] = follow_variances(session, facility_id, period, now)
    return counts


def open_denials(session: Session, facility_id: int, period: str, now: datetime) -> int:
    """One denial queue item per disallowed variance not yet in the queue (same claim, line and reason)."""
    v, d = Variance, Denial
    same = exists().where(
        d.facility_id == v.facility_id,
        d.ma_lk == v.ma_lk,
        d.reason_code == v.reason_code,
        func.coalesce(d.claim_line_id, 0) == func.coalesce(v.claim_line_id, 0),
        func.coalesce(d.claim_id, 0) == func.coalesce(v.claim_id, 0),
    )
    query = select(
        v.facility_id, v.period, v.claim_id, v.claim_line_id, v.ma_lk, v.category, v.reason_code, v.amount,
        literal(now, UTCDateTime()), literal("open"), literal("review"), literal(now, UTCDateTime()),
    ).where(
        v.facility_id == facility_id, v.period == period, v.category.in_(cat.DISALLOWED), v.amount > zero(),
        ~same,
    )  # fmt: skip
    columns = [
        "facility_id", "period", "claim_id", "claim_line_id", "ma_lk", "category", "reason_code", "amount",
        "opened_at", "status", "next_action", "updated_at",
    ]  # fmt: skip
    result = session.connection().execute(insert(Denial).from_select(columns, query), execution_options=ROWCOUNT)
    return int(getattr(result, "rowcount", 0) or 0)


def follow_variances(session: Session, facility_id: int, period: str, now: datetime) -> int:
    """Open items follow the office's current answer: the amount of their variance, or ``resolved`` when a
    corrected answer no longer disallows it. Items someone acted on keep their state."""
    v, d = Variance, Denial
    line, claim = func.coalesce(v.claim_line_id, 0), func.coalesce(v.claim_id, 0)
    current = (
        select(v.ma_lk, v.reason_code, line.label("line"), claim.label("claim"), func.sum(v.amount).label("amount"))
        .where(v.facility_id == facility_id, v.period == period, v.category.in_(cat.DISALLOWED), v.amount > zero())
        .group_by(v.ma_lk, v.reason_code, line, claim)
        .subquery("current_variance")
    )
    same = and_(
        current.c.ma_lk == d.ma_lk,
        current.c.reason_code == d.reason_code,
        current.c.line == func.coalesce(d.claim_line_id, 0),
        current.c.claim == func.coalesce(d.claim_id, 0),
    )
    scope = [d.facility_id == facility_id, d.period == period, d.status == "open"]
    stamp = literal(now, UTCDateTime())
    # Mark and sweep: UPDATE … FROM the grouped variances stamps every item that still has one (a hash
    # join), then the open items this run did not stamp are resolved — no subquery per item.
    session.execute(
        update(d)
        .where(*scope, same)
        .values(amount=current.c.amount, updated_at=stamp)
        .execution_options(synchronize_session=False)
    )
    resolved = session.execute(
        update(d)
        .where(*scope, d.updated_at < stamp)
        .values(status="resolved", next_action="none", updated_at=stamp)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(resolved, "rowcount", 0) or 0)  # audited with the reconciliation's counts


__all__ = ["follow_variances", "open_denials", "rebuild"]
