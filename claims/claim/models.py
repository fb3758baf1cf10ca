"""Claim tables. Key XML1 fields (and every money total) are columns; every other XML1 field
lives in ``xml1`` JSON, every other XML2/XML3 field in ``claim_line.fields`` JSON, so any field of
the standard has a place without a migration."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from claims.kit.db import Base
from claims.kit.money import Money, Quantity, UnitPrice
from claims.kit.types import JSONType, UTCDateTime, utcnow

# XML1 money totals held as columns (field name lower-cased).
XML1_MONEY_COLUMNS = (
    "t_thuoc",
    "t_vtyt",
    "t_tongchi_bv",
    "t_tongchi_bh",
    "t_bntt",
    "t_bncct",
    "t_bhtt",
    "t_nguonkhac",
    "t_bhtt_gdv",
)
# Line money amounts held as columns (XML2 and XML3 share most names).
LINE_MONEY_COLUMNS = (
    "thanh_tien_bv",
    "thanh_tien_bh",
    "t_trantt",
    "t_nguonkhac_nsnn",
    "t_nguonkhac_vtnn",
    "t_nguonkhac_vttn",
    "t_nguonkhac_cl",
    "t_nguonkhac",
    "t_bntt",
    "t_bncct",
    "t_bhtt",
)


class Claim(Base):
    """One version of a claim (hồ sơ) of one facility. A change after sending makes a new row with
    ``version + 1`` whose ``supersedes_id`` points at the row that was sent."""

    __tablename__ = "claim"
    __table_args__ = (
        UniqueConstraint("facility_id", "ma_lk", "version"),
        Index("ix_claim_facility_id_status", "facility_id", "status"),
        Index("ix_claim_facility_id_period", "facility_id", "period"),
        # Work-queue filters, newest first (keyset pagination on id).
        Index("ix_claim_facility_id_id", "facility_id", "id"),
        Index("ix_claim_facility_status_id", "facility_id", "status", "id"),
        Index("ix_claim_facility_khoa_id", "facility_id", "ma_khoa", "id"),
        Index("ix_claim_facility_doituong_id", "facility_id", "ma_doituong_kcb", "id"),
        Index("ix_claim_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"))
    encounter_id: Mapped[int | None] = mapped_column(ForeignKey("encounter.id"), index=True)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("claim.id"))
    ma_lk: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(20), default="imported")
    period: Mapped[str] = mapped_column(String(6), doc="settlement period YYYYMM (NAM_QT+THANG_QT)")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    # Key XML1 fields.
    ma_bn: Mapped[str | None] = mapped_column(String(100))
    ma_the_bhyt: Mapped[str | None] = mapped_column(String(255))
    ma_dkbd: Mapped[str | None] = mapped_column(String(255))
    ma_doituong_kcb: Mapped[str | None] = mapped_column(
        String(4), doc="MA_DOITUONG_KCB, up to 4 characters since QĐ 4750 (1.11 …)"
    )
    ma_loai_kcb: Mapped[str | None] = mapped_column(String(2))
    ma_benh_chinh: Mapped[str | None] = mapped_column(String(7))
    ma_khoa: Mapped[str | None] = mapped_column(String(50))
    ngay_vao: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ngay_ra: Mapped[datetime | None] = mapped_column(UTCDateTime())
    so_ngay_dtri: Mapped[int | None] = mapped_column(Integer)
    muc_huong: Mapped[str | None] = mapped_column(String(4), doc="benefit level, up to 4 chars (QĐ 1931)")

    # XML1 money totals.
    t_thuoc: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    t_vtyt: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    t_tongchi_bv: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    t_tongchi_bh: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    t_bntt: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    t_bncct: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    t_bhtt: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    t_nguonkhac: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    t_bhtt_gdv: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))

    xml1: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, doc="every other XML1 field")
    other_tables: Mapped[dict[str, Any]] = mapped_column(
        JSONType, default=dict, doc="XML4..XML15 records by table name"
    )

    lines: Mapped[list[ClaimLine]] = relationship(
        back_populates="claim", cascade="all, delete-orphan", order_by="ClaimLine.id"
    )


class ClaimLine(Base):
    """One XML2 (drug) or XML3 (service/supply/bed-day) line."""

    __tablename__ = "claim_line"
    __table_args__ = (
        CheckConstraint("table_name IN ('XML2', 'XML3')", name="table_name_known"),
        UniqueConstraint("claim_id", "table_name", "stt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id", ondelete="CASCADE"), index=True)
    table_name: Mapped[str] = mapped_column(String(4))
    stt: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(255), doc="MA_THUOC, MA_DICH_VU or MA_VAT_TU")
    ma_nhom: Mapped[int | None] = mapped_column(Integer)
    so_luong: Mapped[Decimal] = mapped_column(Quantity())
    don_gia_bv: Mapped[Decimal | None] = mapped_column(UnitPrice(), doc="XML2 DON_GIA / XML3 DON_GIA_BV")
    don_gia_bh: Mapped[Decimal | None] = mapped_column(UnitPrice(), doc="XML3 DON_GIA_BH")
    tyle_tt_bh: Mapped[int | None] = mapped_column(Integer)
    muc_huong: Mapped[str | None] = mapped_column(String(4))

    thanh_tien_bv: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    thanh_tien_bh: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    t_trantt: Mapped[Decimal | None] = mapped_column(Money())
    t_nguonkhac_nsnn: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    t_nguonkhac_vtnn: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    t_nguonkhac_vttn: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    t_nguonkhac_cl: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    t_nguonkhac: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    t_bntt: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    t_bncct: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    t_bhtt: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))

    fields: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, doc="every other field of the line")
    trace: Mapped[list[dict[str, Any]] | dict[str, Any] | None] = mapped_column(
        JSONType, doc="pricing trace: the rules and tariff rows behind each amount (a list of steps)"
    )

    claim: Mapped[Claim] = relationship(back_populates="lines")


class ClaimVersion(Base):
    """A frozen copy of a claim as it was when it left (or was approved): snapshot + its hash."""

    __tablename__ = "claim_version"
    __table_args__ = (UniqueConstraint("claim_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"), index=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    frozen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    frozen_by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(32), doc="approved, sent ...")
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType)
    snapshot_hash: Mapped[str] = mapped_column(String(64))
