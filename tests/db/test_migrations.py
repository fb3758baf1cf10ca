"""Migrations build the schema on both backends and agree with the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, inspect

from claims.migrate import compare_type
from claims.models import load_all


def _diff(engine, metadata):
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": compare_type})
        return compare_metadata(ctx, metadata)


def test_models_and_migrations_agree(engine):
    assert _diff(engine, load_all()) == []


def test_comparison_can_fail(engine):
    """The agreement test is not vacuous: an extra model column shows up as a difference."""
    original = load_all()
    copy = MetaData(naming_convention=original.naming_convention)
    for table in original.sorted_tables:
        table.to_metadata(copy)
    copy.tables["facility"].append_column(Column("not_migrated", Integer))
    diff = _diff(engine, copy)
    assert any(d[0] == "add_column" and d[3].name == "not_migrated" for d in diff)


def test_core_tables_exist(engine):
    names = set(inspect(engine).get_table_names())
    assert {
        "facility",
        "app_user",
        "audit_event",
        "encounter",
        "claim",
        "claim_line",
        "claim_version",
        "finding",
        "batch",
        "outbox",
        "submission_ledger",
    } <= names
