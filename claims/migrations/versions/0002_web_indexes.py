"""Work-queue indexes: claims by facility and status/department/category newest first, findings by code.

Revision ID: 0002_web
Revises: 0002_review
Create Date: 2026-11-25 18:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002_web"
down_revision: str | Sequence[str] | None = "0002_review"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CLAIM = {
    "ix_claim_facility_id_id": ["facility_id", "id"],
    "ix_claim_facility_status_id": ["facility_id", "status", "id"],
    "ix_claim_facility_khoa_id": ["facility_id", "ma_khoa", "id"],
    "ix_claim_facility_doituong_id": ["facility_id", "ma_doituong_kcb", "id"],
    "ix_claim_status_id": ["status", "id"],
}


def upgrade() -> None:
    for name, columns in _CLAIM.items():
        op.create_index(name, "claim", columns, unique=False)
    op.create_index("ix_finding_code_claim_id", "finding", ["code", "claim_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_finding_code_claim_id", table_name="finding")
    for name in reversed(list(_CLAIM)):
        op.drop_index(name, table_name="claim")
