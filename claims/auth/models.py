"""User accounts. Passwords are stored as Argon2 hashes only."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from claims.kit.db import Base
from claims.kit.types import UTCDateTime, utcnow


class Role(StrEnum):
    billing = "billing"
    finance = "finance"
    insurer = "insurer"
    admin = "admin"


# Roles whose data is limited to their own facility; insurer and admin see every facility.
FACILITY_BOUND_ROLES = frozenset({Role.billing, Role.finance})


class User(Base):
    __tablename__ = "app_user"
    __table_args__ = (
        CheckConstraint("role IN ('billing', 'finance', 'insurer', 'admin')", name="role_known"),
        CheckConstraint(
            "role NOT IN ('billing', 'finance') OR facility_id IS NOT NULL",
            name="facility_bound_role_has_facility",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(255), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facility.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
