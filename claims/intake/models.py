"""Intake tables: the log of every import (with its report and progress), the uploaded file kept in chunks
until it is read, and each facility's code mapping (hospital item code → insurer catalogue code)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from claims.kit.db import Base
from claims.kit.types import JSONType, UTCDateTime, utcnow


class ImportRun(Base):
    """One import of one file or bundle: who sent it, how far it got, and its report once done."""

    __tablename__ = "import_run"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status_known"),
        Index("ix_import_run_facility_id_id", "facility_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int | None] = mapped_column(
        ForeignKey("facility.id"), doc="the facility importing (null: an admin import of any facility)"
    )
    source: Mapped[str] = mapped_column(String(255), doc="file name or channel (fhir, mllp)")
    format: Mapped[str] = mapped_column(String(16), doc="fhir, hl7, xml130, csv, xlsx, or auto until detected")
    status: Mapped[str] = mapped_column(String(16), default="queued")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    records: Mapped[int] = mapped_column(Integer, default=0, doc="records read so far (progress)")
    declared_count: Mapped[int | None] = mapped_column(Integer)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    ignored: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSONType, doc="ImportReport.as_dict() once done")


class ImportChunk(Base):
    """The uploaded file, in order, kept in the database so a worker on any machine can read it."""

    __tablename__ = "import_chunk"

    import_id: Mapped[int] = mapped_column(ForeignKey("import_run.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class CodeMap(Base):
    """One row of a facility's mapping: a hospital code → the insurer catalogue code (items) or ICD-10
    (diagnoses); for items optionally the line group and cost group (MA_NHOM) the code stands for."""

    __tablename__ = "code_mapping"
    __table_args__ = (
        UniqueConstraint("facility_id", "kind", "his_code"),
        CheckConstraint("kind IN ('item', 'diagnosis')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="item")
    his_code: Mapped[str] = mapped_column(String(255))
    insurer_code: Mapped[str] = mapped_column(String(255))
    line_group: Mapped[str | None] = mapped_column(String(16), doc="exam, bed, service, drug … (items)")
    cost_group: Mapped[int | None] = mapped_column(Integer, doc="MA_NHOM 1–19 (items)")
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
