"""Shared fixtures. Database and broker fixtures are parametrised over backends:

- ``db_url``: SQLite always; PostgreSQL too when CLAIMS_TEST_DATABASE_URL is set. The schema is
  built from the Alembic migrations once per session (SQLite: a template file copied per test;
  PostgreSQL: a fresh schema per session, tables truncated after each test).
- ``broker``: StubBroker always; Redis too when CLAIMS_TEST_REDIS_URL is set (own namespace).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from claims.kit.db import make_engine, make_session_factory

PG_ENV = "CLAIMS_TEST_DATABASE_URL"
REDIS_ENV = "CLAIMS_TEST_REDIS_URL"

# PostgreSQL and Redis are added only when configured, so a SQLite-only run shows no skips.
DB_BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get(PG_ENV) else [])
BROKER_BACKENDS = ["stub"] + (["redis"] if os.environ.get(REDIS_ENV) else [])


@pytest.fixture(autouse=True)
def _clean_claims_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never inherit the developer's CLAIMS_* settings (except the test URLs)."""
    for key in list(os.environ):
        if key.startswith("CLAIMS_") and key not in (PG_ENV, REDIS_ENV, "CLAIMS_SHARED_DIR"):
            monkeypatch.delenv(key, raising=False)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from claims.migrate import upgrade

    path = tmp_path_factory.mktemp("db") / "template.db"
    upgrade(f"sqlite:///{path}")  # its engine is disposed: the WAL is checkpointed into the file
    return path


@pytest.fixture(scope="session")
def _pg_schema_url() -> Iterator[str]:
    from claims.migrate import upgrade

    base = os.environ[PG_ENV]
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    upgrade(url)
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=DB_BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database URL (one per test)."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        path = tmp_path / "test.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    url: str = request.getfixturevalue("_pg_schema_url")
    yield url
    _truncate_all(url)


def _truncate_all(url: str) -> None:
    from claims.models import load_all

    engine = make_engine(url)
    names = ", ".join(f'"{t.name}"' for t in load_all().sorted_tables)
    with engine.begin() as conn:
        # TRUNCATE does not fire the row-level triggers that keep audit_event append-only.
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as s:
        yield s


@pytest.fixture(params=BROKER_BACKENDS)
def broker(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A dramatiq broker with our actors declared: StubBroker, and Redis when configured."""
    from workers.broker import setup_broker

    if request.param == "stub":
        brk = setup_broker(None)
    else:
        brk = setup_broker(os.environ[REDIS_ENV], namespace=f"claims-test-{uuid.uuid4().hex[:8]}")
    yield brk
    try:
        brk.flush_all()
    finally:
        brk.close()
