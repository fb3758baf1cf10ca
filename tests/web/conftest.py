"""Web UI fixtures: an app over the test database with two facilities of priced demo claims, one of
them blocked by a finding, and a client helper that signs in through the form (with its CSRF token)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from claims.app import create_app
from claims.auth.scope import system_principal
from claims.catalogue.demo import demo_tariff
from claims.claim.models import Claim
from claims.demo.generator import generate_encounters
from claims.encounter import service as encounter_service
from claims.pricing.service import price_and_store
from claims.settings import Settings
from tests import factories

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
BLOCKED_CATEGORY = "9.99"  # a patient category with no benefit factor: pricing reports an error


@dataclass
class WebWorld:
    world: factories.World
    blocked_id: int  # facility A's claim with a blocking finding
    a_claims: list[int]
    b_claims: list[int]
    b_ma_lks: list[str]


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


def seed_priced(session, facility, count: int, seed: int, blocked: int | None = None) -> list[int]:
    actor = system_principal("test")
    records = []
    for n, enc in enumerate(generate_encounters(count, seed, facility.ma_cskcb, expired_card_share=0)):
        if n == blocked:
            enc = enc.model_copy(update={"patient_category": BLOCKED_CATEGORY})
        payload = enc.model_dump(mode="json")
        rec, _ = encounter_service.store(session, actor, facility.id, enc.claim_key, "demo", payload)
        records.append(rec)
    outcomes = price_and_store(session, actor, facility, records, demo_tariff())
    return [o.claim.id for o in outcomes]


@pytest.fixture
def web_world(app) -> WebWorld:
    with app.state.session_factory() as s:
        world = factories.world(s)
        s.add(world.facility_a)
        s.add(world.facility_b)
        a_ids = seed_priced(s, world.facility_a, 6, 11, blocked=0)
        b_ids = seed_priced(s, world.facility_b, 4, 22)
        s.commit()
        b_ma_lks = list(s.scalars(select(Claim.ma_lk).where(Claim.facility_id == world.facility_b.id)))
        blocked = s.scalar(select(Claim.id).where(Claim.id == a_ids[0]))
        assert blocked is not None
        return WebWorld(world, blocked, a_ids, b_ids, b_ma_lks)


def csrf_of(client: TestClient, path: str = "/login") -> str:
    page = client.get(path)
    found = TOKEN.search(page.text)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = factories.PASSWORD) -> None:
    client.cookies.clear()
    r = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": csrf_of(client)},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303, r.text


def post_form(client: TestClient, path: str, data: dict[str, str], token_page: str = "/") -> httpx.Response:
    return client.post(path, data={**data, "csrf_token": csrf_of(client, token_page)}, follow_redirects=False)
