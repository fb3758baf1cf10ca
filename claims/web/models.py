"""Long actions started from the pages (reconciling a period, pricing a month), with their progress.

A row per job, so any web process can answer a progress poll whichever process runs the job.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from claims.kit.db import Base
from claims.kit.types import UTCDateTime, utcnow


class WebJob(Base):
    __tablename__ = "web_job"
    __table_args__ = (Index("ix_web_job_facility", "facility_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, doc="random: not guessable from another's")
    kind: Mapped[str] = mapped_column(String(32), doc="reconcile | price")
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"))
    period: Mapped[str | None] = mapped_column(String(6))
    created_by: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="queued", doc="queued | running | done | failed")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text, doc="a short outcome; never personal data")
    result_url: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
