"""Read the audit trail (admin sees all; others only their facility's events)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from claims.api.deps import DbSession, require_roles
from claims.audit.models import AuditEvent
from claims.auth.models import Role
from claims.auth.scope import Principal
from claims.kit.errors import error_responses
from claims.kit.pagination import PageParams, page_params, paginate

router = APIRouter(prefix="/api/audit", tags=["audit"], responses=error_responses(401, 403, 422))
readers = require_roles(Role.admin, Role.finance)


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    facility_id: int | None
    entity: str
    entity_id: str
    action: str
    summary: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditOut]
    total: int
    offset: int
    limit: int


@router.get("", response_model=AuditPage)
def list_events(
    db: DbSession,
    who: Principal = Depends(readers),
    page: PageParams = Depends(page_params),
    entity: str | None = Query(None, max_length=64),
    entity_id: str | None = Query(None, max_length=64),
) -> AuditPage:
    stmt = select(AuditEvent).order_by(AuditEvent.id)
    if entity:
        stmt = stmt.where(AuditEvent.entity == entity)
    if entity_id:
        stmt = stmt.where(AuditEvent.entity_id == entity_id)
    rows, total = paginate(db, who.restrict(stmt, AuditEvent.facility_id), page)
    return AuditPage(
        items=[AuditOut.model_validate(r) for r in rows], total=total, offset=page.offset, limit=page.limit
    )
