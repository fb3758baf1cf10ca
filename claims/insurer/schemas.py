"""Data of the office gateway: registered facilities, tokens, received documents, assessment results and
payment notices. The file format of the last two is documented in ``docs/office-files.md``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from cryptography import x509


@dataclass(frozen=True, slots=True)
class RegisteredFacility:
    """A facility account and the signing certificate it registered on the portal."""

    username: str
    password_md5: str  # upper-case MD5 hex, as the gateway receives it
    facility_code: str
    certificate: x509.Certificate | None = None
    hospital_class: str | None = None  # hospital class (hạng), which sets the price class the office prices at
    level: str | None = None  # facility level as recorded (tỉnh, huyện … or ban_dau, co_ban, chuyen_sau)

    def __repr__(self) -> str:
        return f"RegisteredFacility(username={self.username!r}, facility_code={self.facility_code!r})"


@dataclass(frozen=True, slots=True)
class IssuedToken:
    access_token: str
    id_token: str
    username: str
    expires_at: datetime


DocumentKind = Literal["claim", "checkin", "catalogue"]


@dataclass(frozen=True, slots=True)
class ReceivedDocument:
    """One accepted version of a document (a resend with other bytes is a new version of the same key)."""

    transaction_id: str  # maGiaoDich
    kind: DocumentKind
    facility_code: str
    key: str  # MA_LK for claims and check-ins; "G2-<template>" for catalogues
    version: int  # 1, 2, … per (kind, facility, key)
    envelope_sha256: str
    received_at: datetime
    size: int
    period: str | None = None  # settlement period yyyy-MM (claims)
    claimed_total: Decimal | None = None  # XML1 T_TONGCHI_BH
    fund_amount: Decimal | None = None  # XML1 T_BHTT
    envelope: bytes = field(default=b"", repr=False)  # the exact bytes, for assessment and audit


@dataclass(frozen=True, slots=True)
class ReceiveOutcome:
    document: ReceivedDocument  # for a duplicate: the ORIGINAL receipt
    duplicate: bool  # identical bytes already current: not counted again
    replaced: ReceivedDocument | None  # the earlier version a changed resend replaced


@dataclass(frozen=True, slots=True)
class GatewayStats:
    claims: int  # distinct claims (facility, MA_LK) received
    claim_versions: int  # accepted versions, resends with changes included
    duplicates: int  # identical resends answered with the original receipt
    checkins: int
    catalogues: int
    refused: int  # answered with a refusal code


@dataclass(frozen=True, slots=True)
class DisallowanceReason:
    """Why an amount was disallowed (*xuất toán*)."""

    code: str  # stable reason code, e.g. "PRICE_ABOVE_TARIFF" or a check code such as "CAT_CODE_UNKNOWN"
    message: str  # Vietnamese
    legal_ref: str | None = None
    message_en: str = ""
    rule: str = ""  # the rule or check that produced the amount (e.g. "PRICE.CLASS", "CAT_CODE_UNKNOWN")
    tariff_row: str | None = None  # the office tariff row used (e.g. "demo_tariff.csv:40.17#…")
    amount: Decimal | None = None  # the part of the line's disallowed amount this reason accounts for


@dataclass(frozen=True, slots=True)
class AssessedLine:
    """One cost line of XML2 (drugs) or XML3 (services and supplies) as assessed."""

    table: str  # "XML2" | "XML3"
    line_no: int  # STT within the table
    item_code: str  # MA_THUOC / MA_DICH_VU / MA_VAT_TU
    claimed: Decimal  # amount asked of the fund for the line
    approved: Decimal
    disallowed: Decimal
    reasons: tuple[DisallowanceReason, ...] = ()


AssessmentStatus = Literal["accepted", "partially_accepted", "rejected"]


@dataclass(frozen=True, slots=True)
class AssessmentResult:
    """The office's decision on one claim version."""

    facility_code: str
    ma_lk: str
    period: str  # yyyy-MM
    transaction_id: str
    version: int
    envelope_sha256: str
    status: AssessmentStatus
    assessed_at: datetime
    claimed: Decimal
    approved: Decimal
    disallowed: Decimal
    reasons: tuple[DisallowanceReason, ...] = ()  # claim-level reasons (a rejected record, a card problem …)
    lines: tuple[AssessedLine, ...] = ()


@dataclass(frozen=True, slots=True)
class Refusal:
    """A reception answered with a refusal code."""

    kind: DocumentKind
    facility_code: str
    key: str
    envelope_sha256: str
    code: str
    message: str
    refused_at: datetime


NoticeKind = Literal["advance", "settlement"]


@dataclass(frozen=True, slots=True)
class PaymentNotice:
    """A payment notice: an advance (*tạm ứng*) or a settlement (*quyết toán*) of one period."""

    notice_id: str
    facility_code: str
    period: str
    kind: NoticeKind
    issued_on: date
    claims: int
    claimed: Decimal
    approved: Decimal
    disallowed: Decimal
    advances: Decimal  # advances already paid for the period (deducted in a settlement)
    amount: Decimal  # paid by this notice: the advance, or approved − advances for a settlement
    ma_lks: tuple[str, ...] = ()  # claims covered (settlement)
