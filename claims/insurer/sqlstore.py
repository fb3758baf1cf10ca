"""The office gateway's durable store: :class:`GatewayStore` over SQLAlchemy (SQLite or PostgreSQL).

The store is the office app's persistence boundary (the gateway has no other transaction owner), so each
method is one short transaction of its own.

Exactly-once counting: :meth:`SqlGatewayStore.record` makes sure the key row of (kind, facility, MA_LK)
exists (an insert that tolerates losing the race), then locks it (``SELECT … FOR UPDATE``; SQLite serialises
writers anyway) and decides under the lock whether the bytes are the current version (a duplicate: counted
as such, no new version), a changed resend (a new version; the earlier one is marked replaced) or the first
version. ``UNIQUE (key_id, version)`` and ``UNIQUE (maGiaoDich)`` back that up in the schema.

Facilities and tokens are read through a small per-process cache: they are read on every call and change
rarely (a token never changes once issued; a facility's account is re-read after ``facility_ttl``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer, sessionmaker

from claims.insurer.models import (
    OfficeAssessment,
    OfficeAssessmentLine,
    OfficeDocument,
    OfficeDocumentKey,
    OfficeFacility,
    OfficeNotice,
    OfficeRefusal,
    OfficeToken,
)
from claims.insurer.schemas import (
    AssessedLine,
    AssessmentResult,
    DisallowanceReason,
    DocumentKind,
    GatewayStats,
    IssuedToken,
    PaymentNotice,
    ReceivedDocument,
    ReceiveOutcome,
    Refusal,
    RegisteredFacility,
)
from claims.kit.db import make_session_factory

ZERO = Decimal("0")


def _reason_json(reason: DisallowanceReason) -> dict[str, Any]:
    return {
        "code": reason.code,
        "message": reason.message,
        "message_en": reason.message_en,
        "legal_ref": reason.legal_ref,
        "rule": reason.rule,
        "tariff_row": reason.tariff_row,
        "amount": None if reason.amount is None else str(reason.amount),
    }


def _reason_of(data: dict[str, Any]) -> DisallowanceReason:
    amount = data.get("amount")
    return DisallowanceReason(
        code=str(data.get("code", "")),
        message=str(data.get("message", "")),
        legal_ref=data.get("legal_ref"),
        message_en=str(data.get("message_en") or ""),
        rule=str(data.get("rule") or ""),
        tariff_row=data.get("tariff_row"),
        amount=None if amount is None else Decimal(str(amount)),
    )


def _document_of(row: OfficeDocument, *, with_envelope: bool = True) -> ReceivedDocument:
    return ReceivedDocument(
        transaction_id=row.transaction_id or "",
        kind=row.kind,  # type: ignore[arg-type]
        facility_code=row.facility_code,
        key=row.doc_key,
        version=row.version,
        envelope_sha256=row.envelope_sha256,
        received_at=row.received_at,
        size=row.size,
        period=row.period,
        claimed_total=row.claimed_total,
        fund_amount=row.fund_amount,
        envelope=row.envelope if with_envelope else b"",
    )


def _pem(certificate: x509.Certificate | None) -> str | None:
    return None if certificate is None else certificate.public_bytes(Encoding.PEM).decode("ascii")


def _take_write_lock(session: Session) -> None:
    """SQLite: begin the write transaction now (the driver begins it at the first write statement, and a
    no-op UPDATE is one), so what is read next cannot change before this transaction commits. PostgreSQL
    locks the key row with ``FOR UPDATE`` instead."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(OfficeDocumentKey).where(OfficeDocumentKey.id < 0).values(versions=0))


