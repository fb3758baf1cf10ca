"""Record audit events in the caller's transaction (services never commit)."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.orm import Session

from claims.audit.models import AuditEvent

AUDITED_FLAG = "audit_events"


class Actor(Protocol):
    @property
    def username(self) -> str: ...

    @property
    def user_id(self) -> int | None: ...


def record(
    session: Session,
    actor: Actor | str,
    entity: str,
    entity_id: object,
    action: str,
    summary: dict[str, Any] | None = None,
    *,
    facility_id: int | None = None,
) -> AuditEvent:
    """Add one audit event to ``session``; it commits or rolls back with the change it describes.

    ``summary`` must not carry personal identifiers (names, card or ID numbers): give field names
    and codes, not patient data.
    """
    if isinstance(actor, str):
        name, actor_id = actor, None
    else:
        name, actor_id = actor.username, actor.user_id
    ev = AuditEvent(
        actor=name,
        actor_id=actor_id,
        facility_id=facility_id,
        entity=entity,
        entity_id=str(entity_id),
        action=action,
        summary=summary or {},
    )
    session.add(ev)
    session.info[AUDITED_FLAG] = session.info.get(AUDITED_FLAG, 0) + 1
    return ev
