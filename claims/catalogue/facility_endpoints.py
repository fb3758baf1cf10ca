"""Facility administration endpoints (admin)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from claims.api.deps import DbSession, require_roles
from claims.auth.models import Role
from claims.auth.scope import Principal
from claims.catalogue import facilities
from claims.catalogue.facilities import FacilityCreate, FacilityOut
from claims.kit.errors import error_responses
from claims.kit.pagination import PageParams, page_params

router = APIRouter(prefix="/api/facilities", tags=["facilities"], responses=error_responses(401, 403, 404))
admin_only = require_roles(Role.admin)


class FacilityPage(BaseModel):
    items: list[FacilityOut]
    total: int
    offset: int
    limit: int


@router.get("", response_model=FacilityPage)
def list_facilities(
    db: DbSession, who: Principal = Depends(admin_only), page: PageParams = Depends(page_params)
) -> FacilityPage:
    rows, total = facilities.list_facilities(db, who, page)
    return FacilityPage(
        items=[FacilityOut.model_validate(r) for r in rows], total=total, offset=page.offset, limit=page.limit
    )


@router.post("", response_model=FacilityOut, status_code=201, responses=error_responses(409, 422))
def create_facility(body: FacilityCreate, db: DbSession, who: Principal = Depends(admin_only)) -> FacilityOut:
    return FacilityOut.model_validate(facilities.create(db, who, body))


@router.get("/{facility_id}", response_model=FacilityOut)
def get_facility(facility_id: int, db: DbSession, who: Principal = Depends(admin_only)) -> FacilityOut:
    return FacilityOut.model_validate(facilities.get(db, who, facility_id))
