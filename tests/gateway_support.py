"""Shared fixtures of the gateway tests (submission, portal, insurer): demo certificates, envelopes."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from claims.submission.signing import Pkcs12Signer, create_demo_certificate

NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def demo_signer(facility_code: str = "01001") -> Pkcs12Signer:
    """A cached self-signed signer per facility (key generation is slow)."""
    return _signer(facility_code)


@lru_cache(maxsize=8)
def _signer(facility_code: str) -> Pkcs12Signer:
    p12, _pem = create_demo_certificate(facility_code, password="demo-pass", now=NOW)
    return Pkcs12Signer.from_bytes(p12, "demo-pass")


def shared_dir() -> Path | None:
    """`../shared` beside the repository, or CLAIMS_SHARED_DIR; None when absent (tests then skip)."""
    candidates = [os.environ.get("CLAIMS_SHARED_DIR"), Path(__file__).resolve().parents[1] / ".." / "shared"]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


class FakeClock:
    """A settable UTC clock shared by the office app and the client (or one each)."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        from datetime import timedelta

        self.now += timedelta(**kwargs)


PASSWORD = "secret-01001"


def office(
    *facilities: str,
    clock: FakeClock | None = None,
    faults: object | None = None,
    **kwargs: object,
) -> tuple[object, object]:
    """An office app with the given facilities registered (``<code>_BV`` / ``secret-<code>``); (app, store)."""
    from claims.insurer import InMemoryGatewayStore, RegisteredFacility, create_gateway_app
    from claims.portal import password_hash

    store = InMemoryGatewayStore()
    for code in facilities or ("01001",):
        store.add_facility(
            RegisteredFacility(f"{code}_BV", password_hash(f"secret-{code}"), code, demo_signer(code).certificate)
        )
    app = create_gateway_app(store, clock=clock or FakeClock(), faults=faults, **kwargs)  # type: ignore[arg-type]
    return app, store


def account(code: str = "01001"):
    from claims.portal import FacilityAccount

    return FacilityAccount.from_password(f"{code}_BV", f"secret-{code}", code)


def client_for(app: object, clock: FakeClock | None = None, **kwargs: object):
    import httpx

    from claims.portal import GatewayClient

    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    return GatewayClient("http://office.test", transport=transport, clock=clock or FakeClock(), **kwargs)  # type: ignore[arg-type]


def signed_claim(ma_lk: str, code: str = "01001", **kwargs: str) -> bytes:
    from claims.exchange.envelope_probe import minimal_envelope
    from claims.exchange.signature import sign_document

    return sign_document(minimal_envelope(code, ma_lk, **kwargs), demo_signer(code))
