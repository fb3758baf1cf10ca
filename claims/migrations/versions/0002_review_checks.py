"""Review: finding value/message_en/hint/resolved_at; per-facility check settings (switch, severity override).

Revision ID: 0002_review
Revises: 0001
Create Date: 2026-11-25 18:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import claims.kit.types

revision: str = "0002_review"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.add_column(sa.Column("value", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("message_en", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("hint", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("resolved_at", claims.kit.types.UTCDateTime(), nullable=True))
    op.create_table(
        "check_setting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("severity_override", sa.String(length=8), nullable=True),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", claims.kit.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "severity_override IS NULL OR severity_override IN ('blocking', 'warning')",
            name=op.f("ck_check_setting_severity_known"),
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facility.id"], name=op.f("fk_check_setting_facility_id_facility")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_setting")),
        sa.UniqueConstraint("facility_id", "code", name=op.f("uq_check_setting_facility_id_code")),
    )
    with op.batch_alter_table("check_setting", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_check_setting_facility_id"), ["facility_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("check_setting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_setting_facility_id"))
    op.drop_table("check_setting")
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.drop_column("resolved_at")
        batch_op.drop_column("hint")
        batch_op.drop_column("message_en")
        batch_op.drop_column("value")
