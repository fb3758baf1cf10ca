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
