"""Initial schema: facility, users, audit (append-only), encounters, claims, findings, submission.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 17:37:30.167289
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import claims.kit.money
import claims.kit.types

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# audit_event is append-only: the database itself refuses UPDATE and DELETE.
_SQLITE_TRIGGERS = [
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
]
_PG_TRIGGERS = [
    "CREATE FUNCTION audit_event_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_event is append-only' USING ERRCODE = 'insufficient_privilege'; END $$",
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()",
]


def _create_audit_triggers() -> None:
    dialect = op.get_bind().dialect.name
    for sql in _PG_TRIGGERS if dialect == "postgresql" else _SQLITE_TRIGGERS:
        op.execute(sql)


def _drop_audit_triggers() -> None:
    dialect = op.get_bind().dialect.name
    op.execute("DROP TRIGGER IF EXISTS audit_event_no_update" + (" ON audit_event" if dialect == "postgresql" else ""))
    op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete" + (" ON audit_event" if dialect == "postgresql" else ""))
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_event_refuse_change()")


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", claims.kit.types.UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("facility_id", sa.Integer(), nullable=True),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column(
            "summary",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)
        batch_op.create_index("ix_audit_event_entity_entity_id", ["entity", "entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_facility_id"), ["facility_id"], unique=False)

    op.create_table(
        "facility",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ma_cskcb", sa.String(length=5), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("province", sa.String(length=3), nullable=False),
        sa.Column("hospital_class", sa.String(length=16), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", claims.kit.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint("length(ma_cskcb) = 5", name=op.f("ck_facility_ma_cskcb_len")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facility")),
        sa.UniqueConstraint("ma_cskcb", name=op.f("uq_facility_ma_cskcb")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("topic", sa.String(length=128), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("dedupe_key", sa.String(length=255), nullable=False),
        sa.Column("created_at", claims.kit.types.UTCDateTime(), nullable=False),
        sa.Column("relayed_at", claims.kit.types.UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_dedupe_key")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_unrelayed", ["relayed_at", "id"], unique=False)

    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", claims.kit.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint("role IN ('billing', 'finance', 'insurer', 'admin')", name=op.f("ck_app_user_role_known")),
        sa.CheckConstraint(
            "role NOT IN ('billing', 'finance') OR facility_id IS NOT NULL",
            name=op.f("ck_app_user_facility_bound_role_has_facility"),
        ),
        sa.ForeignKeyConstraint(["facility_id"], ["facility.id"], name=op.f("fk_app_user_facility_id_facility")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("username", name=op.f("uq_app_user_username")),
    )
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_app_user_facility_id"), ["facility_id"], unique=False)

    op.create_table(
        "batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=6), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("claim_count", sa.Integer(), nullable=False),
        sa.Column("created_at", claims.kit.types.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["facility_id"], ["facility.id"], name=op.f("fk_batch_facility_id_facility")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch")),
    )
    with op.batch_alter_table("batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_batch_facility_id"), ["facility_id"], unique=False)

    op.create_table(
        "encounter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("ma_lk", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("received_at", claims.kit.types.UTCDateTime(), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["facility_id"], ["facility.id"], name=op.f("fk_encounter_facility_id_facility")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_encounter")),
        sa.UniqueConstraint(
            "facility_id", "ma_lk", "content_hash", name=op.f("uq_encounter_facility_id_ma_lk_content_hash")
        ),
    )
    with op.batch_alter_table("encounter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_encounter_facility_id"), ["facility_id"], unique=False)

    op.create_table(
        "claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("encounter_id", sa.Integer(), nullable=True),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("ma_lk", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("period", sa.String(length=6), nullable=False),
        sa.Column("created_at", claims.kit.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", claims.kit.types.UTCDateTime(), nullable=False),
        sa.Column("ma_bn", sa.String(length=100), nullable=True),
        sa.Column("ma_the_bhyt", sa.String(length=255), nullable=True),
        sa.Column("ma_dkbd", sa.String(length=255), nullable=True),
        sa.Column("ma_doituong_kcb", sa.String(length=4), nullable=True),
        sa.Column("ma_loai_kcb", sa.String(length=2), nullable=True),
        sa.Column("ma_benh_chinh", sa.String(length=7), nullable=True),
        sa.Column("ma_khoa", sa.String(length=50), nullable=True),
        sa.Column("ngay_vao", claims.kit.types.UTCDateTime(), nullable=True),
        sa.Column("ngay_ra", claims.kit.types.UTCDateTime(), nullable=True),
        sa.Column("so_ngay_dtri", sa.Integer(), nullable=True),
        sa.Column("muc_huong", sa.String(length=4), nullable=True),
        sa.Column("t_thuoc", claims.kit.money.Money(), nullable=False),
        sa.Column("t_vtyt", claims.kit.money.Money(), nullable=False),
        sa.Column("t_tongchi_bv", claims.kit.money.Money(), nullable=False),
        sa.Column("t_tongchi_bh", claims.kit.money.Money(), nullable=False),
        sa.Column("t_bntt", claims.kit.money.Money(), nullable=False),
        sa.Column("t_bncct", claims.kit.money.Money(), nullable=False),
        sa.Column("t_bhtt", claims.kit.money.Money(), nullable=False),
        sa.Column("t_nguonkhac", claims.kit.money.Money(), nullable=False),
        sa.Column("t_bhtt_gdv", claims.kit.money.Money(), nullable=False),
        sa.Column(
            "xml1",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "other_tables",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["encounter_id"], ["encounter.id"], name=op.f("fk_claim_encounter_id_encounter")),
        sa.ForeignKeyConstraint(["facility_id"], ["facility.id"], name=op.f("fk_claim_facility_id_facility")),
        sa.ForeignKeyConstraint(["supersedes_id"], ["claim.id"], name=op.f("fk_claim_supersedes_id_claim")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim")),
        sa.UniqueConstraint("facility_id", "ma_lk", "version", name=op.f("uq_claim_facility_id_ma_lk_version")),
    )
    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_encounter_id"), ["encounter_id"], unique=False)
        batch_op.create_index("ix_claim_facility_id_period", ["facility_id", "period"], unique=False)
        batch_op.create_index("ix_claim_facility_id_status", ["facility_id", "status"], unique=False)

    op.create_table(
        "batch_claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batch.id"], name=op.f("fk_batch_claim_batch_id_batch"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["claim_id"], ["claim.id"], name=op.f("fk_batch_claim_claim_id_claim")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_claim")),
        sa.UniqueConstraint("batch_id", "claim_id", name=op.f("uq_batch_claim_batch_id_claim_id")),
    )
    with op.batch_alter_table("batch_claim", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_batch_claim_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_batch_claim_claim_id"), ["claim_id"], unique=False)

    op.create_table(
        "claim_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(length=4), nullable=False),
        sa.Column("stt", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=255), nullable=False),
        sa.Column("ma_nhom", sa.Integer(), nullable=True),
        sa.Column("so_luong", claims.kit.money.Quantity(), nullable=False),
        sa.Column("don_gia_bv", claims.kit.money.UnitPrice(), nullable=True),
        sa.Column("don_gia_bh", claims.kit.money.UnitPrice(), nullable=True),
        sa.Column("tyle_tt_bh", sa.Integer(), nullable=True),
        sa.Column("muc_huong", sa.String(length=4), nullable=True),
        sa.Column("thanh_tien_bv", claims.kit.money.Money(), nullable=False),
        sa.Column("thanh_tien_bh", claims.kit.money.Money(), nullable=False),
        sa.Column("t_trantt", claims.kit.money.Money(), nullable=True),
        sa.Column("t_nguonkhac_nsnn", claims.kit.money.Money(), nullable=False),
        sa.Column("t_nguonkhac_vtnn", claims.kit.money.Money(), nullable=False),
        sa.Column("t_nguonkhac_vttn", claims.kit.money.Money(), nullable=False),
        sa.Column("t_nguonkhac_cl", claims.kit.money.Money(), nullable=False),
        sa.Column("t_nguonkhac", claims.kit.money.Money(), nullable=False),
        sa.Column("t_bntt", claims.kit.money.Money(), nullable=False),
        sa.Column("t_bncct", claims.kit.money.Money(), nullable=False),
        sa.Column("t_bhtt", claims.kit.money.Money(), nullable=False),
        sa.Column(
            "fields",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "trace",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.CheckConstraint("table_name IN ('XML2', 'XML3')", name=op.f("ck_claim_line_table_name_known")),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claim.id"], name=op.f("fk_claim_line_claim_id_claim"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_line")),
        sa.UniqueConstraint("claim_id", "table_name", "stt", name=op.f("uq_claim_line_claim_id_table_name_stt")),
    )
    with op.batch_alter_table("claim_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_line_claim_id"), ["claim_id"], unique=False)

    op.create_table(
        "claim_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("frozen_at", claims.kit.types.UTCDateTime(), nullable=False),
        sa.Column("frozen_by", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column(
            "snapshot",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("snapshot_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claim.id"], name=op.f("fk_claim_version_claim_id_claim")),
        sa.ForeignKeyConstraint(["facility_id"], ["facility.id"], name=op.f("fk_claim_version_facility_id_facility")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_version")),
        sa.UniqueConstraint("claim_id", "version", name=op.f("uq_claim_version_claim_id_version")),
    )
    with op.batch_alter_table("claim_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_version_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_claim_version_facility_id"), ["facility_id"], unique=False)

    op.create_table(
        "submission_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("envelope_hash", sa.String(length=64), nullable=False),
        sa.Column("sent_at", claims.kit.types.UTCDateTime(), nullable=True),
        sa.Column("ma_giao_dich", sa.String(length=64), nullable=True),
        sa.Column("received_at", claims.kit.types.UTCDateTime(), nullable=True),
        sa.Column("result_code", sa.String(length=32), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"], name=op.f("fk_submission_ledger_batch_id_batch")),
        sa.ForeignKeyConstraint(["claim_id"], ["claim.id"], name=op.f("fk_submission_ledger_claim_id_claim")),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facility.id"], name=op.f("fk_submission_ledger_facility_id_facility")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_ledger")),
        sa.UniqueConstraint(
            "claim_id", "version", "attempt", name=op.f("uq_submission_ledger_claim_id_version_attempt")
        ),
    )
    with op.batch_alter_table("submission_ledger", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_submission_ledger_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_submission_ledger_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_submission_ledger_facility_id"), ["facility_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_submission_ledger_ma_giao_dich"), ["ma_giao_dich"], unique=False)

    op.create_table(
        "finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("claim_line_id", sa.Integer(), nullable=True),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("table_name", sa.String(length=8), nullable=True),
        sa.Column("record", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(length=64), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("legal_ref", sa.String(length=255), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("overridden_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", claims.kit.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint("severity IN ('error', 'warning', 'info')", name=op.f("ck_finding_severity_known")),
        sa.ForeignKeyConstraint(["claim_id"], ["claim.id"], name=op.f("fk_finding_claim_id_claim"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["claim_line_id"],
            ["claim_line.id"],
            name=op.f("fk_finding_claim_line_id_claim_line"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["facility_id"], ["facility.id"], name=op.f("fk_finding_facility_id_facility")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding")),
    )
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_finding_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index("ix_finding_facility_id_resolved", ["facility_id", "resolved"], unique=False)
    _create_audit_triggers()


def downgrade() -> None:
    _drop_audit_triggers()
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.drop_index("ix_finding_facility_id_resolved")
        batch_op.drop_index(batch_op.f("ix_finding_claim_id"))

    op.drop_table("finding")
    with op.batch_alter_table("submission_ledger", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submission_ledger_ma_giao_dich"))
        batch_op.drop_index(batch_op.f("ix_submission_ledger_facility_id"))
        batch_op.drop_index(batch_op.f("ix_submission_ledger_claim_id"))
        batch_op.drop_index(batch_op.f("ix_submission_ledger_batch_id"))

    op.drop_table("submission_ledger")
    with op.batch_alter_table("claim_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_version_facility_id"))
        batch_op.drop_index(batch_op.f("ix_claim_version_claim_id"))

    op.drop_table("claim_version")
    with op.batch_alter_table("claim_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_line_claim_id"))

    op.drop_table("claim_line")
    with op.batch_alter_table("batch_claim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_batch_claim_claim_id"))
        batch_op.drop_index(batch_op.f("ix_batch_claim_batch_id"))

    op.drop_table("batch_claim")
    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.drop_index("ix_claim_facility_id_status")
        batch_op.drop_index("ix_claim_facility_id_period")
        batch_op.drop_index(batch_op.f("ix_claim_encounter_id"))

    op.drop_table("claim")
    with op.batch_alter_table("encounter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_encounter_facility_id"))

    op.drop_table("encounter")
    with op.batch_alter_table("batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_batch_facility_id"))

    op.drop_table("batch")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_app_user_facility_id"))

    op.drop_table("app_user")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_unrelayed")

    op.drop_table("outbox")
    op.drop_table("facility")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_facility_id"))
        batch_op.drop_index("ix_audit_event_entity_entity_id")
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))

    op.drop_table("audit_event")
