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
