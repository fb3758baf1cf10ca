"""Claim API bodies. Money is serialised as a decimal string, never a float."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from claims.claim.status import ClaimStatus

MoneyStr = Annotated[Decimal, PlainSerializer(lambda d: str(d), return_type=str, when_used="json")]


class ClaimSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    facility_id: int
    ma_lk: str
    version: int
    status: ClaimStatus
    period: str
    ma_loai_kcb: str | None
    ma_benh_chinh: str | None
    ngay_vao: datetime | None
    ngay_ra: datetime | None
    t_tongchi_bv: MoneyStr
    t_tongchi_bh: MoneyStr
    t_bhtt: MoneyStr
    t_bncct: MoneyStr
    t_bntt: MoneyStr


class ClaimLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    table_name: str
    stt: int
    code: str
    ma_nhom: int | None
    so_luong: MoneyStr
    don_gia_bv: MoneyStr | None
    don_gia_bh: MoneyStr | None
    thanh_tien_bv: MoneyStr
    thanh_tien_bh: MoneyStr
    t_bntt: MoneyStr
    t_bncct: MoneyStr
    t_bhtt: MoneyStr
    fields: dict[str, Any]
    trace: list[dict[str, Any]] | dict[str, Any] | None


class ClaimDetail(ClaimSummary):
    t_thuoc: MoneyStr
    t_vtyt: MoneyStr
    t_nguonkhac: MoneyStr
    t_bhtt_gdv: MoneyStr
    xml1: dict[str, Any]
    lines: list[ClaimLineOut]


class ClaimPage(BaseModel):
    items: list[ClaimSummary]
    total: int
    offset: int
    limit: int


class TransitionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    to: ClaimStatus
    reason: str | None = Field(None, max_length=500)


class VersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    version: int
    frozen_at: datetime
    frozen_by: str
    reason: str
    snapshot_hash: str
