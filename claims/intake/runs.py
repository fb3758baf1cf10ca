"""Import runs: the log row of every import, the upload kept in chunks for a background worker, and running an
import against the database with its progress. Never commits, except through the ``commit`` callable the
caller hands to :func:`run_import` (a background import commits after every batch; a request imports in its
own transaction).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import IO

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session, sessionmaker

from claims.audit import service as audit
from claims.auth.models import Role
from claims.auth.scope import Principal
from claims.catalogue.models import Facility
from claims.intake.mapping import EMPTY_MAPPING, CodeMapping
from claims.intake.models import ImportChunk, ImportRun
from claims.intake.records import IntakeFileError
from claims.intake.report import ImportReport
from claims.intake.repository import DbMappings, DbRepository
from claims.intake.service import BATCH_SIZE
from claims.intake.sources import buffered, import_stream, sniff
from claims.kit.errors import NotFound
from claims.kit.types import utcnow
from claims.submission import outbox

IMPORT_ACTOR = "import_upload"  # workers.intake.import_upload
CHUNK_BYTES = 1 << 20
#: Uploads up to this size are imported during the request; larger ones by a worker, with progress.
INLINE_LIMIT = 2 << 20


def create_run(
    session: Session, actor: Principal, *, source: str, fmt: str = "auto", facility_id: int | None = None
) -> ImportRun:
    """A new import log row (status ``queued``), for the actor's own facility when the actor is bound to one."""
    if not actor.sees_all_facilities:
        facility_id = actor.facility_id
    elif facility_id is not None and session.get(Facility, facility_id) is None:
        raise NotFound("facility not found")
    run = ImportRun(source=source[:255], format=fmt[:16], facility_id=facility_id, created_by=actor.username)
    session.add(run)
    session.flush()
    audit.record(session, actor, "import", run.id, "create", {"source": run.source, "format": fmt},
                 facility_id=facility_id)  # fmt: skip
    return run


def store_upload(session: Session, run: ImportRun, chunks: Iterable[bytes]) -> int:
    """Keep the upload in the database in chunks of :data:`CHUNK_BYTES`; returns its size."""
    size = seq = 0
    pending = b""
    for data in chunks:
        pending += data
        while len(pending) >= CHUNK_BYTES:  # core INSERTs: the chunks never stay in the session's memory
            session.execute(insert(ImportChunk).values(import_id=run.id, seq=seq, data=pending[:CHUNK_BYTES]))
            pending, seq, size = pending[CHUNK_BYTES:], seq + 1, size + CHUNK_BYTES
    if pending or seq == 0:
        session.execute(insert(ImportChunk).values(import_id=run.id, seq=seq, data=pending))
        size += len(pending)
    run.size_bytes = size
    session.flush()
    return size


def read_file_chunks(handle: IO[bytes], size: int = CHUNK_BYTES) -> Iterable[bytes]:
    while data := handle.read(size):
        yield data


class ChunkReader(io.RawIOBase):
    """The upload of an import read back chunk by chunk (one short query each, so memory stays flat)."""

    def __init__(self, factory: sessionmaker[Session], import_id: int) -> None:
        self.factory, self.import_id = factory, import_id
        self.seq, self.buffer = 0, b""
        self.done = False

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self.buffer and not self.done:
            with self.factory() as session:
                data = session.scalar(
                    select(ImportChunk.data).where(ImportChunk.import_id == self.import_id, ImportChunk.seq == self.seq)
                )
            if data is None:
                self.done = True
            else:
                self.buffer, self.seq = bytes(data), self.seq + 1
        count = min(len(target), len(self.buffer))
        target[:count] = self.buffer[:count]
        self.buffer = self.buffer[count:]
        return count


def queue_run(session: Session, actor: Principal, run: ImportRun) -> None:
    """Hand the import to a worker (outbox row in this transaction)."""
    outbox.enqueue(session, IMPORT_ACTOR, {"import_id": run.id}, f"intake.import:{run.id}", requested_by=actor.username)


