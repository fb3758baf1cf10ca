"""Storing received encounters. Never commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from claims.audit import service as audit
from claims.auth.scope import Principal
from claims.encounter import repository
from claims.encounter.models import EncounterRecord


def store(
    session: Session, actor: Principal, facility_id: int, ma_lk: str, source: str, payload: dict[str, Any]
) -> tuple[EncounterRecord, bool]:
    """Store an encounter; identical content already stored is returned instead (created=False)."""
    actor.ensure_visible(facility_id, "facility")
    digest = repository.content_hash(payload)
    existing = repository.find_same(session, facility_id, ma_lk, digest)
    if existing is not None:
        return existing, False
    latest = repository.latest(session, facility_id, ma_lk)
    rec = EncounterRecord(
        facility_id=facility_id,
        ma_lk=ma_lk,
        source=source,
        payload=payload,
        content_hash=digest,
        version=latest.version + 1 if latest is not None else 1,
        supersedes_id=latest.id if latest is not None else None,
    )
    session.add(rec)
    session.flush()
    audit.record(
        session,
        actor,
        "encounter",
        rec.id,
        "receive",
        {"source": source, "content_hash": digest},
        facility_id=facility_id,
    )
    return rec, True
