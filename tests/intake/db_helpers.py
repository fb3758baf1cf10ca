"""Helpers of the database tests of intake: facilities, running an import like a worker does."""

from __future__ import annotations

import io
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from claims.auth.scope import Principal, system_principal
from claims.encounter.schemas import Encounter
from claims.intake.report import ImportReport
from claims.intake.runs import create_run, run_import
from claims.intake.tabular import write_csv
from claims.submission.models import OutboxMessage
from tests import factories

ADMIN = system_principal("test")


def csv_bytes(encounters: Iterable[Encounter], declared: int | None = None) -> bytes:
    text = io.StringIO()
    write_csv(encounters, text, declared=declared)
    return text.getvalue().encode("utf-8")


def import_bytes(
    factory: sessionmaker[Session],
    data: bytes,
    name: str = "encounters.csv",
    actor: Principal = ADMIN,
    facility_id: int | None = None,
    batch_size: int | None = None,
) -> tuple[int, ImportReport]:
    """Import ``data`` the way a worker does (commit after every batch); returns the run id and report."""
    with factory() as session:
        run = create_run(session, actor, source=name, facility_id=facility_id)
        report = run_import(session, actor, run, io.BytesIO(data), session.commit, batch_size=batch_size)
        session.commit()
        return run.id, report


def facilities(factory: sessionmaker[Session], *codes: str) -> list[int]:
    with factory() as session:
        ids = [factories.facility(session, code).id for code in codes]
        session.commit()
    return ids


def outbox_payloads(session: Session, topic: str) -> list[dict]:
    return [row.payload for row in session.scalars(select(OutboxMessage).where(OutboxMessage.topic == topic))]


def count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)
