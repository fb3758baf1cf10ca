"""Alembic environment: migrations run programmatically (claims.migrate) on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from claims.kit.db import make_engine
from claims.migrate import compare_type
from claims.models import load_all

config = context.config
target_metadata = load_all()


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=compare_type,
        compare_server_default=False,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as conn:
            _configure(conn)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():  # pragma: no cover - we never generate SQL scripts offline
    raise SystemExit("offline migrations are not supported; run `claims migrate`")
run_migrations_online()
