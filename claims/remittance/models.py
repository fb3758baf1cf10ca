"""The office's answers as received, and what reconciliation makes of them.

Everything imported is kept: a corrected file supersedes an earlier one (``superseded_by_id``), and the
answers of a superseded import stay in the database with ``current = false``. Keys copied onto answer
rows (facility, MA_LK, office version) let matching join without going through the import.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from claims.kit.db import Base
from claims.kit.money import Money
from claims.kit.types import JSONType, UTCDateTime, utcnow


class RemittanceImport(Base):
    """One file or API payload of the office (assessment results or payment notices), by content hash."""

    __tablename__ = "remittance_import"
    __table_args__ = (UniqueConstraint("facility_id", "kind", "content_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), doc="assessment | notice")
    source: Mapped[str] = mapped_column(String(16), doc="api | file | manual")
    doc_key: Mapped[str] = mapped_column(String(255), doc="what a correction of this document is recognised by")
    name: Mapped[str] = mapped_column(String(255), default="")
    period: Mapped[str | None] = mapped_column(String(6))
    content_sha256: Mapped[str] = mapped_column(String(64))
    records: Mapped[int] = mapped_column(Integer, default=0)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(64))
    entered_by: Mapped[str | None] = mapped_column(String(128), doc="who keyed in a manual notice")
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("remittance_import.id"))
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("remittance_import.id"))


class AssessmentAnswer(Base):
    """The office's decision on one claim version (claim level)."""

    __tablename__ = "assessment_answer"
    __table_args__ = (Index("ix_assessment_answer_key", "facility_id", "ma_lk", "office_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("remittance_import.id"), index=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"))
    period: Mapped[str] = mapped_column(String(6))
    ma_lk: Mapped[str] = mapped_column(String(100))
    office_version: Mapped[int] = mapped_column(Integer)
    transaction_id: Mapped[str] = mapped_column(String(64), default="")
    envelope_sha256: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(20))
    assessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed: Mapped[Decimal] = mapped_column(Money())
    approved: Mapped[Decimal] = mapped_column(Money())
    disallowed: Mapped[Decimal] = mapped_column(Money())
    reason_codes: Mapped[str] = mapped_column(String(500), default="")
    reasons: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    has_lines: Mapped[bool] = mapped_column(Boolean, default=False)
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claim.id"), index=True)
    match: Mapped[str] = mapped_column(String(16), default="pending", doc="pending | exact | rule | unmatched")


class AnswerLine(Base):
    """One assessed cost line (XML2/XML3) as the office answered it."""

    __tablename__ = "answer_line"
    __table_args__ = (Index("ix_answer_line_key", "facility_id", "ma_lk", "office_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_answer.id"))
    import_id: Mapped[int] = mapped_column(ForeignKey("remittance_import.id"), index=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"))
    period: Mapped[str] = mapped_column(String(6))
    ma_lk: Mapped[str] = mapped_column(String(100))
    office_version: Mapped[int] = mapped_column(Integer)
    table_name: Mapped[str] = mapped_column(String(4))
    line_no: Mapped[int] = mapped_column(Integer)
    item_code: Mapped[str] = mapped_column(String(255))
    line_time: Mapped[str | None] = mapped_column(String(12), doc="yyyyMMddHHmm when the office gives it")
    claimed: Mapped[Decimal] = mapped_column(Money())
    approved: Mapped[Decimal] = mapped_column(Money())
    disallowed: Mapped[Decimal] = mapped_column(Money())
    reason_code: Mapped[str] = mapped_column(String(64), default="", doc="first reason code ('' when none)")
    reason_codes: Mapped[str] = mapped_column(String(500), default="")
    reasons: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    current: Mapped[bool] = mapped_column(Boolean, default=True)


class LineMatch(Base):
    """What an answer line was matched to. A narrow table written by INSERT … SELECT: matching a million
    lines inserts a million small rows instead of rewriting a million wide ones. ``kind``: exact |
    moved_stt (flagged) | unmatched (the exceptions list; ``claim_line_id`` NULL, tried again next run)."""

    __tablename__ = "answer_line_match"

    # Derived rows, rewritten by matching only: no foreign keys, whose per-row checks would cost more
    # than the match itself at a million lines.
    answer_line_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    claim_id: Mapped[int | None] = mapped_column(Integer)
    claim_line_id: Mapped[int | None] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(16))


