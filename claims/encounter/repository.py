"""All encounter queries, always through the caller's facility scope."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from claims.auth.scope import Principal
from claims.encounter.models import EncounterRecord
from claims.kit.errors import NotFound
from claims.kit.pagination import PageParams, paginate


def content_hash(payload: dict[str, Any]) -> str:
    """sha256 of the canonical JSON form (sorted keys, no spaces)."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def get(session: Session, scope: Principal, encounter_id: int) -> EncounterRecord:
    stmt = scope.restrict(
        select(EncounterRecord).where(EncounterRecord.id == encounter_id), EncounterRecord.facility_id
    )
    rec = session.scalar(stmt)
    if rec is None:
        raise NotFound("encounter not found")
    return rec


def list_encounters(
    session: Session, scope: Principal, page: PageParams, ma_lk: str | None = None
) -> tuple[list[EncounterRecord], int]:
    stmt = select(EncounterRecord).order_by(EncounterRecord.id)
    if ma_lk:
        stmt = stmt.where(EncounterRecord.ma_lk == ma_lk)
    return paginate(session, scope.restrict(stmt, EncounterRecord.facility_id), page)


def find_same(session: Session, facility_id: int, ma_lk: str, digest: str) -> EncounterRecord | None:
    """The encounter already stored with identical content (used to make imports idempotent)."""
    return session.scalar(
        select(EncounterRecord).where(
            EncounterRecord.facility_id == facility_id,
            EncounterRecord.ma_lk == ma_lk,
            EncounterRecord.content_hash == digest,
        )
    )


def latest(session: Session, facility_id: int, ma_lk: str) -> EncounterRecord | None:
    """The newest stored version of the facility's encounter ``ma_lk``."""
    return session.scalar(
        select(EncounterRecord)
        .where(EncounterRecord.facility_id == facility_id, EncounterRecord.ma_lk == ma_lk)
        .order_by(EncounterRecord.version.desc())
        .limit(1)
    )