def run_principal(run: ImportRun) -> Principal:
    """Who a background import acts as: its creator, limited to the run's facility when it has one."""
    if run.facility_id is None:
        return Principal(user_id=None, username=run.created_by, role=Role.admin, facility_id=None)
    return Principal(user_id=None, username=run.created_by, role=Role.billing, facility_id=run.facility_id)


def _copy_counts(run: ImportRun, report: ImportReport) -> None:
    run.records = report.records
    run.imported, run.updated, run.unchanged = report.imported, report.updated, report.unchanged
    run.failed, run.ignored, run.declared_count = report.failed, report.ignored, report.declared_count


def run_import(
    session: Session,
    actor: Principal,
    run: ImportRun,
    handle: IO[bytes],
    commit: Callable[[], None] | None = None,
    *,
    batch_size: int | None = None,
    mapping: CodeMapping | None = None,
) -> ImportReport:
    """Import ``handle`` for ``run``: store every record (each its own unit of work), queue pricing, keep the
    report on the run. ``commit`` is called after every batch (progress is visible to others) and at the end.
    ``mapping`` replaces the facilities' mapping tables for this run (a mapping file given to the CLI)."""
    commit = commit or session.flush
    run.status, run.started_at = "running", utcnow()
    facility_code = (
        session.scalar(select(Facility.ma_cskcb).where(Facility.id == run.facility_id)) if run.facility_id else None
    )
    buffer = buffered(handle)
    try:
        run.format = sniff(buffer, run.source, run.format)
    except IntakeFileError as exc:
        report = ImportReport(run.source, run.format)
        report.file_errors.append(str(exc))
        finish_run(session, actor, run, report)
        commit()
        return report
    commit()
    mappings: Callable[[str], CodeMapping] = DbMappings(session) if mapping is None else (lambda _code: mapping)
    repository = DbRepository(session, actor, import_id=run.id, source=run.format)

    def progress(report: ImportReport) -> None:
        _copy_counts(run, report)
        commit()

    report = import_stream(
        buffer, run.source, repository, fmt=run.format, facility_code=facility_code,
        mapping=mapping if mapping is not None else mappings(facility_code) if facility_code else EMPTY_MAPPING,
        mappings=mappings, progress=progress,
        batch_size=batch_size or BATCH_SIZE,
    )  # fmt: skip
    finish_run(session, actor, run, report)
    commit()
    return report


def finish_run(session: Session, actor: Principal, run: ImportRun, report: ImportReport) -> ImportReport:
    _copy_counts(run, report)
    run.report = report.as_dict()
    run.status = "failed" if report.file_errors and not report.records else "done"
    run.finished_at = utcnow()
    session.execute(delete(ImportChunk).where(ImportChunk.import_id == run.id))
    audit.record(
        session, actor, "import", run.id, "finish",
        {"status": run.status, "imported": report.imported, "updated": report.updated, "unchanged": report.unchanged,
         "failed": report.failed},
        facility_id=run.facility_id,
    )  # fmt: skip
    return report


def execute_queued(factory: sessionmaker[Session], import_id: int) -> ImportReport | None:
    """Run a queued import from its stored upload (the worker's job). Safe to run twice: a run that is no
    longer queued is left alone."""
    with factory() as session:
        run = session.get(ImportRun, import_id)
        if run is None or run.status != "queued":
            return None
        actor = run_principal(run)
        try:
            reader = io.BufferedReader(ChunkReader(factory, import_id), CHUNK_BYTES)
            return run_import(session, actor, run, reader, session.commit)
        except Exception as exc:
            session.rollback()
            run = session.get(ImportRun, import_id)
            assert run is not None
            report = ImportReport(run.source, run.format)
            report.file_errors.append(f"the import stopped: {type(exc).__name__}")
            run.status, run.finished_at, run.report = "failed", utcnow(), report.as_dict()
            audit.record(session, actor, "import", run.id, "failed", {"error": type(exc).__name__},
                         facility_id=run.facility_id)  # fmt: skip
            session.commit()
            raise
