"""Long actions started from a page run in a background thread of the web process; their progress
is a ``web_job`` row that any process can read (the page polls ``/jobs/{id}/progress``).

The job owns its transactions (services never commit): each step commits, then the row is updated
in its own short transaction so a poll sees the step at once. A failure is recorded on the row with
the domain error's message (never personal data) and the work done so far stays committed.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from claims.auth.scope import Principal
from claims.kit.errors import DomainError
from claims.logging import get_logger
from claims.web.models import WebJob

log = get_logger(__name__)
# Two threads: one long job never blocks another user's; the database does the heavy work.
_EXECUTOR = ThreadPoolExecutor(max_workers=2, thread_name_prefix="web-job")

Report = Callable[[int, int], None]
"""``report(done, total)``: called by a job after each committed step."""

Work = Callable[[Session, Principal, WebJob, Report], str | None]
"""The job's body: does its steps (committing each), returns a short outcome message."""


def start(
    sessions: sessionmaker[Session],
    who: Principal,
    kind: str,
    facility_id: int,
    work: Work,
    *,
    period: str | None = None,
    result_url: str | None = None,
) -> str:
    """Record a queued job and run ``work`` in the background; returns the job id."""
    who.ensure_visible(facility_id, "facility")
    job_id = secrets.token_hex(16)
    with sessions() as session:
        session.add(WebJob(id=job_id, kind=kind, facility_id=facility_id, period=period, created_by=who.username,
                           state="queued", done=0, total=0, result_url=result_url))  # fmt: skip
        session.commit()
    future: Future[None] = _EXECUTOR.submit(_run, sessions, who, job_id, work)
    future.add_done_callback(_log_crash)
    return job_id


def _update(sessions: sessionmaker[Session], job_id: str, **values: Any) -> None:
    with sessions() as session:
        job = session.get(WebJob, job_id)
        if job is not None:
            for key, value in values.items():
                setattr(job, key, value)
            session.commit()


def _run(sessions: sessionmaker[Session], who: Principal, job_id: str, work: Work) -> None:
    _update(sessions, job_id, state="running")

    def report(done: int, total: int) -> None:
        _update(sessions, job_id, done=done, total=total)

    with sessions() as session:
        job = session.get(WebJob, job_id)
        assert job is not None
        session.expunge(job)  # a plain record of what to do; the work's transactions start fresh
        session.commit()
        try:
            message = work(session, who, job, report)
        except DomainError as exc:
            session.rollback()
            _update(sessions, job_id, state="failed", message=exc.message[:500])
            return
        except Exception as exc:  # recorded for the page; the log has the traceback
            session.rollback()
            log.exception("web.job_failed", job_id=job_id, kind=job.kind)
            _update(sessions, job_id, state="failed", message=type(exc).__name__)
            return
    _update(sessions, job_id, state="done", message=(message or "")[:500])


def _log_crash(future: Future[None]) -> None:
    if future.exception() is not None:
        log.error("web.job_crashed", error=type(future.exception()).__name__)


def visible_job(session: Session, who: Principal, job_id: str) -> WebJob | None:
    return session.scalar(who.restrict(select(WebJob).where(WebJob.id == job_id), WebJob.facility_id))


def recent(session: Session, who: Principal, facility_id: int, limit: int = 10) -> list[WebJob]:
    stmt = select(WebJob).where(WebJob.facility_id == facility_id).order_by(WebJob.created_at.desc()).limit(limit)
    return list(session.scalars(who.restrict(stmt, WebJob.facility_id)))


# The jobs -----------------------------------------------------------------------------------------


def reconcile_period(period: str) -> Work:
    """Match the period's answers and payments, rebuild variances and denials, move claim statuses."""

    def work(session: Session, who: Principal, job: WebJob, report: Report) -> str:
        from claims.remittance import service as remittance

        report(0, 2)
        counts = remittance.reconcile(session, who, job.facility_id, period)
        session.commit()
        report(1, 2)
        statuses = counts.get("statuses", {})
        moved = sum(int(n) for n in statuses.values()) if isinstance(statuses, dict) else 0
        report(2, 2)
        return f"answers={counts.get('answers_exact', 0)} lines={counts.get('lines_exact', 0)} moved={moved}"

    return work


PRICE_CHUNK = 200


def price_encounters(tariff: Any) -> Work:
    """Price the facility's stored encounters that have no claim yet, a chunk per committed step. A record
    that does not read as an encounter is skipped and counted (it stays for the import to correct)."""

    def work(session: Session, who: Principal, job: WebJob, report: Report) -> str:
        from pydantic import ValidationError
        from sqlalchemy import func

        from claims.catalogue.models import Facility
        from claims.claim.models import Claim
        from claims.encounter.models import EncounterRecord
        from claims.encounter.schemas import Encounter
        from claims.pricing.service import price_and_store

        facility = session.get(Facility, job.facility_id)
        assert facility is not None
        who.ensure_visible(facility.id, "facility")
        priced_ids = select(Claim.encounter_id).where(Claim.facility_id == facility.id,
                                                      Claim.encounter_id.is_not(None))  # fmt: skip
        unpriced = select(EncounterRecord).where(EncounterRecord.facility_id == facility.id,
                                                 EncounterRecord.id.not_in(priced_ids))  # fmt: skip
        total = int(session.scalar(select(func.count()).select_from(unpriced.subquery())) or 0)
        done = skipped = after = 0
        report(done, total)
        while True:
            records = list(session.scalars(unpriced.where(EncounterRecord.id > after)
                                           .order_by(EncounterRecord.id).limit(PRICE_CHUNK)))  # fmt: skip
            if not records:
                break
            after = records[-1].id
            readable = []
            for record in records:
                try:
                    Encounter.model_validate(record.payload)
                except ValidationError:
                    skipped += 1
                    continue
                readable.append(record)
            if readable:
                price_and_store(session, who, facility, readable, tariff)
                session.commit()
            done += len(records)
            report(min(done, total), total)
        return f"priced={done - skipped} skipped={skipped}"

    return work
