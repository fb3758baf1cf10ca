"""Encounters as received: the canonical Encounter (see schemas.py) kept as JSON, with its hash."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from claims.kit.db import Base
from claims.kit.types import JSONType, UTCDateTime, utcnow


class EncounterRecord(Base):
    """One received version of an encounter. Re-sending identical content is detected by ``content_hash``;
    changed content is a new row with ``version + 1`` pointing at the one it replaces."""

    __tablename__ = "encounter"
    __table_args__ = (
        UniqueConstraint("facility_id", "ma_lk", "version"),
        Index("ix_encounter_facility_id_ma_lk_content_hash", "facility_id", "ma_lk", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    ma_lk: Mapped[str] = mapped_column(String(100), doc="MA_LK: the hospital's key of the stay/visit")
    source: Mapped[str] = mapped_column(String(32), doc="fhir, csv, json, xml130, demo ...")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    content_hash: Mapped[str] = mapped_column(String(64), doc="sha256 of the canonical JSON payload")
    # added by revision 0003_intake
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("encounter.id"), doc="the version this replaces")
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_run.id"), index=True)
    findings: Mapped[list[dict[str, Any]] | None] = mapped_column(
        JSONType, doc="intake findings (unmapped codes …), stored on the claim once it is priced"
    )
