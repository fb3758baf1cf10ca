"""Facility queries and changes (repository + service for the facility table). Never commits."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from claims.audit import service as audit
from claims.auth.models import Role
from claims.auth.scope import Principal
from claims.catalogue.models import Facility
from claims.kit.errors import Conflict, NotFound
from claims.kit.pagination import PageParams, paginate


class FacilityCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    ma_cskcb: str = Field(min_length=5, max_length=5, pattern=r"^[0-9A-Z]{5}$")
    name: str = Field(min_length=1, max_length=255)
    province: str = Field(min_length=2, max_length=3, pattern=r"^[0-9]{2,3}$")
    hospital_class: str | None = Field(None, max_length=16)
    level: str | None = Field(None, max_length=16)


class FacilityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    ma_cskcb: str
    name: str
    province: str
    hospital_class: str | None
    level: str | None
    active: bool


def get(session: Session, scope: Principal, facility_id: int) -> Facility:
    facility = session.scalar(scope.restrict(select(Facility).where(Facility.id == facility_id), Facility.id))
    if facility is None:
        raise NotFound("facility not found")
    return facility


def by_code(session: Session, scope: Principal, ma_cskcb: str) -> Facility | None:
    return session.scalar(scope.restrict(select(Facility).where(Facility.ma_cskcb == ma_cskcb), Facility.id))


def list_facilities(session: Session, scope: Principal, page: PageParams) -> tuple[list[Facility], int]:
    return paginate(session, scope.restrict(select(Facility).order_by(Facility.id), Facility.id), page)


def create(session: Session, actor: Principal, data: FacilityCreate) -> Facility:
    actor.require(Role.admin)
    if session.scalar(select(Facility.id).where(Facility.ma_cskcb == data.ma_cskcb)) is not None:
        raise Conflict("a facility with this MA_CSKCB exists", field="ma_cskcb")
    facility = Facility(**data.model_dump())
    session.add(facility)
    session.flush()
    audit.record(session, actor, "facility", facility.id, "create", data.model_dump(), facility_id=facility.id)
    return facility
