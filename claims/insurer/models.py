"""The office's own tables (prefix ``office_``): facility accounts, tokens, received documents and their
versions, refusals, assessment results and lines, payment notices.

These belong to the insurer, not to the hospital: in the embedded default they share the hospital's
database (one migration chain), and ``claims insurer serve --database-url`` keeps them in a database of
their own. Nothing here has a foreign key to a hospital table.

De-duplication rests on ``office_document_key``: one row per (kind, facility, MA_LK) holding the hash of the
current version; receiving locks that row, so concurrent receptions of one MA_LK are serialised and an
identical resend is recognised whatever the timing. ``office_document`` has one row per accepted version,
unique per (key, version) and by ``maGiaoDich``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from claims.kit.db import Base
from claims.kit.money import Money
from claims.kit.types import JSONType, UTCDateTime, utcnow


class OfficeFacility(Base):
    """A facility's gateway account and the signing certificate it registered (PEM)."""

    __tablename__ = "office_facility"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_md5: Mapped[str] = mapped_column(String(32))
    facility_code: Mapped[str] = mapped_column(String(5), index=True)
    certificate_pem: Mapped[str | None] = mapped_column(Text)
    hospital_class: Mapped[str | None] = mapped_column(String(16), doc="hospital class: sets the price class")
    level: Mapped[str | None] = mapped_column(String(32), doc="facility level as recorded")
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OfficeToken(Base):
    __tablename__ = "office_token"

    access_token: Mapped[str] = mapped_column(String(64), primary_key=True)
    id_token: Mapped[str] = mapped_column(String(64))
    username: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class OfficeDocumentKey(Base):
    """One received key — (kind, facility, MA_LK or catalogue template) — and its current version."""

    __tablename__ = "office_document_key"
    __table_args__ = (UniqueConstraint("kind", "facility_code", "doc_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    facility_code: Mapped[str] = mapped_column(String(5))
    doc_key: Mapped[str] = mapped_column(String(100))
    versions: Mapped[int] = mapped_column(Integer, default=0)
    current_sha256: Mapped[str | None] = mapped_column(String(64))
    current_id: Mapped[int | None] = mapped_column(Integer, doc="office_document.id of the current version")
    duplicates: Mapped[int] = mapped_column(Integer, default=0, doc="identical resends answered, not counted")


class OfficeDocument(Base):
    """One accepted version of a document, with the exact bytes received."""

    __tablename__ = "office_document"
    __table_args__ = (
        UniqueConstraint("key_id", "version"),
        Index("ix_office_document_lookup", "key_id", "envelope_sha256"),
        Index("ix_office_document_facility", "kind", "facility_code", "current"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("office_document_key.id"))
    transaction_id: Mapped[str | None] = mapped_column(String(32), unique=True, doc="maGiaoDich")
    kind: Mapped[str] = mapped_column(String(16))
    facility_code: Mapped[str] = mapped_column(String(5))
    doc_key: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    envelope_sha256: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    result_code: Mapped[str] = mapped_column(String(8), default="200", doc="maKetQua answered")
    size: Mapped[int] = mapped_column(Integer)
    period: Mapped[str | None] = mapped_column(String(7), doc="yyyy-MM")
    claimed_total: Mapped[Decimal | None] = mapped_column(Money())
    fund_amount: Mapped[Decimal | None] = mapped_column(Money())
    envelope: Mapped[bytes] = mapped_column(LargeBinary)
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    replaced_by_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))


class OfficeRefusal(Base):
    """A reception answered with a refusal code (what the portal lists as files with errors)."""

    __tablename__ = "office_refusal"
    __table_args__ = (Index("ix_office_refusal_facility", "facility_code", "refused_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    facility_code: Mapped[str] = mapped_column(String(5))
    doc_key: Mapped[str] = mapped_column(String(100), default="")
    envelope_sha256: Mapped[str] = mapped_column(String(64), default="")
    result_code: Mapped[str] = mapped_column(String(8))
    message: Mapped[str] = mapped_column(Text, default="")
    refused_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OfficeAssessment(Base):
    """The office's decision on one received claim version; ``current`` marks that of the current version."""

    __tablename__ = "office_assessment"
    __table_args__ = (
        UniqueConstraint("document_id"),
        Index("ix_office_assessment_key", "facility_code", "ma_lk", "current"),
        Index("ix_office_assessment_period", "facility_code", "period", "current"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("office_document.id"))
    facility_code: Mapped[str] = mapped_column(String(5))
    ma_lk: Mapped[str] = mapped_column(String(100))
    period: Mapped[str] = mapped_column(String(7))
    transaction_id: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    envelope_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(24))
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed: Mapped[Decimal] = mapped_column(Money())
    approved: Mapped[Decimal] = mapped_column(Money())
    disallowed: Mapped[Decimal] = mapped_column(Money())
    reasons: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    current: Mapped[bool] = mapped_column(Boolean, default=True)


class OfficeAssessmentLine(Base):
    __tablename__ = "office_assessment_line"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("office_assessment.id", ondelete="CASCADE"), index=True)
    table_name: Mapped[str] = mapped_column(String(4))
    line_no: Mapped[int] = mapped_column(Integer)
    item_code: Mapped[str] = mapped_column(String(255))
    claimed: Mapped[Decimal] = mapped_column(Money())
    approved: Mapped[Decimal] = mapped_column(Money())
    disallowed: Mapped[Decimal] = mapped_column(Money())
    reasons: Mapped[list[Any]] = mapped_column(JSONType, default=list)


class OfficeNotice(Base):
    """A payment notice: an advance (tạm ứng) or a settlement (quyết toán) of one facility and period."""

    __tablename__ = "office_payment_notice"
    __table_args__ = (
        UniqueConstraint("facility_code", "notice_id"),
        Index("ix_office_payment_notice_period", "facility_code", "period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[str] = mapped_column(String(64))
    facility_code: Mapped[str] = mapped_column(String(5))
    period: Mapped[str] = mapped_column(String(7))
    kind: Mapped[str] = mapped_column(String(16))
    issued_on: Mapped[date] = mapped_column(Date)
    claims: Mapped[int] = mapped_column(Integer)
    claimed: Mapped[Decimal] = mapped_column(Money())
    approved: Mapped[Decimal] = mapped_column(Money())
    disallowed: Mapped[Decimal] = mapped_column(Money())
    advances: Mapped[Decimal] = mapped_column(Money())
    amount: Mapped[Decimal] = mapped_column(Money())
    ma_lks: Mapped[list[Any]] = mapped_column(JSONType, default=list)
