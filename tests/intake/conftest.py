"""The API fixtures (app, client, world, login) for the intake endpoint tests."""

from tests.api.conftest import app, client, login, settings, world  # noqa: F401 - fixtures
