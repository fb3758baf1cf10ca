"""Finance pages: background jobs of the web UI and who a denial is assigned to.

Revision ID: 0003_finance
Revises: 0002_recon
Create Date: 2026-11-25 22:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import claims.kit.types

revision: str = "0003_finance"
down_revision: str | Sequence[str] | None = "0003_office"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_job",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=6), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("result_url", sa.String(length=255), nullable=True),
        sa.Column("created_at", claims.kit.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", claims.kit.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["facility_id"], ["facility.id"], name=op.f("fk_web_job_facility_id_facility")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_job")),
    )
    with op.batch_alter_table("web_job", schema=None) as batch_op:
        batch_op.create_index("ix_web_job_facility", ["facility_id", "created_at"], unique=False)
    with op.batch_alter_table("denial", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assigned_to", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("denial", schema=None) as batch_op:
        batch_op.drop_column("assigned_to")
    with op.batch_alter_table("web_job", schema=None) as batch_op:
        batch_op.drop_index("ix_web_job_facility")
    op.drop_table("web_job")
