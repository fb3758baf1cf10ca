"""Matching the office's answers to our claims and lines: set-based statements only (UPDATE … FROM,
INSERT … SELECT), the same on SQLite and PostgreSQL, never a Python loop over rows.

Order of the rules, each applied only to what the earlier ones left:

1. a line: facility, ``MA_LK``, version, table, ``STT`` and item code all equal → ``exact``;
2. a claim answer: facility, ``MA_LK``, version → ``exact``; no such version but a sent version of the
   same ``MA_LK`` exists → the latest sent one, ``version`` (flagged);
3. a line of a matched claim whose ``STT`` changed: the only unmatched line of that claim with the same
   table, code (and order time, when the office gives one) → ``moved_stt`` (flagged);
4. the rest → ``unmatched`` (the exceptions list).

Payment allocations are matched to the latest sent version of their ``MA_LK``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.orm import Session, aliased

from claims.claim.models import Claim, ClaimLine
from claims.claim.status import ClaimStatus
from claims.kit.money import Money
from claims.remittance.models import Allocation, AnswerLine, AssessmentAnswer, LineMatch

S = ClaimStatus
# A claim counts for reconciliation once it has left, whatever happened next (not superseded ones:
# the latest sent version of each MA_LK stands for it).
SENT_STATES = (S.sent.value, S.received.value, S.assessed.value, S.rejected.value, S.paid.value, S.closed.value)
OPEN_MATCH = ("pending", "unmatched")
# INSERT … SELECT counts are kept only when asked for (SQLAlchemy drops them for INSERT by default).
ROWCOUNT = {"preserve_rowcount": True}


def money(expr: Any) -> Any:
    """Read an SQL money expression back as exact Decimal on both backends (scaled integers on SQLite)."""
    return type_coerce(expr, Money())


def zero() -> Any:
    return literal(Decimal(0), Money())


def latest_sent() -> ColumnElement[bool]:
    """Claim rows that are the latest sent version of their MA_LK."""
    newer = aliased(Claim)
    return and_(
        Claim.status.in_(SENT_STATES),
        ~exists().where(
            newer.facility_id == Claim.facility_id,
            newer.ma_lk == Claim.ma_lk,
            newer.version > Claim.version,
            newer.status.in_(SENT_STATES),
        ),
    )


def claims_in_scope(facility_id: int, period: str) -> Select[Any]:
    return select(Claim.id).where(Claim.facility_id == facility_id, Claim.period == period, latest_sent())


@dataclass(frozen=True)
class MatchCounts:
    answers_exact: int
    answers_version: int
    answers_unmatched: int
    lines_exact: int
    lines_moved: int
    lines_unmatched: int
    allocations_matched: int
    allocations_unmatched: int


def _answer_scope(facility_id: int, period: str) -> list[ColumnElement[bool]]:
    return [
        AssessmentAnswer.facility_id == facility_id,
        AssessmentAnswer.period == period,
        AssessmentAnswer.current.is_(True),
        AssessmentAnswer.match == "pending",
    ]


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _pending_lines(facility_id: int, period: str) -> list[ColumnElement[bool]]:
    """Current answer lines of the period with no match yet (an ``unmatched`` one is removed first)."""
    return [
        AnswerLine.facility_id == facility_id,
        AnswerLine.period == period,
        AnswerLine.current.is_(True),
        ~exists().where(LineMatch.answer_line_id == AnswerLine.id),
    ]


MATCH_COLUMNS = ["answer_line_id", "claim_id", "claim_line_id", "kind"]


def match_period(session: Session, facility_id: int, period: str) -> MatchCounts:
    """Match every current, not yet matched answer, line and allocation of the facility's period."""
    s = session
    conn = session.connection()  # Core statements: the driver's rowcounts, no ORM bookkeeping
    exec_opts = {"synchronize_session": False}
    # Unmatched lines are tried again: a claim may have arrived since.
    conn.execute(
        delete(LineMatch).where(
            LineMatch.kind == "unmatched",
            LineMatch.answer_line_id.in_(
                select(AnswerLine.id).where(AnswerLine.facility_id == facility_id, AnswerLine.period == period)
            ),
        )
    )
    s.execute(
        update(AssessmentAnswer)
        .where(
            AssessmentAnswer.facility_id == facility_id,
            AssessmentAnswer.period == period,
            AssessmentAnswer.match == "unmatched",
        )
        .values(match="pending")
        .execution_options(**exec_opts)
    )
    # 1. Lines, exactly, straight from the keys the answer line carries (the bulk of the work: one join).
    lines_exact = _rowcount(
        conn.execute(
            insert(LineMatch).from_select(
                MATCH_COLUMNS,
                select(AnswerLine.id, Claim.id, ClaimLine.id, literal("exact"))
                .select_from(AnswerLine)
                .join(
                    Claim,
                    (Claim.facility_id == AnswerLine.facility_id)
                    & (Claim.ma_lk == AnswerLine.ma_lk)
                    & (Claim.version == AnswerLine.office_version),
                )
                .join(
                    ClaimLine,
                    (ClaimLine.claim_id == Claim.id)
                    & (ClaimLine.table_name == AnswerLine.table_name)
                    & (ClaimLine.stt == AnswerLine.line_no)
                    & (ClaimLine.code == AnswerLine.item_code),
                )
                .where(*_pending_lines(facility_id, period)),
            ),
            execution_options=ROWCOUNT,
        )
    )
    if lines_exact > 10_000 and conn.dialect.name == "postgresql":
        # The planner must know the match table grew by this much before the anti-joins below (a fresh
        # million rows looks empty to it and turns them into nested loops).
        conn.exec_driver_sql("ANALYZE answer_line_match")
    # 2. Claim answers: exact version, then the latest sent version of the MA_LK.
    answers_exact = _rowcount(
        s.execute(
            update(AssessmentAnswer)
            .where(
                *_answer_scope(facility_id, period),
                Claim.facility_id == AssessmentAnswer.facility_id,
                Claim.ma_lk == AssessmentAnswer.ma_lk,
                Claim.version == AssessmentAnswer.office_version,
            )
            .values(claim_id=Claim.id, match="exact")
            .execution_options(**exec_opts)
        )
    )
    sent = aliased(Claim)
    newest_sent = (
        select(func.max(sent.id))
        .where(
            sent.facility_id == AssessmentAnswer.facility_id,
            sent.ma_lk == AssessmentAnswer.ma_lk,
            sent.status.in_(SENT_STATES),
        )
        .scalar_subquery()
    )
    answers_version = _rowcount(
        s.execute(
            update(AssessmentAnswer)
            .where(*_answer_scope(facility_id, period), newest_sent.is_not(None))
            .values(claim_id=newest_sent, match="version")
            .execution_options(**exec_opts)
        )
    )
    answers_unmatched = _rowcount(
        s.execute(
            update(AssessmentAnswer)
            .where(*_answer_scope(facility_id, period))
            .values(match="unmatched")
            .execution_options(**exec_opts)
        )
    )
    if answers_exact + answers_version > 10_000 and conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ANALYZE assessment_answer")  # its claim_id column was just filled in
    # 3. Lines left, within the claim their answer was matched to: the changed-STT rule.
    timed = session.scalar(
        select(AnswerLine.id)
        .where(AnswerLine.facility_id == facility_id, AnswerLine.period == period, AnswerLine.line_time.is_not(None))
        .limit(1)
    )
    lines_moved = _match_moved(session, facility_id, period, with_time=True) if timed is not None else 0
    lines_moved += _match_moved(session, facility_id, period, with_time=False)
    # 4. The rest: the exceptions list.
    lines_unmatched = _rowcount(
        conn.execute(
            insert(LineMatch).from_select(
                MATCH_COLUMNS,
                select(AnswerLine.id, AssessmentAnswer.claim_id, literal(None), literal("unmatched"))
                .select_from(AnswerLine)
                .outerjoin(AssessmentAnswer, AssessmentAnswer.id == AnswerLine.answer_id)
                .where(*_pending_lines(facility_id, period)),
            ),
            execution_options=ROWCOUNT,
        )
    )
    matched, unmatched = _match_allocations(s, facility_id, period)
    return MatchCounts(
        answers_exact, answers_version, answers_unmatched, lines_exact, lines_moved, lines_unmatched, matched, unmatched
    )


