"""Period close and the figures of a period. Never commits.

An open period's figures are computed live from the matched answers and payments. Closing freezes
them (the period row and one row per claim). An answer or a payment that arrives later for a closed
period changes nothing there: :func:`record_adjustments` books the difference as an adjustment in the
next open period of the facility, so ``live approved = frozen paid + frozen outstanding + adjustments``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, literal, select
from sqlalchemy.orm import Session

from claims.audit import service as audit
from claims.auth.scope import Principal
from claims.kit.errors import Conflict
from claims.kit.types import UTCDateTime, utcnow
from claims.remittance import categories as cat
from claims.remittance.figures import claim_figures
from claims.remittance.matching import ROWCOUNT, money, zero
from claims.remittance.models import Notice, Variance
from claims.settlement.models import Adjustment, PeriodClose, PeriodCloseClaim

ZERO = Decimal(0)


class PeriodClosed(Conflict):
    code = "period_closed"
    default_message = "This period is closed; later changes are booked as adjustments to the next open period."


@dataclass
class PeriodSummary:
    facility_id: int
    period: str
    closed: bool
    claims: int
    claimed: Decimal
    approved: Decimal
    disallowed: Decimal
    not_assessed: Decimal
    paid: Decimal
    outstanding: Decimal  # approved − paid
    received: Decimal  # cash of the period's current notices (advances + settlements)
    adjustments_in: Decimal = ZERO  # approved carried in from closed periods
    adjustments_paid_in: Decimal = ZERO
    adjustments_out: Decimal = ZERO  # approved changed after this period closed (booked elsewhere)
    adjustments_paid_out: Decimal = ZERO
    disallowed_by_reason: dict[str, Decimal] = field(default_factory=dict)

    @property
    def unpaid(self) -> Decimal:
        """Everything claimed that is neither paid nor disallowed: approved but unpaid + not assessed."""
        return self.outstanding + self.not_assessed

    @property
    def adds_up(self) -> bool:
        """claimed = paid + disallowed + outstanding + not assessed, and the reasons add up to disallowed."""
        return (
            self.claimed == self.paid + self.disallowed + self.outstanding + self.not_assessed
            and self.approved == self.paid + self.outstanding
            and sum(self.disallowed_by_reason.values(), ZERO) == self.disallowed
        )


def is_closed(session: Session, facility_id: int, period: str) -> bool:
    return (
        session.scalar(
            select(PeriodClose.id).where(PeriodClose.facility_id == facility_id, PeriodClose.period == period)
        )
        is not None
    )


def _d(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(value or 0)


def live_totals(session: Session, facility_id: int, period: str) -> dict[str, Any]:
    figures = claim_figures(facility_id, period).subquery("cf")
    c = figures.c
    row = session.execute(
        select(
            func.count(c.claim_id),
            *[
                money(func.coalesce(func.sum(col), zero()))
                for col in (c.claimed, c.approved, c.disallowed, c.not_assessed, c.paid, c.outstanding)
            ],
        )
    ).one()
    keys = ("claims", "claimed", "approved", "disallowed", "not_assessed", "paid", "outstanding")
    return {k: (int(v) if k == "claims" else _d(v)) for k, v in zip(keys, row, strict=True)}


def _received(session: Session, facility_id: int, period: str) -> Decimal:
    return _d(
        session.scalar(
            select(money(func.coalesce(func.sum(Notice.amount), zero()))).where(
                Notice.facility_id == facility_id, Notice.period == period, Notice.current.is_(True)
            )
        )
    )


def _by_reason(session: Session, facility_id: int, period: str) -> dict[str, Decimal]:
    rows = session.execute(
        select(Variance.reason_code, money(func.sum(Variance.amount)))
        .where(Variance.facility_id == facility_id, Variance.period == period, Variance.category.in_(cat.DISALLOWED))
        .group_by(Variance.reason_code)
        .order_by(Variance.reason_code)
    ).all()
    return {code: _d(amount) for code, amount in rows}


def _adjustments(session: Session, facility_id: int, period: str, column: Any) -> tuple[Decimal, Decimal]:
    row = session.execute(
        select(
            money(func.coalesce(func.sum(Adjustment.approved), zero())),
            money(func.coalesce(func.sum(Adjustment.paid), zero())),
        ).where(Adjustment.facility_id == facility_id, column == period)
    ).one()
    return _d(row[0]), _d(row[1])


def summary(session: Session, actor: Principal, facility_id: int, period: str) -> PeriodSummary:
    """The period's figures: frozen when closed, live otherwise."""
    actor.ensure_visible(facility_id, "facility")
    adj_in = _adjustments(session, facility_id, period, Adjustment.to_period)
    adj_out = _adjustments(session, facility_id, period, Adjustment.from_period)
    frozen = session.scalar(
        select(PeriodClose).where(PeriodClose.facility_id == facility_id, PeriodClose.period == period)
    )
    if frozen is not None:
        totals: dict[str, Any] = {k: getattr(frozen, k) for k in
                                  ("claims", "claimed", "approved", "disallowed", "not_assessed", "paid", "outstanding",
                                   "received")}  # fmt: skip
    else:
        totals = live_totals(session, facility_id, period)
        totals["received"] = _received(session, facility_id, period)
    return PeriodSummary(
        facility_id=facility_id,
        period=period,
        closed=frozen is not None,
        **totals,
        adjustments_in=adj_in[0],
        adjustments_paid_in=adj_in[1],
        adjustments_out=adj_out[0],
        adjustments_paid_out=adj_out[1],
        disallowed_by_reason=_by_reason(session, facility_id, period),
    )


