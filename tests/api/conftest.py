from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from claims.app import create_app
from claims.settings import Settings
from tests import factories


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, secret_key="test-secret-key-0123456789")


@pytest.fixture
def app(settings: Settings):
    return create_app(settings)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def world(app) -> factories.World:
    with app.state.session_factory() as s:
        return factories.world(s)


def token_for(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/auth/token", json={"username": username, "password": factories.PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture
def login(client):
    return lambda username: token_for(client, username)
