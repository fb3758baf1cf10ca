"""The audit_event table. Append-only: the ORM refuses updates and deletes, and a database
trigger (created by the migration, on SQLite and PostgreSQL) refuses them too."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from claims.kit.db import Base
from claims.kit.types import JSONType, UTCDateTime, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_entity_entity_id", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64), doc="username, or system:<component>")
    actor_id: Mapped[int | None] = mapped_column(doc="app_user.id when a person acted")
    facility_id: Mapped[int | None] = mapped_column(index=True)
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    summary: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class AuditImmutable(RuntimeError):
    """Raised when code tries to change or delete an audit event."""


def _refuse(_mapper: Mapper[Any], _conn: Any, _target: Any) -> None:
    raise AuditImmutable("audit_event is append-only")


event.listen(AuditEvent, "before_update", _refuse)
event.listen(AuditEvent, "before_delete", _refuse)