class SqlGatewayStore:
    """:class:`~claims.insurer.store.GatewayStore` in the ``office_*`` tables."""

    def __init__(
        self,
        sessions: sessionmaker[Session] | Engine,
        *,
        transaction_ids: Any = None,
        facility_ttl: float = 30.0,
    ) -> None:
        self._sessions = sessions if isinstance(sessions, sessionmaker) else make_session_factory(sessions)
        # maGiaoDich: reception day, key number, version (fixed widths but the last: unique as (key, version) is)
        self._next_id = transaction_ids or (lambda at, key_id, version: f"{at:%Y%m%d}{key_id:010d}{version:03d}")
        self._lock = threading.Lock()
        self._facilities: dict[str, tuple[float, RegisteredFacility | None]] = {}
        self._tokens: dict[str, IssuedToken] = {}
        self._facility_ttl = facility_ttl

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with self._sessions() as session:
            yield session
            session.commit()

    # ---- accounts and tokens ------------------------------------------------------------------

    def add_facility(self, facility: RegisteredFacility) -> None:
        """Register (or update) a facility account."""
        with self._tx() as session:
            row = session.scalar(select(OfficeFacility).where(OfficeFacility.username == facility.username))
            if row is None:
                row = OfficeFacility(username=facility.username)
                session.add(row)
            row.password_md5 = facility.password_md5.upper()
            row.facility_code = facility.facility_code
            row.certificate_pem = _pem(facility.certificate)
            row.hospital_class = facility.hospital_class
            row.level = facility.level
        with self._lock:
            self._facilities.pop(facility.username, None)

    def facility(self, username: str) -> RegisteredFacility | None:
        now = time.monotonic()
        cached = self._facilities.get(username)
        if cached is not None and now - cached[0] < self._facility_ttl:
            return cached[1]
        with self._sessions() as session:
            row = session.scalar(select(OfficeFacility).where(OfficeFacility.username == username))
            found = None
            if row is not None:
                certificate = (
                    x509.load_pem_x509_certificate(row.certificate_pem.encode("ascii")) if row.certificate_pem else None
                )
                found = RegisteredFacility(
                    row.username, row.password_md5, row.facility_code, certificate, row.hospital_class, row.level
                )
        with self._lock:
            self._facilities[username] = (now, found)
        return found

    def facilities(self) -> list[RegisteredFacility]:
        with self._sessions() as session:
            names = list(session.scalars(select(OfficeFacility.username).order_by(OfficeFacility.username)))
        return [f for f in (self.facility(n) for n in names) if f is not None]

    def save_token(self, token: IssuedToken) -> None:
        with self._tx() as session:
            # Tokens long expired are of no use: each login clears those that ended a day before this one does.
            session.execute(delete(OfficeToken).where(OfficeToken.expires_at < token.expires_at - timedelta(days=1)))
            session.add(
                OfficeToken(
                    access_token=token.access_token,
                    id_token=token.id_token,
                    username=token.username,
                    expires_at=token.expires_at,
                )
            )
        with self._lock:
            self._tokens[token.access_token] = token

    def token(self, access_token: str) -> IssuedToken | None:
        cached = self._tokens.get(access_token)
        if cached is not None:
            return cached
        if not access_token:
            return None
        with self._sessions() as session:
            row = session.get(OfficeToken, access_token)
            if row is None:
                return None
            token = IssuedToken(row.access_token, row.id_token, row.username, row.expires_at)
        with self._lock:
            if len(self._tokens) > 10_000:
                self._tokens.clear()
            self._tokens[access_token] = token
        return token

    # ---- receiving -----------------------------------------------------------------------------

    def _key_row(self, session: Session, kind: str, facility_code: str, key: str) -> OfficeDocumentKey:
        """The locked key row, created when absent. ``INSERT … ON CONFLICT DO NOTHING`` waits for a concurrent
        creator of the same key to finish, then the row (its or ours) is locked."""
        dialect = session.get_bind().dialect.name
        values = {"kind": kind, "facility_code": facility_code, "doc_key": key, "versions": 0, "duplicates": 0}
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as upsert
        else:
            from sqlalchemy.dialects.sqlite import insert as upsert  # type: ignore[assignment]
        session.execute(upsert(OfficeDocumentKey).values(**values).on_conflict_do_nothing())
        row = session.scalar(
            select(OfficeDocumentKey)
            .where(
                OfficeDocumentKey.kind == kind,
                OfficeDocumentKey.facility_code == facility_code,
                OfficeDocumentKey.doc_key == key,
            )
            .with_for_update()
        )
        assert row is not None
        return row

    def record(self, document: ReceivedDocument) -> ReceiveOutcome:
        for attempt in range(3):
            try:
                return self._record(document)
            except IntegrityError:
                # Two first receptions raced past the lock (SQLite takes its write lock at the first write,
                # not at the SELECT): the loser sees the winner's version when it tries again.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _record(self, document: ReceivedDocument) -> ReceiveOutcome:
        with self._tx() as session:
            _take_write_lock(session)
            key = self._key_row(session, document.kind, document.facility_code, document.key)
            current = (
                session.get(OfficeDocument, key.current_id, options=[defer(OfficeDocument.envelope)])
                if key.current_id is not None
                else None
            )
            if current is not None and key.current_sha256 == document.envelope_sha256:
                key.duplicates = OfficeDocumentKey.duplicates + 1  # type: ignore[assignment] # in SQL: no lost update
                return ReceiveOutcome(_document_of(current, with_envelope=False), duplicate=True, replaced=None)
            version = key.versions + 1
            row = OfficeDocument(
                key_id=key.id,
                # unique as (key, version) is: no second statement to number it after the insert
                transaction_id=self._next_id(document.received_at, key.id, version),
                kind=document.kind,
                facility_code=document.facility_code,
                doc_key=document.key,
                version=version,
                envelope_sha256=document.envelope_sha256,
                received_at=document.received_at,
                result_code="200",
                size=document.size,
                period=document.period,
                claimed_total=document.claimed_total,
                fund_amount=document.fund_amount,
                envelope=document.envelope,
                current=True,
            )
            session.add(row)
            session.flush()
            replaced = None
            if current is not None:
                current.current, current.replaced_at, current.replaced_by_id = False, document.received_at, row.id
                replaced = _document_of(current, with_envelope=False)
            key.versions, key.current_sha256, key.current_id = row.version, row.envelope_sha256, row.id
            session.flush()
            return ReceiveOutcome(_document_of(row), duplicate=False, replaced=replaced)

    def current(self, kind: DocumentKind, facility_code: str, key: str) -> ReceivedDocument | None:
        with self._sessions() as session:
            row = session.scalar(
                select(OfficeDocument)
                .join(OfficeDocumentKey, OfficeDocumentKey.current_id == OfficeDocument.id)
                .where(
                    OfficeDocumentKey.kind == kind,
                    OfficeDocumentKey.facility_code == facility_code,
                    OfficeDocumentKey.doc_key == key,
                )
            )
            return None if row is None else _document_of(row)

    def duplicate_of(
        self, kind: DocumentKind, facility_code: str, key: str, envelope_sha256: str
    ) -> ReceivedDocument | None:
        where = (
            OfficeDocumentKey.kind == kind,
            OfficeDocumentKey.facility_code == facility_code,
            OfficeDocumentKey.doc_key == key,
        )
        with self._sessions() as session:
            # A cheap read first: most receptions are not duplicates and must not take a write lock here.
            sha = session.scalar(select(OfficeDocumentKey.current_sha256).where(*where))
            if sha != envelope_sha256:
                return None
            session.rollback()
            _take_write_lock(session)
            row = session.scalar(select(OfficeDocumentKey).where(*where).with_for_update())
            if row is None or row.current_sha256 != envelope_sha256 or row.current_id is None:
                return None
            row.duplicates = OfficeDocumentKey.duplicates + 1  # type: ignore[assignment]
            document = session.get(OfficeDocument, row.current_id)
            assert document is not None
            found = _document_of(document, with_envelope=False)
            session.commit()
            return found

    def find_version(
        self, kind: DocumentKind, facility_code: str, key: str, envelope_sha256: str
    ) -> ReceivedDocument | None:
        with self._sessions() as session:
            row = session.scalar(
                select(OfficeDocument)
                .join(OfficeDocumentKey, OfficeDocumentKey.id == OfficeDocument.key_id)
                .where(
                    OfficeDocumentKey.kind == kind,
                    OfficeDocumentKey.facility_code == facility_code,
                    OfficeDocumentKey.doc_key == key,
                    OfficeDocument.envelope_sha256 == envelope_sha256,
                )
                .order_by(OfficeDocument.version.desc())
                .limit(1)
            )
            return None if row is None else _document_of(row, with_envelope=False)

    def documents(self, kind: DocumentKind, facility_code: str | None = None) -> list[ReceivedDocument]:
        """The current versions, without their bytes (listing a month must not load every envelope)."""
        with self._sessions() as session:
            query = (
                select(OfficeDocument)
                .options(defer(OfficeDocument.envelope))
                .where(OfficeDocument.kind == kind, OfficeDocument.current.is_(True))
            )
            if facility_code is not None:
                query = query.where(OfficeDocument.facility_code == facility_code)
            rows = session.scalars(query.order_by(OfficeDocument.id))
            return [_document_of(r, with_envelope=False) for r in rows]

    def unassessed(self, facility_code: str | None = None, limit: int = 500) -> list[ReceivedDocument]:
        """Current claim versions without an assessment yet, oldest first (the assessor's work list)."""
        with self._sessions() as session:
            query = (
                select(OfficeDocument)
                .outerjoin(OfficeAssessment, OfficeAssessment.document_id == OfficeDocument.id)
                .where(
                    OfficeDocument.kind == "claim",
                    OfficeDocument.current.is_(True),
                    OfficeAssessment.id.is_(None),
                )
            )
            if facility_code is not None:
                query = query.where(OfficeDocument.facility_code == facility_code)
            return [_document_of(r) for r in session.scalars(query.order_by(OfficeDocument.id).limit(limit))]

    def versions(self, kind: DocumentKind, facility_code: str, key: str) -> list[ReceivedDocument]:
        """Every accepted version of a key, oldest first (replaced ones included)."""
        with self._sessions() as session:
            rows = session.scalars(
                select(OfficeDocument)
                .where(
                    OfficeDocument.kind == kind,
                    OfficeDocument.facility_code == facility_code,
                    OfficeDocument.doc_key == key,
                )
                .order_by(OfficeDocument.version)
            )
            return [_document_of(r, with_envelope=False) for r in rows]

    def count_refusal(self, refusal: Refusal | None = None) -> None:
        if refusal is None:
            return
        with self._tx() as session:
            session.add(
                OfficeRefusal(
                    kind=refusal.kind,
                    facility_code=refusal.facility_code[:5],
                    doc_key=refusal.key[:100],
                    envelope_sha256=refusal.envelope_sha256,
                    result_code=refusal.code[:8],
                    message=refusal.message[:4000],
                    refused_at=refusal.refused_at,
                )
            )

    def refusals(self, facility_code: str) -> list[Refusal]:
        with self._sessions() as session:
            rows = session.scalars(
                select(OfficeRefusal).where(OfficeRefusal.facility_code == facility_code).order_by(OfficeRefusal.id)
            )
            return [
                Refusal(r.kind, r.facility_code, r.doc_key, r.envelope_sha256, r.result_code, r.message,  # type: ignore[arg-type]
                        r.refused_at)
                for r in rows
            ]  # fmt: skip

    def stats(self) -> GatewayStats:
        with self._sessions() as session:
            keys = dict(
                session.execute(select(OfficeDocumentKey.kind, func.count()).group_by(OfficeDocumentKey.kind)).all()
            )
            versions = session.scalar(
                select(func.count()).select_from(OfficeDocument).where(OfficeDocument.kind == "claim")
            )
            duplicates = session.scalar(select(func.coalesce(func.sum(OfficeDocumentKey.duplicates), 0)))
            refused = session.scalar(select(func.count()).select_from(OfficeRefusal))
        return GatewayStats(
            claims=int(keys.get("claim", 0)),
            claim_versions=int(versions or 0),
            duplicates=int(duplicates or 0),
            checkins=int(keys.get("checkin", 0)),
            catalogues=int(keys.get("catalogue", 0)),
            refused=int(refused or 0),
        )

    # ---- assessment results and notices ---------------------------------------------------------

    def save_assessment(self, result: AssessmentResult) -> None:
        """Store the result of one claim version; it becomes the current result of its MA_LK. A version has one
        result: the first stored stands (two processes assessing the same version at once store it once)."""
        try:
            self._save_assessment(result)
        except IntegrityError:
            return

    def _save_assessment(self, result: AssessmentResult) -> None:
        with self._tx() as session:
            _take_write_lock(session)
            document_id = session.scalar(
                select(OfficeDocument.id)
                .join(OfficeDocumentKey, OfficeDocumentKey.id == OfficeDocument.key_id)
                .where(
                    OfficeDocumentKey.kind == "claim",
                    OfficeDocumentKey.facility_code == result.facility_code,
                    OfficeDocumentKey.doc_key == result.ma_lk,
                    OfficeDocument.version == result.version,
                )
            )
            if document_id is None:
                raise LookupError(f"no received version {result.version} of {result.ma_lk}")
            if session.scalar(select(OfficeAssessment.id).where(OfficeAssessment.document_id == document_id)):
                return
            session.execute(
                update(OfficeAssessment)
                .where(
                    OfficeAssessment.facility_code == result.facility_code,
                    OfficeAssessment.ma_lk == result.ma_lk,
                    OfficeAssessment.current.is_(True),
                )
                .values(current=False)
            )
            row = OfficeAssessment(
                document_id=document_id,
                facility_code=result.facility_code,
                ma_lk=result.ma_lk,
                period=result.period,
                transaction_id=result.transaction_id,
                version=result.version,
                envelope_sha256=result.envelope_sha256,
                status=result.status,
                assessed_at=result.assessed_at,
                claimed=result.claimed,
                approved=result.approved,
                disallowed=result.disallowed,
                reasons=[_reason_json(r) for r in result.reasons],
                current=True,
            )
            session.add(row)
            session.flush()
            if result.lines:
                session.execute(
                    insert(OfficeAssessmentLine),
                    [
                        {
                            "assessment_id": row.id, "table_name": line.table, "line_no": line.line_no,
                            "item_code": line.item_code[:255], "claimed": line.claimed, "approved": line.approved,
                            "disallowed": line.disallowed, "reasons": [_reason_json(r) for r in line.reasons],
                        }
                        for line in result.lines
                    ],
                )  # fmt: skip

    def _results(self, session: Session, rows: list[OfficeAssessment]) -> list[AssessmentResult]:
        lines: dict[int, list[AssessedLine]] = {}
        ids = [r.id for r in rows]
        for start in range(0, len(ids), 500):
            for line in session.scalars(
                select(OfficeAssessmentLine)
                .where(OfficeAssessmentLine.assessment_id.in_(ids[start : start + 500]))
                .order_by(OfficeAssessmentLine.id)
            ):
                lines.setdefault(line.assessment_id, []).append(
                    AssessedLine(
                        table=line.table_name,
                        line_no=line.line_no,
                        item_code=line.item_code,
                        claimed=line.claimed,
                        approved=line.approved,
                        disallowed=line.disallowed,
                        reasons=tuple(_reason_of(r) for r in line.reasons or ()),
                    )
                )
        return [
            AssessmentResult(
                facility_code=r.facility_code,
                ma_lk=r.ma_lk,
                period=r.period,
                transaction_id=r.transaction_id,
                version=r.version,
                envelope_sha256=r.envelope_sha256,
                status=r.status,  # type: ignore[arg-type]
                assessed_at=r.assessed_at,
                claimed=r.claimed,
                approved=r.approved,
                disallowed=r.disallowed,
                reasons=tuple(_reason_of(x) for x in r.reasons or ()),
                lines=tuple(lines.get(r.id, ())),
            )
            for r in rows
        ]

    def assessment(self, facility_code: str, ma_lk: str) -> AssessmentResult | None:
        with self._sessions() as session:
            row = session.scalar(
                select(OfficeAssessment).where(
                    OfficeAssessment.facility_code == facility_code,
                    OfficeAssessment.ma_lk == ma_lk,
                    OfficeAssessment.current.is_(True),
                )
            )
            return None if row is None else self._results(session, [row])[0]

    def assessments(self, facility_code: str, period: str | None = None) -> list[AssessmentResult]:
        with self._sessions() as session:
            query = select(OfficeAssessment).where(
                OfficeAssessment.facility_code == facility_code, OfficeAssessment.current.is_(True)
            )
            if period is not None:
                query = query.where(OfficeAssessment.period == period)
            rows = list(session.scalars(query.order_by(OfficeAssessment.ma_lk)))
            return self._results(session, rows)

    def save_notice(self, notice: PaymentNotice) -> None:
        """Store a notice; the same id again replaces it (a corrected notice)."""
        with self._tx() as session:
            row = session.scalar(
                select(OfficeNotice).where(
                    OfficeNotice.facility_code == notice.facility_code, OfficeNotice.notice_id == notice.notice_id
                )
            )
            if row is None:
                row = OfficeNotice(facility_code=notice.facility_code, notice_id=notice.notice_id)
                session.add(row)
            row.period, row.kind, row.issued_on = notice.period, notice.kind, notice.issued_on
            row.claims, row.claimed, row.approved = notice.claims, notice.claimed, notice.approved
            row.disallowed, row.advances, row.amount = notice.disallowed, notice.advances, notice.amount
            row.ma_lks = list(notice.ma_lks)

    @staticmethod
    def _notice_of(row: OfficeNotice) -> PaymentNotice:
        return PaymentNotice(
            notice_id=row.notice_id,
            facility_code=row.facility_code,
            period=row.period,
            kind=row.kind,  # type: ignore[arg-type]
            issued_on=row.issued_on,
            claims=row.claims,
            claimed=row.claimed,
            approved=row.approved,
            disallowed=row.disallowed,
            advances=row.advances,
            amount=row.amount,
            ma_lks=tuple(row.ma_lks or ()),
        )

    def notice(self, facility_code: str, notice_id: str) -> PaymentNotice | None:
        with self._sessions() as session:
            row = session.scalar(
                select(OfficeNotice).where(
                    OfficeNotice.facility_code == facility_code, OfficeNotice.notice_id == notice_id
                )
            )
            return None if row is None else self._notice_of(row)

    def notices(self, facility_code: str, period: str | None = None) -> list[PaymentNotice]:
        with self._sessions() as session:
            query = select(OfficeNotice).where(OfficeNotice.facility_code == facility_code)
            if period is not None:
                query = query.where(OfficeNotice.period == period)
            rows = session.scalars(query.order_by(OfficeNotice.period, OfficeNotice.issued_on, OfficeNotice.notice_id))
            return [self._notice_of(r) for r in rows]
