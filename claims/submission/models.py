"""Batches of claims, the transactional outbox and the ledger of every send attempt."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from claims.kit.db import Base
from claims.kit.types import JSONType, UTCDateTime, utcnow


class Batch(Base):
    __tablename__ = "batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    period: Mapped[str] = mapped_column(String(6))
    status: Mapped[str] = mapped_column(String(20), default="open")
    claim_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))


class BatchClaim(Base):
    """Which claim versions a batch carries."""

    __tablename__ = "batch_claim"
    __table_args__ = (UniqueConstraint("batch_id", "claim_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id", ondelete="CASCADE"), index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"), index=True)


class OutboxMessage(Base):
    """A job written in the same transaction as the state change that calls for it; the relay
    hands it to the broker after commit. ``topic`` is the dramatiq actor name."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_unrelayed", "relayed_at", "id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(128))
    requested_by: Mapped[str] = mapped_column(String(64), doc="who caused the job (username or system:*)")
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    relayed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class SubmissionLedger(Base):
    """One row per attempt to send a claim version to the insurer gateway, and its outcome."""

    __tablename__ = "submission_ledger"
    __table_args__ = (UniqueConstraint("claim_id", "version", "attempt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"), index=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batch.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    attempt: Mapped[int] = mapped_column(Integer)
    envelope_hash: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ma_giao_dich: Mapped[str | None] = mapped_column(String(64), index=True)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    result_code: Mapped[str | None] = mapped_column(String(32))
    message: Mapped[str | None] = mapped_column(Text)
