"""Catalogue tables. Facility is the unit of data scoping: users and claims belong to one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from claims.kit.db import Base
from claims.kit.types import UTCDateTime, utcnow


class Facility(Base):
    """A health facility (cơ sở KCB) identified by its 5-character MA_CSKCB."""

    __tablename__ = "facility"
    __table_args__ = (CheckConstraint("length(ma_cskcb) = 5", name="ma_cskcb_len"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ma_cskcb: Mapped[str] = mapped_column(String(5), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    province: Mapped[str] = mapped_column(String(3), doc="province code (MATINH)")
    hospital_class: Mapped[str | None] = mapped_column(String(16), doc="hạng bệnh viện: đặc biệt, I..IV")
    level: Mapped[str | None] = mapped_column(String(16), doc="tuyến/cấp chuyên môn kỹ thuật")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
