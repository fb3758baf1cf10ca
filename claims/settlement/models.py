"""Closed periods (frozen totals, per facility and month, and per claim) and the adjustments that later
answers for a closed period carry into the next open one."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from claims.kit.db import Base
from claims.kit.money import Money
from claims.kit.types import UTCDateTime, utcnow


class PeriodClose(Base):
    """The frozen totals of a facility's month. Once a row exists the period is closed."""

    __tablename__ = "period_close"
    __table_args__ = (UniqueConstraint("facility_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"))
    period: Mapped[str] = mapped_column(String(6))
    claims: Mapped[int] = mapped_column(Integer)
    claimed: Mapped[Decimal] = mapped_column(Money())
    approved: Mapped[Decimal] = mapped_column(Money())
    disallowed: Mapped[Decimal] = mapped_column(Money())
    not_assessed: Mapped[Decimal] = mapped_column(Money())
    paid: Mapped[Decimal] = mapped_column(Money())
    outstanding: Mapped[Decimal] = mapped_column(Money())
    adjustments_in: Mapped[Decimal] = mapped_column(Money(), doc="approved carried in from closed periods")
    adjustments_paid_in: Mapped[Decimal] = mapped_column(Money())
    received: Mapped[Decimal] = mapped_column(Money(), doc="cash of the period's notices (advances + settlements)")
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_by: Mapped[str] = mapped_column(String(64))


class PeriodCloseClaim(Base):
    """Each claim's figures as frozen when its period closed."""

    __tablename__ = "period_close_claim"
    __table_args__ = (UniqueConstraint("close_id", "claim_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    close_id: Mapped[int] = mapped_column(ForeignKey("period_close.id"), index=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"))
    period: Mapped[str] = mapped_column(String(6))
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"))
    ma_lk: Mapped[str] = mapped_column(String(100))
    claimed: Mapped[Decimal] = mapped_column(Money())
    approved: Mapped[Decimal] = mapped_column(Money())
    disallowed: Mapped[Decimal] = mapped_column(Money())
    paid: Mapped[Decimal] = mapped_column(Money())


class Adjustment(Base):
    """A change to a closed period's figures, booked in the next open period (never a silent change)."""

    __tablename__ = "settlement_adjustment"
    __table_args__ = (Index("ix_settlement_adjustment_to", "facility_id", "to_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"))
    from_period: Mapped[str] = mapped_column(String(6))
    to_period: Mapped[str] = mapped_column(String(6))
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"))
    ma_lk: Mapped[str] = mapped_column(String(100))
    approved: Mapped[Decimal] = mapped_column(Money(), doc="change of the approved amount")
    disallowed: Mapped[Decimal] = mapped_column(Money())
    paid: Mapped[Decimal] = mapped_column(Money(), doc="change of the amount paid")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(64))
