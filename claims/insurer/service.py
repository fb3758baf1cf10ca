"""The office gateway's behaviour, free of HTTP: login, token checks, receiving documents, lookups.

Answers are the gateway's JSON bodies (``maKetQua``, ``maGiaoDich``, ``thoiGianTiepNhan``, ``thongDiep``), with
the real result codes (``gateway.md`` §3–§7) and our documented codes for signature refusals.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import structlog

from claims.exchange import signature as sig
from claims.exchange.envelope_probe import EnvelopeShapeError, probe_document
from claims.insurer.schemas import DocumentKind, IssuedToken, ReceivedDocument, RegisteredFacility
from claims.insurer.store import GatewayStore
from claims.insurer.validation import Validator, minimal_validator
from claims.portal import protocol as p

log = structlog.get_logger("claims.insurer")

VN_TIME = timezone(timedelta(hours=7))
DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024  # the gateway's peak-hours limit (gateway.md §7)
_SIGNATURE_CODES = {
    sig.SIGNATURE_MISSING: p.SIGNATURE_MISSING,
    sig.CERTIFICATE_MISMATCH: p.CERTIFICATE_NOT_REGISTERED,
    sig.CERTIFICATE_EXPIRED: p.CERTIFICATE_NOT_REGISTERED,
    sig.SIGNATURE_SLOT_MISSING: p.XML_FORMAT_ERROR,
    sig.ENVELOPE_MALFORMED: p.XML_FORMAT_ERROR,
}


def answer(code: str, message: str, transaction_id: str | None = None, received: str | None = None) -> dict[str, Any]:
    return {"maKetQua": code, "maGiaoDich": transaction_id, "thoiGianTiepNhan": received, "thongDiep": message}


@dataclass(frozen=True, slots=True)
class Caller:
    facility: RegisteredFacility
    token: IssuedToken


class OfficeGateway:
    def __init__(
        self,
        store: GatewayStore,
        *,
        validator: Validator = minimal_validator,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        token_lifetime: timedelta = timedelta(hours=1),
        require_signature: bool = True,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        card_register: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None,
    ) -> None:
        self.store = store
        self.validator = validator
        self.clock = clock
        self.token_lifetime = token_lifetime
        self.require_signature = require_signature
        self.max_file_bytes = max_file_bytes
        self.card_register = card_register or demo_card_register

    # ---- accounts and tokens ------------------------------------------------------------------

    def login(self, username: str, password_md5: str) -> dict[str, Any]:
        facility = self.store.facility(username)
        if facility is None or not hmac.compare_digest(facility.password_md5, password_md5.upper()):
            log.info("office.login_refused", username=username)
            return {"maKetQua": p.UNAUTHENTICATED, "APIKey": None, "thongDiep": "Sai tài khoản hoặc mật khẩu"}
        token = IssuedToken(
            access_token=secrets.token_urlsafe(24),
            id_token=secrets.token_urlsafe(16),
            username=username,
            expires_at=(self.clock() + self.token_lifetime).replace(microsecond=0),
        )
        self.store.save_token(token)
        return {
            "maKetQua": p.OK,
            "APIKey": {
                "access_token": token.access_token,
                "id_token": token.id_token,
                "token_type": "Bearer",
                "username": username,
                "expires_in": token.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        }

    def authenticate(
        self, access_token: str | None, id_token: str | None, password_md5: str | None, username: str | None = None
    ) -> Caller | None:
        """The caller of a token, or None (401): unknown or expired token, wrong id token or password hash."""
        token = self.store.token(access_token or "")
        if token is None or not hmac.compare_digest(token.id_token, id_token or ""):
            return None
        if self.clock() >= token.expires_at:
            return None
        facility = self.store.facility(token.username)
        if facility is None or not hmac.compare_digest(facility.password_md5, (password_md5 or "").upper()):
            return None
        if username is not None and username != token.username:
            return None
        return Caller(facility, token)

    # ---- receiving -----------------------------------------------------------------------------

    def receive(self, kind: DocumentKind, caller: Caller, form: Mapping[str, str], key: str = "") -> dict[str, Any]:
        """Receive a check-in, claim or catalogue form; answers with the receipt or a refusal code."""
        result = self._receive(kind, caller, form, key)
        if result["maKetQua"] != p.OK:
            self.store.count_refusal()
        log.info("office.received", kind=kind, facility=caller.facility.facility_code, code=result["maKetQua"])
        return result

    def _receive(self, kind: DocumentKind, caller: Caller, form: Mapping[str, str], key: str) -> dict[str, Any]:
        facility = caller.facility
        if form.get("username") != facility.username:
            return answer(p.FORBIDDEN, "Tài khoản không khớp với token")
        if form.get("maCSKCB") != facility.facility_code:
            return answer(p.FORBIDDEN, "Mã cơ sở KCB không thuộc tài khoản")
        expected_type = {"claim": p.LOAI_HO_SO_CLAIM, "checkin": p.LOAI_HO_SO_CHECKIN}.get(kind)
        type_field = "loaiHs" if kind == "catalogue" else "loaiHoSo"
        if expected_type is not None and form.get(type_field) != expected_type:
            return answer(p.PARAMETER_ERROR, f"loaiHoSo phải là {expected_type}")
        encoded = form.get("fileHsBase64" if kind == "catalogue" else "fileHSBase64")
        if encoded is None:
            return answer(p.PARAMETER_ERROR, "Thiếu fileHSBase64")
        if not encoded.strip():
            return answer(p.EMPTY_XML, "File XML rỗng")
        if len(encoded) * 3 // 4 > self.max_file_bytes:
            return answer(p.FILE_TOO_LARGE, "File vượt dung lượng cho phép")
        try:
            envelope = base64.b64decode("".join(encoded.split()), validate=True)
        except (binascii.Error, ValueError):
            return answer(p.PARAMETER_ERROR, "fileHSBase64 không phải base64")
        if not envelope.strip():
            return answer(p.EMPTY_XML, "File XML rỗng")
        digest = hashlib.sha256(envelope).hexdigest()

        try:
            tree = sig.parse_document(envelope, max_bytes=self.max_file_bytes)
        except sig.SignatureError as exc:
            return answer(p.XML_FORMAT_ERROR, f"{exc.code}: {exc.message}")
        period: str | None = None
        claimed = fund = None
        if kind == "catalogue":
            doc_key = key
        else:
            try:
                facts = probe_document(tree)
            except EnvelopeShapeError as exc:
                return answer(p.XML_FORMAT_ERROR, f"envelope_shape: {exc.where}: {exc.message}")
            if facts.kind != kind:
                return answer(p.XML_FORMAT_ERROR, f"envelope_shape: expected a {kind} document")
            if facts.facility_code != facility.facility_code:
                return answer(p.XML_CONTENT_ERROR, "MACSKCB của hồ sơ khác mã cơ sở gửi")
            doc_key = facts.ma_lk
            # An identical resend of the current version: the original receipt, nothing re-checked or counted.
            original = self.store.duplicate_of(kind, facility.facility_code, doc_key, digest)
            if original is not None:
                return self._receipt(original, duplicate=True)
            period = _period(facts.payment_time or facts.discharge_time, self.clock())
            claimed, fund = facts.total_claimed, facts.fund_amount

        now = self.clock()
        if facility.certificate is None:
            if self.require_signature:
                return answer(p.CERTIFICATE_NOT_REGISTERED, "certificate_not_registered: chưa đăng ký chứng thư số")
        elif self.require_signature or _signed(tree):
            try:
                sig.verify_document(tree, facility.certificate, at=now)
            except sig.SignatureError as exc:
                return answer(_SIGNATURE_CODES.get(exc.code, p.SIGNATURE_INVALID), f"{exc.code}: {exc.message}")

        if kind != "catalogue":
            findings = self.validator(tree, facts)
            if findings:
                detail = "; ".join(f"{f.code} {f.where}: {f.message}" for f in findings[:20])
                return answer(p.XML_CONTENT_ERROR, detail)

        document = _document(kind, facility, doc_key, digest, envelope, now, period, claimed, fund)
        outcome = self.store.record(document)
        if outcome.replaced is not None:
            log.info("office.version_replaced", kind=kind, facility=facility.facility_code, ma_lk=doc_key,
                     version=outcome.document.version)
        return self._receipt(outcome.document, duplicate=outcome.duplicate)

    @staticmethod
    def _receipt(document: ReceivedDocument, *, duplicate: bool) -> dict[str, Any]:
        message = "Hồ sơ đã được tiếp nhận trước đó" if duplicate else "Tiếp nhận thành công"
        return answer(p.OK, message, document.transaction_id, _vn(document.received_at))

    # ---- our extension -------------------------------------------------------------------------

    def lookup(self, caller: Caller, facility_code: str, ma_lk: str, envelope_sha256: str) -> dict[str, Any]:
        if facility_code != caller.facility.facility_code:
            return {"maKetQua": p.FORBIDDEN, "thongDiep": "Mã cơ sở KCB không thuộc tài khoản"}
        current = self.store.current("claim", facility_code, ma_lk)
        if current is None:
            return {"maKetQua": p.NOT_FOUND, "thongDiep": "Không có hồ sơ"}
        known = self.store.find_version("claim", facility_code, ma_lk, envelope_sha256.lower())
        return {
            "maKetQua": p.OK,
            "maGiaoDich": current.transaction_id,
            "thoiGianTiepNhan": _vn(current.received_at),
            "phienBan": current.version,
            "trungKhop": current.envelope_sha256 == envelope_sha256.lower(),
            "daNhan": known is not None,
            "maGiaoDichTrungKhop": known.transaction_id if known else None,
        }

    def card_lookup(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return self.card_register(body)


def demo_card_register(body: Mapping[str, Any]) -> dict[str, Any]:
    """A stand-in card register: a well-formed card number is valid, others are "051 wrong card number"."""
    card = str(body.get("maThe", ""))
    if not str(body.get("cccdCb", "")).strip():
        return {"maKetQua": "054", "ghiChu": "CCCD cán bộ tra cứu không có trong danh sách"}
    if len(card) != 15 or not card[:2].isalpha() or not card[2:].isdigit():
        return {"maKetQua": "051", "ghiChu": "Mã thẻ không đúng"}
    return {
        "maKetQua": "000",
        "ghiChu": "Thông tin thẻ chính xác",
        "maThe": card,
        "hoTen": body.get("hoTen"),
        "ngaySinh": body.get("ngaySinh"),
        "maDKBD": "01001",
        "gtTheTu": "01/01/2026",
        "gtTheDen": "31/12/2026",
        "maKV": "",
        "dsLichSuKCB2018": [],
        "dsLichSuKT2018": [],
    }


def _document(
    kind: DocumentKind,
    facility: RegisteredFacility,
    key: str,
    digest: str,
    envelope: bytes,
    at: datetime,
    period: str | None = None,
    claimed: Any = None,
    fund: Any = None,
) -> ReceivedDocument:
    return ReceivedDocument(
        transaction_id="",
        kind=kind,
        facility_code=facility.facility_code,
        key=key,
        version=0,
        envelope_sha256=digest,
        received_at=at,
        size=len(envelope),
        period=period,
        claimed_total=claimed,
        fund_amount=fund,
        envelope=envelope,
    )


def _signed(tree: Any) -> bool:
    slot = tree.getroot().find(sig.SIGNATURE_SLOT)
    return slot is not None and len(slot) > 0


def _vn(at: datetime) -> str:
    return at.astimezone(VN_TIME).strftime("%Y%m%d%H%M%S")


def _period(stamp: str | None, fallback: datetime) -> str:
    """Settlement period ``yyyy-MM`` from NGAY_TTOAN / NGAY_RA (yyyyMMddHHmm), else the reception month."""
    if stamp and len(stamp) >= 6 and stamp[:6].isdigit():
        return f"{stamp[:4]}-{stamp[4:6]}"
    return fallback.astimezone(VN_TIME).strftime("%Y-%m")
