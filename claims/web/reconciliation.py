"""Read queries of the finance pages: a period's figures per facility, its claims and their lines with
what the office decided and why, variances, the denial queue. Every query goes through the principal's
facility scope; the figures themselves come from ``claims.remittance.figures`` and
``claims.settlement`` (one definition of claimed/approved/disallowed/paid/outstanding)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from claims.auth.scope import Principal
from claims.catalogue.models import Facility
from claims.claim.models import Claim, ClaimLine
from claims.kit.errors import NotFound
from claims.remittance import categories as cat
from claims.remittance.figures import claim_figures, line_figures
from claims.remittance.models import AnswerLine, AssessmentAnswer, Denial, Variance
from claims.settlement import service as settlement
from claims.settlement.models import PeriodClose
from claims.settlement.reports import Report
from claims.web import queries

ZERO = Decimal(0)
CLAIM_FILTERS = ("all", "disallowed", "outstanding", "not_assessed", "paid")
PAGE = 100


@dataclass(frozen=True)
class PeriodRow:
    facility: Facility
    summary: settlement.PeriodSummary


def facility_periods(session: Session, who: Principal, facility: Facility, limit: int = 12) -> list[str]:
    """The facility's claim periods, newest first."""
    return sorted(queries.distinct_values(session, who, Claim.period, facility.id), reverse=True)[:limit]


def overview(session: Session, who: Principal, facility_id: int | None, limit: int = 12) -> list[PeriodRow]:
    """Claimed / approved / disallowed / paid / outstanding per facility and period (newest first)."""
    rows = []
    for facility in queries.facilities_visible(session, who):
        if facility_id is not None and facility.id != facility_id:
            continue
        for period in facility_periods(session, who, facility, limit):
            rows.append(PeriodRow(facility, settlement.summary(session, who, facility.id, period)))
    return rows


def facility(session: Session, who: Principal, facility_id: int) -> Facility:
    who.ensure_visible(facility_id, "facility")
    found = session.get(Facility, facility_id)
    if found is None:
        raise NotFound("facility not found")  # the same 404 as another facility's
    return found


def close_of(session: Session, facility_id: int, period: str) -> PeriodClose | None:
    return session.scalar(select(PeriodClose).where(PeriodClose.facility_id == facility_id,
                                                    PeriodClose.period == period))  # fmt: skip


def period_claims(
    session: Session, who: Principal, facility_id: int, period: str, show: str = "all", offset: int = 0
) -> tuple[list[Any], bool]:
    """A page of the period's claims with their figures (largest disallowance first); second item: more."""
    who.ensure_visible(facility_id, "facility")
    cf = claim_figures(facility_id, period).subquery("cf")
    stmt = select(cf)
    if show == "disallowed":
        stmt = stmt.where(cf.c.disallowed != 0)
    elif show == "outstanding":
        stmt = stmt.where(cf.c.outstanding != 0)
    elif show == "not_assessed":
        stmt = stmt.where(cf.c.not_assessed != 0)
    elif show == "paid":
        stmt = stmt.where(cf.c.paid != 0)
    stmt = stmt.order_by(cf.c.disallowed.desc(), cf.c.ma_lk).offset(offset).limit(PAGE + 1)
    rows = list(session.execute(stmt).mappings())
    return rows[:PAGE], len(rows) > PAGE


@dataclass(frozen=True)
class LineDecision:
    line: ClaimLine
    figures: Any  # the line_figures row
    reasons: list[dict[str, Any]]  # the office's reasons (code, text, legal reference)
    trace: list[dict[str, Any]]  # our pricing steps: rule, tariff row, legal reference


@dataclass(frozen=True)
class ClaimDecision:
    claim: Claim
    figures: Any
    answer: AssessmentAnswer | None
    lines: list[LineDecision]


