"""The API fixtures (app, client, world, login) for the intake endpoint tests; structlog left as found."""

from collections.abc import Iterator

import pytest
import structlog

from tests.api.conftest import app, client, login, settings, world  # noqa: F401 - fixtures


@pytest.fixture(autouse=True)
def _structlog_as_found() -> Iterator[None]:
    """Apps built here configure structlog to cache loggers on first use; put the configuration back, so a
    later test capturing logs (structlog.testing.capture_logs) still sees loggers first used after it."""
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)
