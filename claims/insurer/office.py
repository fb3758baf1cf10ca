"""Composition of a working office: the SQL store, the full validator and the tariff assessor, on one
database. Used by ``claims insurer serve`` (a database of its own) and mounted at ``/gateway`` inside
``claims serve`` (the hospital's database: the ``office_*`` tables; see ``claims.app.EXTRA_MOUNTS``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine

import rules
from claims.insurer.assessor import TariffAssessor, facility_profile
from claims.insurer.endpoints import create_gateway_app
from claims.insurer.faults import FaultConfig
from claims.insurer.schemas import RegisteredFacility
from claims.insurer.sqlstore import SqlGatewayStore
from claims.insurer.validation import OfficeValidator, minimal_validator
from claims.kit.db import make_session_factory


def office_tariff() -> rules.Tariff:
    """The tariff the office prices with (the demo tariff until an office catalogue is loaded)."""
    from claims.catalogue.demo import demo_tariff

    return demo_tariff()


def tariff_assessor(store: SqlGatewayStore, tariff: rules.Tariff | None = None) -> TariffAssessor:
    """An assessor over ``tariff`` that prices each facility at the class and level it registered."""

    @lru_cache(maxsize=256)
    def facility_for(code: str) -> rules.Facility:
        registered = next((f for f in store.facilities() if f.facility_code == code), None)
        if registered is None:
            return rules.Facility(code=code)
        return facility_profile(code, registered.level, registered.hospital_class)

    return TariffAssessor(tariff or office_tariff(), facility_for)


def create_office_app(
    engine: Engine,
    *,
    faults: FaultConfig | None = None,
    require_signature: bool = True,
    validate: bool = True,
    assess_every: float | None = None,
    **kwargs: Any,
) -> FastAPI:
    """The office gateway over the ``office_*`` tables of ``engine``'s database; ``assess_every`` seconds: assess
    in a background thread as claims arrive (else when results are asked for)."""
    store = SqlGatewayStore(make_session_factory(engine))
    return create_gateway_app(
        store,
        validator=OfficeValidator() if validate else minimal_validator,
        assessor=tariff_assessor(store),
        assess_every=assess_every,
        faults=faults,
        require_signature=require_signature,
        **kwargs,
    )


CONFIG_ENV = "CLAIMS_OFFICE_SERVE_CONFIG"


def app_from_env() -> FastAPI:
    """uvicorn factory of ``claims insurer serve`` (one per worker process): the configuration is the JSON
    that the command put in ``$CLAIMS_OFFICE_SERVE_CONFIG`` (database URL, faults, signature and validation)."""
    import json
    import os

    from claims.kit.db import make_engine

    config = json.loads(os.environ[CONFIG_ENV])
    faults = FaultConfig(**config.get("faults", {}))
    engine = make_engine(config["database_url"], pool_size=config.get("pool_size", 10))
    return create_office_app(
        engine, faults=faults, require_signature=config.get("require_signature", True),
        validate=config.get("validate", True), assess_every=config.get("assess_every"),
    )  # fmt: skip


def embedded_gateway(settings: Any, engine: Engine) -> FastAPI:
    """The office mounted at ``/gateway`` of ``claims serve``: same database as the hospital (its own tables).

    Signatures are required when the hospital signs (``CLAIMS_SIGNING_P12`` set, as ``make run`` does), so
    that a fresh ``claims serve`` without a certificate can still send to its embedded office."""
    return create_office_app(engine, require_signature=settings.signing_p12 is not None, assess_every=5.0)


def demo_account(
    facility_code: str, password: str, *, p12: Any = None, p12_password: str = "", **profile: str | None
) -> RegisteredFacility:
    """The demo facility account ``<code>_BV`` with the certificate of the hospital's PKCS#12 file, if any."""
    from pathlib import Path

    from claims.portal import password_hash

    certificate = None
    if p12 is not None and Path(p12).is_file():
        from claims.submission.signing import Pkcs12Signer

        certificate = Pkcs12Signer.from_file(p12, p12_password or None).certificate
    return RegisteredFacility(
        f"{facility_code}_BV",
        password_hash(password),
        facility_code,
        certificate,
        profile.get("hospital_class"),
        profile.get("level"),
    )
