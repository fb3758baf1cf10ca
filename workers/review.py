"""Review actor: check stored claims with the rule catalogue. Thin: takes ids, reloads, safe to run twice
(the service only touches claims still in a checkable status and replaces its own findings)."""

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


def run(factory: sessionmaker[Session], claim_ids: list[int]) -> None:
    """One transaction: run the checks on the claims and commit (the actor's body, callable in tests)."""
    from claims.auth.scope import system_principal
    from claims.kit.db import begin_write
    from claims.review.service import run_checks

    with factory() as session:
        begin_write(session)
        outcome = run_checks(session, system_principal("review"), claim_ids=claim_ids)
        session.commit()
    log.info(
        "claims.checked",
        claims=outcome.claims,
        findings=outcome.findings,
        checked=len(outcome.to_checked),
        needs_fix=len(outcome.to_needs_fix),
    )


@actor(queue_name="review", max_retries=3)
def check_claims(claim_ids: list[int]) -> None:
    """Check the claims (queued by pricing through the outbox)."""
    run(_sessions(), claim_ids)
