"""Engine, sessions and the declarative Base (with a constraint naming convention so
migrations name constraints identically on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base for every table of the service."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Execution option marking a read-only transaction, which SQLite may begin DEFERRED.
SQLITE_READ_ONLY = "sqlite_read_only"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the pysqlite driver, emit BEGIN: SAVEPOINTs and transactional DDL then work.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # Writers must BEGIN IMMEDIATE: in WAL mode a deferred transaction that has read cannot take the
    # write lock while another connection holds it — SQLite fails at once with "database is locked"
    # instead of waiting (deadlock avoidance). Read-only transactions stay DEFERRED so readers never
    # wait for writers.
    read_only = conn.get_execution_options().get(SQLITE_READ_ONLY)
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def begin_read(session: Session) -> None:
    """Mark the session's next transaction as read-only (DEFERRED on SQLite, so it never waits
    for writers; no-op elsewhere). Call before its first query."""
    if session.in_transaction():
        return
    session.connection(execution_options={SQLITE_READ_ONLY: True})


def begin_write(session: Session) -> None:
    """Kept for explicitness: transactions are writers by default (BEGIN IMMEDIATE on SQLite)."""
    if session.in_transaction():
        return
    session.connection()


def make_engine(url: str, *, pool_size: int = 5, echo: bool = False) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout, and its folder is created."""
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo, "future": True}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
    return create_engine(url, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error. Services never commit."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