class Notice(Base):
    """A payment notice: an advance (tạm ứng) or a settlement (quyết toán) of one period."""

    __tablename__ = "payment_notice"
    __table_args__ = (Index("ix_payment_notice_key", "facility_id", "notice_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("remittance_import.id"), index=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"))
    notice_id: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(6))
    kind: Mapped[str] = mapped_column(String(16), doc="advance | settlement")
    issued_on: Mapped[date] = mapped_column(Date)
    claims: Mapped[int] = mapped_column(Integer, default=0)
    claimed: Mapped[Decimal] = mapped_column(Money())
    approved: Mapped[Decimal] = mapped_column(Money())
    disallowed: Mapped[Decimal] = mapped_column(Money())
    advances: Mapped[Decimal] = mapped_column(Money())
    amount: Mapped[Decimal] = mapped_column(Money())
    ma_lks: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    entered_by: Mapped[str | None] = mapped_column(String(128))
    current: Mapped[bool] = mapped_column(Boolean, default=True)


class Allocation(Base):
    """The part of a notice paid to one claim (a settlement pays each listed claim its approved amount,
    unless a hand-keyed notice gives the amount)."""

    __tablename__ = "payment_allocation"
    __table_args__ = (Index("ix_payment_allocation_key", "facility_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_pk: Mapped[int] = mapped_column(ForeignKey("payment_notice.id"), index=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"))
    period: Mapped[str] = mapped_column(String(6))
    ma_lk: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal | None] = mapped_column(Money(), doc="given amount; NULL = the approved amount")
    paid: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0), doc="resolved by reconciliation")
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claim.id"), index=True)
    match: Mapped[str] = mapped_column(String(16), default="pending")


class Variance(Base):
    """A difference found by reconciliation, with its category and amount (rebuilt on every run of an
    open period)."""

    __tablename__ = "variance"
    __table_args__ = (Index("ix_variance_period", "facility_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"))
    period: Mapped[str] = mapped_column(String(6))
    category: Mapped[str] = mapped_column(String(32))
    reason_code: Mapped[str] = mapped_column(String(64), default="")
    amount: Mapped[Decimal] = mapped_column(Money())
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claim.id"))
    claim_line_id: Mapped[int | None] = mapped_column(ForeignKey("claim_line.id"))
    ma_lk: Mapped[str] = mapped_column(String(100), default="")
    ma_khoa: Mapped[str | None] = mapped_column(String(50))
    source_id: Mapped[int | None] = mapped_column(Integer, doc="answer_line / answer / allocation id")
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Denial(Base):
    """An item of the denial work queue: a disallowed amount billing staff must act on."""

    __tablename__ = "denial"
    __table_args__ = (
        UniqueConstraint("facility_id", "claim_id", "claim_line_id", "reason_code", "ma_lk"),
        Index("ix_denial_status", "facility_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"))
    period: Mapped[str] = mapped_column(String(6))
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claim.id"))
    claim_line_id: Mapped[int | None] = mapped_column(ForeignKey("claim_line.id"))
    ma_lk: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(32))
    reason_code: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Money())
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[str] = mapped_column(String(24), default="open")
    next_action: Mapped[str] = mapped_column(String(24), default="review")
    assigned_to: Mapped[str | None] = mapped_column(String(64), doc="who works on it (username)")
    note: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str | None] = mapped_column(String(64))
    approved_by: Mapped[str | None] = mapped_column(String(64))
    new_claim_id: Mapped[int | None] = mapped_column(ForeignKey("claim.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
