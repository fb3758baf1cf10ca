"""API shapes of intake: import runs and their reports, code mapping rows, the FHIR OperationOutcome answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from claims.encounter.schemas import LineGroup


class ImportSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    facility_id: int | None
    source: str
    format: str
    status: str = Field(description="queued, running, done or failed")
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    size_bytes: int
    records: int = Field(description="records read so far (progress while running)")
    declared_count: int | None
    imported: int
    updated: int
    unchanged: int
    failed: int
    ignored: int


class ImportDetail(ImportSummary):
    report: dict[str, Any] | None = Field(
        description="imported, updated, unchanged, failed (record and reason), findings, file errors"
    )


class ImportPage(BaseModel):
    items: list[ImportSummary]
    total: int
    offset: int
    limit: int


class CodeMappingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    facility_id: int | None = Field(None, description="required for admins; a facility's own users map their own")
    kind: Literal["item", "diagnosis"] = "item"
    his_code: str = Field(min_length=1, max_length=255, description="the hospital's own code")
    insurer_code: str = Field(min_length=1, max_length=255, description="insurer catalogue code, or ICD-10")
    line_group: LineGroup | None = Field(None, description="items: what the code is (exam, bed, drug …)")
    cost_group: int | None = Field(None, ge=1, le=19, description="items: MA_NHOM")

    @model_validator(mode="after")
    def _kind_fields(self) -> CodeMappingIn:
        if self.kind == "diagnosis" and (self.line_group or self.cost_group):
            raise ValueError("line_group and cost_group are for items only")
        if (self.line_group is None) != (self.cost_group is None):
            raise ValueError("give line_group and cost_group together")
        return self


class CodeMappingUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    insurer_code: str = Field(min_length=1, max_length=255)
    line_group: LineGroup | None = None
    cost_group: int | None = Field(None, ge=1, le=19)


class CodeMappingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    facility_id: int
    kind: str
    his_code: str
    insurer_code: str
    line_group: str | None
    cost_group: int | None
    updated_by: str
    updated_at: datetime


class CodeMappingPage(BaseModel):
    items: list[CodeMappingOut]
    total: int
    offset: int
    limit: int
