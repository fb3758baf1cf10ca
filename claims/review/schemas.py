"""Review API bodies: the check catalogue with a facility's settings, runs, dry runs, findings."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class CheckOut(BaseModel):
    """One check of the catalogue and, when a facility is given, its setting there."""

    code: str
    severity: Literal["blocking", "warning"]
    tables: list[str]
    fields: list[str]
    message_vi: str
    message_en: str
    hint: str
    legal_ref: str
    scope: str
    valid_from: str | None
    valid_to: str | None
    needs: str | None
    facility_id: int | None = None
    enabled: bool = True
    severity_override: Literal["blocking", "warning"] | None = None
    effective_severity: Literal["blocking", "warning"]


class CheckSettingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    facility_id: int = Field(ge=1)
    enabled: bool | None = None
    severity_override: Literal["blocking", "warning"] | None = None
    clear_override: bool = False
    reason: str | None = Field(None, max_length=500)


class CheckSettingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    facility_id: int
    code: str
    enabled: bool
    severity_override: str | None
    updated_by: str
    updated_at: datetime


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: str | None = Field(None, pattern=r"^\d{6}$")
    claim_id: int | None = Field(None, ge=1)
    facility_id: int | None = Field(None, ge=1)


class RunOut(BaseModel):
    claims: int
    findings: int
    blocking_claims: int
    to_checked: list[int]
    to_needs_fix: list[int]


class DepartmentCount(BaseModel):
    ma_khoa: str
    claims: int
    flagged: int


class DryRunOut(BaseModel):
    code: str
    period: str
    claims: int
    flagged: int
    findings: int
    by_department: list[DepartmentCount]


class FindingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    claim_id: int
    claim_line_id: int | None
    facility_id: int
    code: str
    severity: str
    table_name: str | None
    record: int | None
    field: str | None
    value: str | None
    message: str
    message_en: str | None
    hint: str | None
    legal_ref: str | None
    source: str
    resolved: bool
    override_reason: str | None
    overridden_by: str | None
    resolved_at: datetime | None
    created_at: datetime


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=2000)
