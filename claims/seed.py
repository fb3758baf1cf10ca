"""Demo data for `claims seed-demo`: one facility, one user per role, synthetic encounters, then
whatever each domain's ``claims/<domain>/demo.py`` adds (see ``_run_domain_hooks``).

Idempotent: running it again reuses the facility and users and skips encounters already stored.
Never used in production (the CLI refuses when CLAIMS_ENV=production).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from claims.audit import service as audit
from claims.auth.models import Role, User
from claims.auth.scope import Principal, system_principal
from claims.auth.security import hash_password
from claims.catalogue.models import Facility
from claims.kit.db import begin_write, make_engine, make_session_factory

DEMO_PASSWORDS = {role.value: f"demo-{role.value}-2026" for role in Role}
CHUNK = 500


@dataclass
class SeedResult:
    facility_id: int
    facility_code: str
    encounters_added: int = 0
    encounters_total: int = 0
    claims_priced: int = 0
    logins: list[tuple[str, str]] = field(default_factory=list)
    warning: str | None = None
    notes: list[str] = field(default_factory=list)


def seed(database_url: str, *, encounters: int, seed: int, facility_code: str = "01999") -> SeedResult:
    from claims.encounter import service as encounter_service
    from claims.encounter.models import EncounterRecord

    actor = system_principal("seed-demo")
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    try:
        with factory() as session:
            begin_write(session)
            facility = session.scalar(select(Facility).where(Facility.ma_cskcb == facility_code))
            if facility is None:
                facility = Facility(
                    ma_cskcb=facility_code,
                    name="Bệnh viện Đa khoa Demo",
                    province=facility_code[:2],
                    hospital_class="II",
                    level="tỉnh",
                )
                session.add(facility)
                session.flush()
                audit.record(session, actor, "facility", facility.id, "create", {"ma_cskcb": facility_code},
                             facility_id=facility.id)  # fmt: skip
            result = SeedResult(facility_id=facility.id, facility_code=facility_code)
            for role, password in DEMO_PASSWORDS.items():
                username = role
                user = session.scalar(select(User).where(User.username == username))
                bound = Role(role) in (Role.billing, Role.finance)
                if user is None:
                    user = User(
                        username=username,
                        display_name=f"Demo {role}",
                        password_hash=hash_password(password),
                        role=role,
                        facility_id=facility.id if bound else None,
                    )
                    session.add(user)
                    session.flush()
                    audit.record(session, actor, "user", user.id, "create", {"username": username, "role": role},
                                 facility_id=user.facility_id)  # fmt: skip
                result.logins.append((username, password))
            session.commit()

        if encounters:
            try:
                from claims.demo.generator import generate_encounters

                batch = generate_encounters(encounters, seed, facility_code)
                first = next(batch, None)
            except ImportError as exc:  # the generator or its catalogue is not installed yet
                result.warning = f"encounters skipped: demo generator unavailable ({exc})"
                first = None
            session = factory()
            try:
                begin_write(session)
                stream = itertools.chain([first], batch) if first is not None else iter(())
                for n, enc in enumerate(stream, start=1):
                    payload = enc.model_dump(mode="json")
                    _, created = encounter_service.store(session, actor, facility.id, enc.claim_key, "demo", payload)
                    result.encounters_added += int(created)
                    if n % CHUNK == 0:
                        session.commit()
                        begin_write(session)
                session.commit()
                result.claims_priced = _price_all(session, actor, facility.id)
            finally:
                session.close()
        _run_domain_hooks(factory, actor, facility, seed, result)
        with factory() as session:
            from sqlalchemy import func

            result.encounters_total = int(
                session.scalar(
                    select(func.count()).select_from(EncounterRecord).where(EncounterRecord.facility_id == facility.id)
                )
                or 0
            )
        return result
    finally:
        engine.dispose()


def _run_domain_hooks(factory: Any, actor: Principal, facility: Facility, seed: int, result: SeedResult) -> None:
    """Call ``seed_demo(session, actor, facility, seed) -> str | None`` of every
    ``claims/<domain>/demo.py`` (catalogue rows, claims built from the encounters ...), each in its own
    transaction, in domain order. The returned line is printed by the CLI."""
    import importlib

    from claims.kit.discovery import domain_modules

    for name in domain_modules("demo"):
        hook = getattr(importlib.import_module(name), "seed_demo", None)
        if not callable(hook):
            continue
        with factory() as session:
            note = hook(session, actor, facility, seed)
            session.commit()
        if note:
            result.notes.append(str(note))


def _price_all(session: Any, actor: Any, facility_id: int) -> int:
    """Price every stored encounter that has no claim yet, a chunk per transaction."""
    from claims.catalogue.demo import demo_tariff
    from claims.pricing.service import price_and_store, unpriced_encounters

    tariff = demo_tariff()
    priced = 0
    while True:
        begin_write(session)
        facility = session.get(Facility, facility_id)
        records = unpriced_encounters(session, actor, facility_id, limit=CHUNK)
        if not records:
            session.rollback()
            return priced
        priced += len(price_and_store(session, actor, facility, records, tariff))
        session.commit()