def close_period(session: Session, actor: Principal, facility_id: int, period: str) -> PeriodClose:
    """Reconcile the period one last time, then freeze its totals and each claim's figures."""
    from claims.remittance import service as remittance

    actor.ensure_visible(facility_id, "facility")
    if is_closed(session, facility_id, period):
        raise PeriodClosed(facility_id=facility_id, period=period)
    remittance.reconcile(session, actor, facility_id, period)
    totals = live_totals(session, facility_id, period)
    adj_in = _adjustments(session, facility_id, period, Adjustment.to_period)
    row = PeriodClose(
        facility_id=facility_id,
        period=period,
        **totals,
        adjustments_in=adj_in[0],
        adjustments_paid_in=adj_in[1],
        received=_received(session, facility_id, period),
        closed_by=actor.username,
    )
    session.add(row)
    session.flush()
    figures = claim_figures(facility_id, period).subquery("cf")
    session.execute(
        insert(PeriodCloseClaim).from_select(
            ["close_id", "facility_id", "period", "claim_id", "ma_lk", "claimed", "approved", "disallowed", "paid"],
            select(
                literal(row.id),
                literal(facility_id),
                literal(period),
                figures.c.claim_id,
                figures.c.ma_lk,
                figures.c.claimed,
                figures.c.approved,
                figures.c.disallowed,
                figures.c.paid,
            ),
        )
    )
    audit.record(
        session, actor, "period", f"{facility_id}:{period}", "close",
        {k: str(v) for k, v in totals.items()}, facility_id=facility_id,
    )  # fmt: skip
    return row


def next_month(period: str) -> str:
    year, month = int(period[:4]), int(period[4:])
    return f"{year + month // 12:04d}{month % 12 + 1:02d}"


def next_open_period(session: Session, facility_id: int, period: str) -> str:
    closed = set(session.scalars(select(PeriodClose.period).where(PeriodClose.facility_id == facility_id)))
    candidate = next_month(period)
    while candidate in closed:
        candidate = next_month(candidate)
    return candidate


def record_adjustments(session: Session, actor: Principal, facility_id: int, now: datetime | None = None) -> int:
    """Book, for every closed period of the facility, what changed since it closed (per claim, by MA_LK)."""
    actor.ensure_visible(facility_id, "facility")
    at = now or utcnow()
    periods = session.scalars(
        select(PeriodClose.period).where(PeriodClose.facility_id == facility_id).order_by(PeriodClose.period)
    ).all()
    return sum(_book_changes(session, actor, facility_id, period, at) for period in periods)


def _book_changes(session: Session, actor: Principal, facility_id: int, period: str, now: datetime) -> int:
    live = claim_figures(facility_id, period).subquery("live")
    frozen = (
        select(PeriodCloseClaim.ma_lk, PeriodCloseClaim.approved, PeriodCloseClaim.disallowed, PeriodCloseClaim.paid)
        .where(PeriodCloseClaim.facility_id == facility_id, PeriodCloseClaim.period == period)
        .subquery("frozen")
    )
    booked = (
        select(
            Adjustment.ma_lk,
            func.sum(Adjustment.approved).label("approved"),
            func.sum(Adjustment.disallowed).label("disallowed"),
            func.sum(Adjustment.paid).label("paid"),
        )
        .where(Adjustment.facility_id == facility_id, Adjustment.from_period == period)
        .group_by(Adjustment.ma_lk)
        .subquery("booked")
    )

    def delta(name: str) -> Any:
        return (
            getattr(live.c, name)
            - func.coalesce(getattr(frozen.c, name), zero())
            - func.coalesce(getattr(booked.c, name), zero())
        )

    to_period = next_open_period(session, facility_id, period)
    query = (
        select(
            literal(facility_id), literal(period), literal(to_period), live.c.claim_id, live.c.ma_lk,
            delta("approved"), delta("disallowed"), delta("paid"), literal(now, UTCDateTime()),
            literal(actor.username),
        )
        .select_from(
            live.outerjoin(frozen, frozen.c.ma_lk == live.c.ma_lk).outerjoin(booked, booked.c.ma_lk == live.c.ma_lk)
        )
        .where((delta("approved") != zero()) | (delta("disallowed") != zero()) | (delta("paid") != zero()))
    )  # fmt: skip
    columns = [
        "facility_id", "from_period", "to_period", "claim_id", "ma_lk", "approved", "disallowed", "paid",
        "recorded_at", "recorded_by",
    ]  # fmt: skip
    result = session.connection().execute(insert(Adjustment).from_select(columns, query), execution_options=ROWCOUNT)
    count = int(getattr(result, "rowcount", 0) or 0)
    if count:
        audit.record(
            session, actor, "period", f"{facility_id}:{period}", "adjustment",
            {"claims": count, "to_period": to_period}, facility_id=facility_id,
        )  # fmt: skip
    return count
