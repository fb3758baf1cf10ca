"""Intake actors: thin, take ids, reload state, safe to run twice.

- ``import_upload``: run a queued import from its stored upload (progress on the import row).
- ``price_imported``: price imported encounters into claims (checks are then queued by pricing).
- ``verify_declared``: verify the amounts of claims an XML 130 file declared against our pricing.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy.orm import Session, sessionmaker

from claims.logging import get_logger
from workers.broker import actor

log = get_logger(__name__)


@cache
def _sessions() -> sessionmaker[Session]:
    from claims.kit.db import make_engine, make_session_factory
    from claims.settings import get_settings

    return make_session_factory(make_engine(get_settings().database_url))


def run_import(factory: sessionmaker[Session], import_id: int) -> None:
    from claims.intake.runs import execute_queued

    report = execute_queued(factory, import_id)
    if report is not None:
        log.info("intake.imported", import_id=import_id, imported=report.imported, updated=report.updated,
                 unchanged=report.unchanged, failed=report.failed)  # fmt: skip


def run_pricing(factory: sessionmaker[Session], encounter_ids: list[int]) -> None:
    from claims.auth.scope import system_principal
    from claims.intake.pipeline import price_imported
    from claims.kit.db import begin_write

    with factory() as session:
        begin_write(session)
        outcome = price_imported(session, system_principal("intake"), encounter_ids)
        session.commit()
    log.info("intake.priced", claims=len(outcome.claims), skipped=outcome.skipped)


def run_verification(factory: sessionmaker[Session], claim_ids: list[int]) -> None:
    from claims.auth.scope import system_principal
    from claims.intake.pipeline import verify_declared
    from claims.kit.db import begin_write

    with factory() as session:
        begin_write(session)
        outcome = verify_declared(session, system_principal("intake"), claim_ids)
        session.commit()
    log.info("intake.verified", claims=len(outcome.claims), differences=outcome.differences)


@actor(queue_name="intake", max_retries=3, time_limit=6 * 3600 * 1000)
def import_upload(import_id: int) -> None:
    """Import an uploaded file (queued by POST /api/imports for large files)."""
    run_import(_sessions(), import_id)


@actor(queue_name="pricing", max_retries=3)
def price_imported(encounter_ids: list[int]) -> None:
    """Price freshly imported encounters (queued by the import, one message per batch)."""
    run_pricing(_sessions(), encounter_ids)


@actor(queue_name="pricing", max_retries=3)
def verify_declared(claim_ids: list[int]) -> None:
    """Verify claims declared by an XML 130 file against our pricing (queued by the import)."""
    run_verification(_sessions(), claim_ids)
