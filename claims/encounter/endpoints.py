"""Encounter API (read-only here; intake adapters add the write side)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict

from claims.api.deps import DbSession, require_roles
from claims.auth.models import Role
from claims.auth.scope import Principal
from claims.encounter import repository
from claims.kit.errors import error_responses
from claims.kit.pagination import PageParams, page_params

router = APIRouter(prefix="/api/encounters", tags=["encounters"], responses=error_responses(401, 403, 404, 422))
readers = require_roles(Role.billing, Role.finance, Role.admin)


class EncounterSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    facility_id: int
    ma_lk: str
    source: str
    received_at: datetime
    content_hash: str


class EncounterDetail(EncounterSummary):
    payload: dict[str, Any]


class EncounterPage(BaseModel):
    items: list[EncounterSummary]
    total: int
    offset: int
    limit: int


@router.get("", response_model=EncounterPage)
def list_encounters(
    db: DbSession,
    who: Principal = Depends(readers),
    page: PageParams = Depends(page_params),
    ma_lk: str | None = Query(None, max_length=100),
) -> EncounterPage:
    rows, total = repository.list_encounters(db, who, page, ma_lk)
    return EncounterPage(
        items=[EncounterSummary.model_validate(r) for r in rows],
        total=total,
        offset=page.offset,
        limit=page.limit,
    )


@router.get("/{encounter_id}", response_model=EncounterDetail)
def get_encounter(encounter_id: int, db: DbSession, who: Principal = Depends(readers)) -> EncounterDetail:
    return EncounterDetail.model_validate(repository.get(db, who, encounter_id))
