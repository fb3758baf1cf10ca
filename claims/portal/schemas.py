"""Typed values exchanged with the gateway (field names of the wire format in comments)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from claims.portal.protocol import CARD_INVALID_CODES, OK, password_hash


@dataclass(frozen=True, slots=True)
class FacilityAccount:
    """A facility's gateway account. Only the MD5 hash of the password is kept (it is what the gateway takes)."""

    username: str  # e.g. "01001_BV"
    password_md5: str  # 32 upper-case hex
    facility_code: str  # maCSKCB, 5 characters
    province_code: str = ""  # maTinh; defaults to the first two characters of the facility code

    def __post_init__(self) -> None:
        if not self.province_code:
            object.__setattr__(self, "province_code", self.facility_code[:2])

    @classmethod
    def from_password(cls, username: str, password: str, facility_code: str) -> FacilityAccount:
        return cls(username, password_hash(password), facility_code)

    def __repr__(self) -> str:  # the hash is a credential: keep it out of reprs and logs
        return f"FacilityAccount(username={self.username!r}, facility_code={self.facility_code!r})"


@dataclass(frozen=True, slots=True)
class GatewayToken:
    """``APIKey`` of ``/api/token/take``."""

    access_token: str
    id_token: str
    token_type: str
    username: str
    expires_at: datetime  # parsed from ``expires_in`` (a UTC date-time)

    def __repr__(self) -> str:
        return f"GatewayToken(username={self.username!r}, expires_at={self.expires_at.isoformat()})"


@dataclass(frozen=True, slots=True)
class GatewayReceipt:
    """Answer of check-in, submission and catalogue calls."""

    code: str  # maKetQua
    transaction_id: str | None  # maGiaoDich
    received_at_raw: str | None  # thoiGianTiepNhan, yyyyMMddHHmmss as sent
    message: str | None  # thongDiep

    @property
    def ok(self) -> bool:
        return self.code == OK

    @property
    def received_at(self) -> datetime | None:
        """Reception time; the gateway writes Vietnam local time without zone (UTC+7 assumed)."""
        if not self.received_at_raw:
            return None
        from datetime import timedelta, timezone

        try:
            local = datetime.strptime(self.received_at_raw, "%Y%m%d%H%M%S")
        except ValueError:
            return None
        return local.replace(tzinfo=timezone(timedelta(hours=7))).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class CardQuery:
    """Body of the card lookup (personal data: never logged)."""

    card_number: str  # maThe
    full_name: str  # hoTen
    birth_date: str  # ngaySinh dd/MM/yyyy
    staff_name: str  # hoTenCb
    staff_id_number: str  # cccdCb

    def body(self) -> dict[str, str]:
        return {
            "maThe": self.card_number,
            "hoTen": self.full_name,
            "ngaySinh": self.birth_date,
            "hoTenCb": self.staff_name,
            "cccdCb": self.staff_id_number,
        }

    def __repr__(self) -> str:
        return "CardQuery(***)"


@dataclass(frozen=True, slots=True)
class CardLookupResult:
    """Answer of ``KQNhanLichSuKCB2024``: the result code and the raw card fields."""

    code: str  # maKetQua (table gateway.md §5.1)
    note: str | None  # ghiChu
    fields: dict[str, Any] = field(default_factory=dict, repr=False)  # maThe, gtTheTu, maDKBD, dsLichSuKCB2018 …

    @property
    def card_valid_for_claim(self) -> bool:
        """Usable card: data correct, or another ministry's card, or the old card still valid (000, 001, 002, 004)."""
        return self.code in {"000", "001", "002", "004"} and self.code not in CARD_INVALID_CODES


@dataclass(frozen=True, slots=True)
class SubmissionLookup:
    """Answer of our extension ``/api/ext/submissions/lookup``: what the office holds for an ``MA_LK``."""

    found: bool
    same_envelope: bool  # the office's current version has the hash we asked about
    known_envelope: bool  # the office received this exact envelope at some point (maybe replaced since)
    transaction_id: str | None
    received_at_raw: str | None
    version: int | None