def _line_time() -> Any:
    return ClaimLine.fields["ngay_yl"].as_string()


def _match_moved(session: Session, facility_id: int, period: str, *, with_time: bool) -> int:
    """The only free claim line with the same table and code (and time) as the only such pending answer line."""
    pending = (
        select(
            AnswerLine.id.label("answer_line_id"),
            AssessmentAnswer.claim_id.label("claim_id"),
            AnswerLine.table_name,
            AnswerLine.item_code,
            AnswerLine.line_time,
        )
        .join(AssessmentAnswer, AssessmentAnswer.id == AnswerLine.answer_id)
        .where(
            *_pending_lines(facility_id, period),
            AssessmentAnswer.claim_id.is_not(None),
            AnswerLine.line_time.is_not(None) if with_time else AnswerLine.line_time.is_(None),
        )
        .subquery("pending")
    )
    answer_group: list[Any] = [pending.c.claim_id, pending.c.table_name, pending.c.item_code]
    if with_time:
        answer_group.append(pending.c.line_time)
    lonely = (
        select(*answer_group, func.min(pending.c.answer_line_id).label("answer_line_id"))
        .group_by(*answer_group)
        .having(func.count() == 1)
        .subquery("lonely")
    )
    # The order time is read once in an inner select, so the grouping names a plain column on both backends.
    free = (
        select(ClaimLine.id, ClaimLine.claim_id, ClaimLine.table_name, ClaimLine.code, _line_time().label("at"))
        .where(
            ClaimLine.claim_id.in_(select(pending.c.claim_id)),
            # Match rows exist for current answer lines only (superseding an answer line drops its match).
            ~exists().where(LineMatch.claim_line_id == ClaimLine.id),
        )
        .subquery("free")
    )
    line_group: list[Any] = [free.c.claim_id, free.c.table_name, free.c.code] + ([free.c.at] if with_time else [])
    free_lines = (
        select(*line_group, func.min(free.c.id).label("line_id"))
        .group_by(*line_group)
        .having(func.count() == 1)
        .subquery("free_lines")
    )
    on = (
        (free_lines.c.claim_id == lonely.c.claim_id)
        & (free_lines.c.table_name == lonely.c.table_name)
        & (free_lines.c.code == lonely.c.item_code)
    )
    if with_time:
        on = on & (free_lines.c.at == lonely.c.line_time)
    query = select(lonely.c.answer_line_id, lonely.c.claim_id, free_lines.c.line_id, literal("moved_stt")).select_from(
        lonely.join(free_lines, on)
    )
    result = session.connection().execute(
        insert(LineMatch).from_select(MATCH_COLUMNS, query), execution_options=ROWCOUNT
    )
    return _rowcount(result)


