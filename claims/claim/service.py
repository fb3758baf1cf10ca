"""Claim state changes: status transitions (audited) and frozen versions. Never commits."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from claims.audit import service as audit
from claims.auth.scope import Principal
from claims.claim import repository
from claims.claim.models import Claim, ClaimLine, ClaimVersion
from claims.claim.status import check_transition


def transition(
    session: Session, actor: Principal, claim_id: int, target: str, reason: str | None = None, **details: Any
) -> Claim:
    """Move a claim to ``target`` if the status machine allows it, and audit the change."""
    claim = repository.get(session, actor, claim_id, lock=True)
    return apply_transition(session, actor, claim, target, reason, **details)


def apply_transition(
    session: Session, actor: Principal, claim: Claim, target: str, reason: str | None = None, **details: Any
) -> Claim:
    """Same as ``transition`` for a claim already loaded through the actor's scope."""
    actor.ensure_visible(claim.facility_id, "claim")
    new = check_transition(claim.status, target)
    old = claim.status
    claim.status = new.value
    session.flush()
    summary: dict[str, Any] = {"from": old, "to": new.value}
    if reason:
        summary["reason"] = reason
    summary.update(details)
    audit.record(session, actor, "claim", claim.id, "status", summary, facility_id=claim.facility_id)
    return claim


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _row(obj: Any) -> dict[str, Any]:
    return {attr.key: _plain(getattr(obj, attr.key)) for attr in inspect(obj).mapper.column_attrs}


def snapshot(claim: Claim) -> dict[str, Any]:
    """The claim and its lines as plain JSON (money as strings, exact)."""
    lines: list[ClaimLine] = sorted(claim.lines, key=lambda line: (line.table_name, line.stt))
    return {"claim": _row(claim), "lines": [_row(line) for line in lines]}


def freeze(session: Session, actor: Principal, claim: Claim, reason: str) -> ClaimVersion:
    """Store a frozen copy of the claim as it is now (for example when it is sent)."""
    actor.ensure_visible(claim.facility_id, "claim")
    snap = snapshot(claim)
    digest = hashlib.sha256(json.dumps(snap, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    version = ClaimVersion(
        claim_id=claim.id,
        facility_id=claim.facility_id,
        version=claim.version,
        frozen_by=actor.username,
        reason=reason,
        snapshot=snap,
        snapshot_hash=digest,
    )
    session.add(version)
    session.flush()
    audit.record(
        session,
        actor,
        "claim",
        claim.id,
        "freeze",
        {"version": claim.version, "reason": reason, "snapshot_hash": digest},
        facility_id=claim.facility_id,
    )
    return version


def transition_many(
    session: Session, actor: Principal, claim_ids: Any, source: str, target: str, reason: str, **details: Any
) -> int:
    """Move every claim of ``claim_ids`` (a SELECT of ids) that is in ``source`` to ``target``, set-based:
    one audit event per claim (INSERT … SELECT, same shape as :func:`apply_transition`'s) and one UPDATE.
    The transition is checked once against the status machine; the caller's scope limits the ids."""
    from sqlalchemy import String as SqlString
    from sqlalchemy import cast, insert, literal, select, update

    from claims.audit.models import AuditEvent
    from claims.kit.types import JSONType, UTCDateTime, utcnow

    new = check_transition(source, target)
    chosen: Any = select(Claim.id, Claim.facility_id).where(Claim.id.in_(claim_ids), Claim.status == source)
    rows = actor.restrict(chosen, Claim.facility_id).subquery("chosen")
    summary = {"from": source, "to": new.value, "reason": reason, **details}
    events = select(
        literal(utcnow(), UTCDateTime()), literal(actor.username), literal(actor.user_id), rows.c.facility_id,
        literal("claim"), cast(rows.c.id, SqlString), literal("status"), literal(summary, JSONType),
    )  # fmt: skip
    columns = ["at", "actor", "actor_id", "facility_id", "entity", "entity_id", "action", "summary"]
    session.connection().execute(insert(AuditEvent).from_select(columns, events))
    result = session.execute(
        update(Claim)
        .where(Claim.id.in_(select(rows.c.id)))
        .values(status=new.value)
        .execution_options(synchronize_session="fetch")
    )
    count = int(getattr(result, "rowcount", 0) or 0)
    if count:
        from claims.audit.service import AUDITED_FLAG

        session.info[AUDITED_FLAG] = session.info.get(AUDITED_FLAG, 0) + count
    return count

