"""Actors: thin, take ids, reload state, safe to run twice. Domains add theirs in their own
modules under workers/ and import them here so `claims worker` loads them."""

from __future__ import annotations

from claims.logging import get_logger
from workers.broker import actor

log = get_logger(__name__)


@actor(queue_name="default", max_retries=3)
def ping(note: str = "") -> None:
    """A no-op job used by health checks and tests of the wiring."""
    log.info("ping", note=note)


import workers.intake  # noqa: E402 - declares the intake actors
import workers.results  # noqa: E402 - declares the result polling actor
import workers.review  # noqa: E402 - declares the review actors
import workers.submission  # noqa: E402, F401 - declares the submission actors
