"""Result polling: fetch a facility's assessment results and payment notices of a period from the office,
store them and reconcile. Thin: takes ids, reloads, safe to run twice (an identical answer is recognised by
its hash and not stored again)."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from claims.logging import get_logger
from claims.portal.errors import GatewayRetryable
from workers.broker import actor

log = get_logger(__name__)


@cache
def _context() -> dict[str, Any]:
    from claims.kit.db import make_engine, make_session_factory
    from claims.portal.sync import SyncGateway
    from claims.settings import get_settings

    settings = get_settings()
    return {
        "sessions": make_session_factory(make_engine(settings.database_url)),
        "gateway": SyncGateway(settings.gateway_url),
        "password": settings.gateway_password,
    }


def run(factory: sessionmaker[Session], gateway: Any, password: str, facility_id: int, period: str) -> Any:
    """One transaction: fetch, store, reconcile, commit (the actor's body, callable in tests and the CLI)."""
    from claims.auth.scope import system_principal
    from claims.catalogue.models import Facility
    from claims.kit.db import begin_write
    from claims.portal.schemas import FacilityAccount
    from claims.remittance.fetch import fetch_answers

    with factory() as session:
        begin_write(session)
        facility = session.get(Facility, facility_id)
        if facility is None:
            log.warning("results.no_facility", facility_id=facility_id)
            return None
        account = FacilityAccount.from_password(f"{facility.ma_cskcb}_BV", password, facility.ma_cskcb)
        outcome = fetch_answers(session, system_principal("results"), facility_id, period, gateway, account)
        session.commit()
    log.info("results.fetched", facility=outcome.facility_code, period=outcome.period, results=outcome.results,
             notices=outcome.notices, new=outcome.new_answers)  # fmt: skip
    return outcome


def _retry_transport_failures(retries: int, exception: Exception) -> bool:
    return isinstance(exception, GatewayRetryable) and retries < 5


@actor(queue_name="results", max_retries=5, min_backoff=2_000, max_backoff=300_000,
       retry_when=_retry_transport_failures)  # fmt: skip
def fetch_results(facility_id: int, period: str) -> None:
    """Fetch the office's results and notices of ``period`` (yyyy-mm) for the facility, store, reconcile."""
    context = _context()
    run(context["sessions"], context["gateway"], context["password"], facility_id, period)
