"""The office mounted at /gateway inside `claims serve`, and the demo account seed-demo registers there."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from claims.app import create_app
from claims.auth.scope import system_principal
from claims.insurer.demo import seed_demo
from claims.insurer.models import OfficeFacility
from claims.portal import password_hash
from claims.portal import protocol as p
from claims.settings import get_settings, load_settings
from tests import factories


def test_claims_serve_mounts_the_office_gateway(db_url: str) -> None:
    app = create_app(load_settings(database_url=db_url))
    with TestClient(app) as client:
        stats = client.get("/gateway/api/ext/stats")
        assert stats.status_code == 200 and stats.json()["claims"] == 0
        refused = client.post("/gateway" + p.TOKEN_PATH, data={"username": "nobody_BV", "password": "X" * 32})
        assert refused.json()["maKetQua"] == p.UNAUTHENTICATED


def test_seed_demo_registers_the_facility_account_with_its_certificate(
    session: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from claims.submission.signing import write_demo_certificate

    p12, _pem = write_demo_certificate(tmp_path, "01999", password="demo")
    monkeypatch.setenv("CLAIMS_SIGNING_P12", str(p12))
    monkeypatch.setenv("CLAIMS_SIGNING_P12_PASSWORD", "demo")
    get_settings.cache_clear()
    try:
        facility = factories.facility(session, "01999")
        note = seed_demo(session, system_principal("seed"), facility, 1)
        seed_demo(session, system_principal("seed"), facility, 1)  # idempotent
        session.commit()
        rows = session.scalars(select(OfficeFacility)).all()
        assert len(rows) == 1 and rows[0].username == "01999_BV" and rows[0].certificate_pem
        assert rows[0].password_md5 == password_hash(get_settings().gateway_password)
        assert (rows[0].hospital_class, rows[0].level) == ("II", "tỉnh") and note and "certificate" in note
    finally:
        get_settings.cache_clear()


def test_the_web_office_pages_see_the_mounted_office(db_url: str) -> None:
    app = create_app(load_settings(database_url=db_url))
    assert app.state.office_gateway.store is not None


def test_a_claim_sent_to_gateway_of_claims_serve_is_received_and_assessed(db_url: str) -> None:
    """Unsigned (no CLAIMS_SIGNING_P12): the embedded office takes unsigned files, validates and assesses them."""
    import asyncio
    import json

    import httpx

    from claims.insurer import RegisteredFacility
    from claims.portal import FacilityAccount, GatewayClient
    from tests.insurer.claims_support import demo_claims

    app = create_app(load_settings(database_url=db_url))
    app.state.office_gateway.store.add_facility(
        RegisteredFacility("01999_BV", password_hash("pw"), "01999", None, "II", "tỉnh")
    )
    account = FacilityAccount.from_password("01999_BV", "pw", "01999")
    hoso, envelope = demo_claims()[0]

    async def scenario() -> bytes:
        transport = httpx.ASGITransport(app=app)
        async with GatewayClient("http://hospital.test/gateway", transport=transport) as client:
            receipt = await client.submit(account, envelope, ma_lk=hoso.ma_lk)
            assert receipt.ok and receipt.transaction_id
            return await client.fetch_results(account, "2026-10")

    try:
        payload = json.loads(asyncio.run(scenario()))
    finally:
        app.state.office_gateway.stop_assessing()
    [result] = payload["results"]
    assert result["ma_lk"] == hoso.ma_lk and result["status"] == "accepted" and result["lines"]