def claim_decision(session: Session, who: Principal, facility_id: int, period: str, claim_id: int) -> ClaimDecision:
    """One claim of the period: its figures, the office's answer and each line's decision with the reason
    and the rule / tariff row our pricing used."""
    who.ensure_visible(facility_id, "facility")
    cf = claim_figures(facility_id, period).subquery("cf")
    figures = session.execute(select(cf).where(cf.c.claim_id == claim_id)).mappings().first()
    claim = session.get(Claim, claim_id)
    if figures is None or claim is None or claim.facility_id != facility_id:
        raise NotFound("claim not found in this period")
    answer = session.get(AssessmentAnswer, figures["answer_id"]) if figures["answer_id"] else None
    lf = line_figures(facility_id, period).subquery("lf")
    line_rows = {r["claim_line_id"]: r for r in session.execute(select(lf).where(lf.c.claim_id == claim_id)).mappings()}
    answer_ids = [r["answer_line_id"] for r in line_rows.values() if r["answer_line_id"]]
    reasons: dict[int, list[dict[str, Any]]] = {}
    if answer_ids:
        for line_id, found in session.execute(select(AnswerLine.id, AnswerLine.reasons)
                                              .where(AnswerLine.id.in_(answer_ids))):  # fmt: skip
            reasons[line_id] = [r for r in (found or []) if isinstance(r, dict)]
    lines = []
    for line in sorted(claim.lines, key=lambda x: (x.table_name, x.stt)):
        row = line_rows.get(line.id)
        trace = [s for s in (line.trace or []) if isinstance(s, dict)] if isinstance(line.trace, list) else []
        found = reasons.get(row["answer_line_id"], []) if row is not None and row["answer_line_id"] else []
        lines.append(LineDecision(line, row, found, trace))
    return ClaimDecision(claim, figures, answer, lines)


def variances(
    session: Session, who: Principal, facility_id: int, period: str, category: str | None, offset: int = 0
) -> tuple[list[Variance], bool]:
    who.ensure_visible(facility_id, "facility")
    stmt = select(Variance).where(Variance.facility_id == facility_id, Variance.period == period)
    if category:
        stmt = stmt.where(Variance.category == category)
    stmt = who.restrict(stmt.order_by(Variance.amount.desc(), Variance.id), Variance.facility_id)
    rows = list(session.scalars(stmt.offset(offset).limit(PAGE + 1)))
    return rows[:PAGE], len(rows) > PAGE


RECONCILIATION_KEYS = ("ma_lk", "version", "ma_khoa", "answer_status", "reason_codes", "claimed", "approved",
                       "disallowed", "not_assessed", "paid", "outstanding")  # fmt: skip
RECONCILIATION_LABELS = {
    "ma_lk": "Mã liên kết", "version": "Lần gửi", "ma_khoa": "Khoa", "answer_status": "Kết quả giám định",
    "reason_codes": "Mã lý do", "claimed": "Đề nghị thanh toán", "approved": "Được duyệt", "disallowed": "Xuất toán",
    "not_assessed": "Chưa giám định", "paid": "Đã thanh toán", "outstanding": "Còn phải trả",
}  # fmt: skip


def reconciliation_report(session: Session, who: Principal, facility_id: int, period: str) -> Report:
    """Every claim of the period with its figures (the reconciliation as a file: CSV or XLSX)."""
    who.ensure_visible(facility_id, "facility")
    cf = claim_figures(facility_id, period).subquery("cf")
    rows = [
        {k: ("" if r[k] is None else r[k]) for k in RECONCILIATION_KEYS}
        for r in session.execute(select(cf).order_by(cf.c.ma_lk)).mappings()
    ]
    money = frozenset({"claimed", "approved", "disallowed", "not_assessed", "paid", "outstanding"})
    return Report("reconciliation", f"Đối chiếu kỳ {period[4:]}/{period[:4]}", RECONCILIATION_KEYS,
                  RECONCILIATION_LABELS, rows, money)  # fmt: skip


# The denial work queue ----------------------------------------------------------------------------

DENIAL_STATUSES = ("open", "appealed", "write_off_requested", "written_off", "resent", "resolved")


def denials(
    session: Session,
    who: Principal,
    *,
    facility_id: int | None = None,
    status: str | None = None,
    mine: bool = False,
    offset: int = 0,
) -> tuple[list[Denial], bool]:
    """Denial items, oldest first (scoped); ``status`` None = the open ones."""
    stmt = select(Denial)
    if facility_id is not None:
        stmt = stmt.where(Denial.facility_id == facility_id)
    if status:
        stmt = stmt.where(Denial.status == status)
    else:
        stmt = stmt.where(Denial.status.in_(("open", "appealed", "write_off_requested")))
    if mine:
        stmt = stmt.where(Denial.assigned_to == who.username)
    stmt = who.restrict(stmt.order_by(Denial.opened_at, Denial.id), Denial.facility_id)
    rows = list(session.scalars(stmt.offset(offset).limit(PAGE + 1)))
    return rows[:PAGE], len(rows) > PAGE


def denial_counts(session: Session, who: Principal, facility_id: int | None) -> dict[str, int]:
    stmt: Any = select(Denial.status, func.count())
    if facility_id is not None:
        stmt = stmt.where(Denial.facility_id == facility_id)
    stmt = who.restrict(stmt, Denial.facility_id).group_by(Denial.status)
    return {str(s): int(n) for s, n in session.execute(stmt)}


def category_names() -> tuple[str, ...]:
    return tuple(cat.LABELS_VI)
