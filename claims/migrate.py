"""Run Alembic programmatically: ``claims migrate`` and the test fixtures use this."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from claims.kit.money import ExactDecimal
from claims.kit.types import UTCDateTime


def make_config(url: str | None = None, connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "claims:migrations")
    if url:
        # ConfigParser interpolation: a literal % must be doubled.
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(target: str | Engine, revision: str = "head") -> None:
    """Bring the database at ``target`` (URL or engine) up to ``revision``."""
    if isinstance(target, str):
        command.upgrade(make_config(target), revision)
        return
    with target.begin() as conn:
        command.upgrade(make_config(connection=conn), revision)


def downgrade(target: str, revision: str) -> None:
    command.downgrade(make_config(target), revision)


def revision(url: str, message: str) -> None:
    """Autogenerate a new migration script by comparing models with the database at ``url``."""
    command.revision(make_config(url), message=message, autogenerate=True)


def compare_type(
    _context: Any, _inspected: Any, metadata_column: Any, inspected_type: Any, metadata_type: Any
) -> bool | None:
    """Tell autogenerate how our TypeDecorators look once stored, so an unchanged schema shows no diff."""
    dialect = _context.dialect
    if isinstance(metadata_type, ExactDecimal | UTCDateTime):
        impl = metadata_type.load_dialect_impl(dialect)
        return bool(_context.impl.compare_type(_inspected, _as_column(metadata_column, impl)))
    return None  # default comparison


def _as_column(template: Any, type_: Any) -> Any:
    from sqlalchemy import Column

    return Column(template.name, type_)


def is_current(url: str) -> bool:
    """Whether the database at ``url`` is at the latest migration."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from claims.kit.db import make_engine

    heads = set(ScriptDirectory.from_config(make_config(url)).get_heads())
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()
    return current == heads
