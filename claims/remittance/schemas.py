"""Remittance API bodies. Money is serialised as a decimal string, never a float."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, field_validator

MoneyStr = Annotated[Decimal, PlainSerializer(lambda d: str(d), return_type=str, when_used="json")]
Period = Annotated[str, Field(pattern=r"^\d{4}-?\d{2}$", examples=["2026-10"])]


class FileUpload(BaseModel):
    """A file of the office (or keyed in by hand) as base64, with its name (the suffix says the format)."""

    kind: Literal["assessment", "notice"]
    name: str = Field(max_length=255, examples=["ket_qua_01001_2026-10_lines.csv"])
    content_base64: str = Field(max_length=300_000_000)
    entered_by: str | None = Field(None, max_length=128, description="who keyed a notice in by hand")

    @field_validator("content_base64")
    @classmethod
    def _decodable(cls, value: str) -> str:
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("not base64") from None
        return value

    def data(self) -> bytes:
        return base64.b64decode(self.content_base64)


class ImportOut(BaseModel):
    import_id: int | None
    duplicate: bool
    records: int
    superseded_import_id: int | None = None
    errors: list[dict[str, str]] = []


class ImportRow(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    facility_id: int
    kind: str
    source: str
    name: str
    period: str | None
    content_sha256: str
    records: int
    imported_at: datetime
    imported_by: str
    entered_by: str | None
    supersedes_id: int | None
    superseded_by_id: int | None


class ReconcileRequest(BaseModel):
    facility_id: int = Field(ge=1)
    period: Period


class VarianceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    period: str
    category: str
    reason_code: str
    amount: MoneyStr
    claim_id: int | None
    claim_line_id: int | None
    ma_lk: str
    ma_khoa: str | None


class ExceptionOut(BaseModel):
    """An answer line the office sent that matches none of our lines."""

    answer_line_id: int
    ma_lk: str
    office_version: int
    table_name: str
    line_no: int
    item_code: str
    approved: MoneyStr
    disallowed: MoneyStr
    claim_id: int | None


class DenialOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    facility_id: int
    period: str
    claim_id: int | None
    claim_line_id: int | None
    ma_lk: str
    category: str
    reason_code: str
    amount: MoneyStr
    opened_at: datetime
    age_days: int = 0
    status: str
    next_action: str
    note: str | None
    requested_by: str | None
    approved_by: str | None
    new_claim_id: int | None


class DenialPage(BaseModel):
    items: list[DenialOut]
    total: int
    offset: int
    limit: int


class NoteBody(BaseModel):
    note: str = Field(min_length=1, max_length=2000)


class OptionalNote(BaseModel):
    note: str | None = Field(None, max_length=2000)


class HistoryItem(BaseModel):
    at: datetime
    actor: str
    action: str
    summary: dict[str, Any]
