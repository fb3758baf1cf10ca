"""Test data builders (rows written directly, as seed data would be)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from claims.auth.models import User
from claims.auth.security import hash_password
from claims.catalogue.models import Facility
from claims.claim.models import Claim, ClaimLine, ClaimVersion
from claims.encounter.models import EncounterRecord
from claims.review.models import Finding
from claims.submission.models import Batch, SubmissionLedger

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
            trace=[{"rule": "LINE.TARIFF", "explain": "1 × 150000.000 = 150000.00"}],
        )
    )
    session.add(c)
    session.flush()
    return c


def batch(session: Session, facility_id: int) -> Batch:
    b = Batch(facility_id=facility_id, period="202611", created_by="seed")
    session.add(b)
    session.flush()
    return b


def finding(session: Session, c: Claim) -> Finding:
    f = Finding(
        claim_id=c.id,
        claim_line_id=c.lines[0].id,
        facility_id=c.facility_id,
        code="T001",
        severity="error",
        table_name="XML3",
        record=1,
        field="DON_GIA_BH",
        message="test finding",
    )
    session.add(f)
    session.flush()
    return f


def version(session: Session, c: Claim) -> ClaimVersion:
    v = ClaimVersion(
        claim_id=c.id,
        facility_id=c.facility_id,
        version=c.version,
        frozen_by="seed",
        reason="sent",
        snapshot={"ma_lk": c.ma_lk},
        snapshot_hash="0" * 64,
    )
    session.add(v)
    session.flush()
    return v


def ledger(session: Session, c: Claim, b: Batch) -> SubmissionLedger:
    row = SubmissionLedger(
        claim_id=c.id, facility_id=c.facility_id, batch_id=b.id, version=c.version, attempt=1, envelope_hash="0" * 64
    )
    session.add(row)
    session.flush()
    return row


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
    batch_b: Batch | None = None
    finding_b: Finding | None = None
    version_b: ClaimVersion | None = None
    ledger_b: SubmissionLedger | None = None

    def b_ids(self) -> dict[str, object]:
        """Path parameter values pointing at facility B's records, by parameter name. A new route
        with a path parameter for a facility-scoped record: add its name here."""
        assert self.batch_b and self.finding_b and self.version_b and self.ledger_b
        return {
            "claim_id": self.claim_b.id,
            "encounter_id": self.encounter_b.id,
            "facility_id": self.facility_b.id,
            "user_id": self.users["billing_b"].id,
            "line_id": self.claim_b.lines[0].id,
            "claim_line_id": self.claim_b.lines[0].id,
            "batch_id": self.batch_b.id,
            "finding_id": self.finding_b.id,
            "version_id": self.version_b.id,
            "version": self.version_b.version,
            "ledger_id": self.ledger_b.id,
            "ma_lk": self.claim_b.ma_lk,
            "ma_cskcb": self.facility_b.ma_cskcb,
        }


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
    # Give A the same kinds of records so ids of A and B differ per table.
    batch(session, fa.id)
    w.batch_b = batch(session, fb.id)
    finding(session, w.claim_a)
    w.finding_b = finding(session, w.claim_b)
    version(session, w.claim_a)
    w.version_b = version(session, w.claim_b)
    w.ledger_b = ledger(session, w.claim_b, w.batch_b)
    session.commit()
    return w