def _match_allocations(session: Session, facility_id: int, period: str) -> tuple[int, int]:
    sent = aliased(Claim)
    newest_sent = (
        select(func.max(sent.id))
        .where(sent.facility_id == Allocation.facility_id, sent.ma_lk == Allocation.ma_lk, sent.status.in_(SENT_STATES))
        .scalar_subquery()
    )
    scope = [Allocation.facility_id == facility_id, Allocation.period == period, Allocation.current.is_(True)]
    # What a settlement pays a claim: the amount keyed in, else the approved amount of the office's
    # current answer for that MA_LK (the latest version it assessed) as it stood when the payment was
    # first reconciled. Cash does not change afterwards: a corrected assessment then shows as paid
    # less or more than approved. A payment read as 0 for want of an answer is read again.
    answer = aliased(AssessmentAnswer)
    approved = (
        select(answer.approved)
        .where(
            answer.facility_id == Allocation.facility_id,
            answer.ma_lk == Allocation.ma_lk,
            answer.current.is_(True),
        )
        .order_by(answer.office_version.desc(), answer.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    unresolved = or_(Allocation.match == "pending", and_(Allocation.amount.is_(None), Allocation.paid == zero()))
    session.execute(
        update(Allocation)
        .where(*scope, unresolved)
        .values(paid=func.coalesce(Allocation.amount, approved, zero()))
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Allocation)
        .where(*scope)  # again on every run: a payment follows its MA_LK to the latest sent version
        .values(claim_id=newest_sent)
        .execution_options(synchronize_session=False)
    )
    unmatched = _rowcount(
        session.execute(
            update(Allocation)
            .where(*scope, Allocation.claim_id.is_(None))
            .values(match="unmatched")
            .execution_options(synchronize_session=False)
        )
    )
    matched = _rowcount(
        session.execute(
            update(Allocation)
            .where(*scope, Allocation.claim_id.is_not(None))
            .values(match="exact")
            .execution_options(synchronize_session=False)
        )
    )
    return matched, unmatched


__all__ = ["OPEN_MATCH", "SENT_STATES", "MatchCounts", "claims_in_scope", "latest_sent", "match_period", "money"]
