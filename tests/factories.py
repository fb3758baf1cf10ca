"""Test data builders (rows written directly, as seed data would be)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from claims.auth.models import User
from claims.auth.security import hash_password
from claims.catalogue.models import Facility
from claims.claim.models import Claim, ClaimLine
from claims.encounter.models import EncounterRecord

PASSWORD = "correct-horse-battery"
_HASH: list[str] = []


def password_hash() -> str:
    if not _HASH:
        _HASH.append(hash_password(PASSWORD))
    return _HASH[0]


def facility(session: Session, code: str, name: str | None = None) -> Facility:
    f = Facility(ma_cskcb=code, name=name or f"Bệnh viện {code}", province="01", hospital_class="II", level="tỉnh")
    session.add(f)
    session.flush()
    return f


def user(session: Session, username: str, role: str, facility_id: int | None) -> User:
    u = User(username=username, password_hash=password_hash(), role=role, facility_id=facility_id)
    session.add(u)
    session.flush()
    return u


def encounter(session: Session, facility_id: int, ma_lk: str) -> EncounterRecord:
    e = EncounterRecord(
        facility_id=facility_id,
        ma_lk=ma_lk,
        source="test",
        payload={"ma_lk": ma_lk},
        content_hash=ma_lk.ljust(64, "0")[:64],
    )
    session.add(e)
    session.flush()
    return e


def claim(session: Session, facility_id: int, ma_lk: str, status: str = "imported") -> Claim:
    c = Claim(
        facility_id=facility_id,
        ma_lk=ma_lk,
        period="202611",
        status=status,
        t_tongchi_bv=Decimal("150000.00"),
        t_bhtt=Decimal("120000.00"),
    )
    c.lines.append(
        ClaimLine(
            table_name="XML3",
            stt=1,
            code="02.1896",
            so_luong=Decimal(1),
            don_gia_bv=Decimal("150000"),
            thanh_tien_bv=Decimal("150000.00"),
        )
    )
    session.add(c)
    session.flush()
    return c


@dataclass
class World:
    """Two facilities A and B, each with users of every role and one claim + encounter."""

    facility_a: Facility
    facility_b: Facility
    claim_a: Claim
    claim_b: Claim
    encounter_a: EncounterRecord
    encounter_b: EncounterRecord
    users: dict[str, User]


def world(session: Session) -> World:
    fa, fb = facility(session, "01001"), facility(session, "79002")
    users = {
        "billing_a": user(session, "billing_a", "billing", fa.id),
        "finance_a": user(session, "finance_a", "finance", fa.id),
        "billing_b": user(session, "billing_b", "billing", fb.id),
        "finance_b": user(session, "finance_b", "finance", fb.id),
        "insurer": user(session, "insurer", "insurer", None),
        "admin": user(session, "admin", "admin", None),
    }
    w = World(
        fa,
        fb,
        claim(session, fa.id, "A-LK-0001"),
        claim(session, fb.id, "B-SECRET-LK-0001"),
        encounter(session, fa.id, "A-LK-0001"),
        encounter(session, fb.id, "B-SECRET-LK-0001"),
        users,
    )
    session.commit()
    return w
