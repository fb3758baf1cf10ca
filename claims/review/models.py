"""Findings are data (code, severity, where, message, legal reference), never exceptions; and the
per-facility settings of the check catalogue (on/off switch, severity override)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from claims.kit.db import Base
from claims.kit.types import UTCDateTime, utcnow


class Finding(Base):
    __tablename__ = "finding"
    __table_args__ = (
        CheckConstraint("severity IN ('error', 'warning', 'info')", name="severity_known"),
        Index("ix_finding_facility_id_resolved", "facility_id", "resolved"),
        Index("ix_finding_code_claim_id", "code", "claim_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id", ondelete="CASCADE"), index=True)
    claim_line_id: Mapped[int | None] = mapped_column(ForeignKey("claim_line.id", ondelete="CASCADE"))
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"))
    code: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(8), doc="error (blocking), warning, info")
    table_name: Mapped[str | None] = mapped_column(String(8), doc="XML1..XML15")
    record: Mapped[int | None] = mapped_column(Integer, doc="STT of the record in its table")
    field: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    legal_ref: Mapped[str | None] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(16), default="check", doc="check, pricing, insurer")
    resolved: Mapped[bool] = mapped_column(default=False)
    override_reason: Mapped[str | None] = mapped_column(Text)
    overridden_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # added by revision 0002_review
    value: Mapped[str | None] = mapped_column(Text, doc="the value found, as written")
    message_en: Mapped[str | None] = mapped_column(Text)
    hint: Mapped[str | None] = mapped_column(Text, doc="what the billing clerk should do")
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CheckSetting(Base):
    """A facility's setting for one check of `rules.checks`: switched off, or its severity overridden.

    No row means the catalogue's default (on, the check's own severity).
    """

    __tablename__ = "check_setting"
    __table_args__ = (
        UniqueConstraint("facility_id", "code"),
        CheckConstraint(
            "severity_override IS NULL OR severity_override IN ('blocking', 'warning')", name="severity_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(default=True)
    severity_override: Mapped[str | None] = mapped_column(String(8))
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
