"""The gateway client: one async ``httpx`` client, tokens cached per facility account.

- A token is reused until 60 s before its ``expires_in`` and renewed afterwards; on a 401 (HTTP status or
  ``maKetQua``) the client logs in again **once** and resends; a second 401 is a :class:`GatewayAuthError`.
- Each call is one attempt: retries with backoff belong to the workers, which see
  :class:`~claims.portal.errors.GatewayRetryable` vs :class:`~claims.portal.errors.GatewayRejected`.
- Time-outs: 5 s to connect, 30 s for the whole request (enforced around the call too, so any transport obeys).
- Optional rate limit per facility account (``rate_per_account`` calls/s, ``burst``), per process.
- Every exchange is logged (call, facility, status, result code, transaction id, sizes, duration) and
  nothing else: no payload, no card data, no token, no message text (it may quote personal data).

Pass ``transport`` (``httpx.MockTransport``, ``httpx.ASGITransport`` on the office app) in tests.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote_plus

import httpx
import structlog

from claims.portal import protocol as p
from claims.portal.errors import (
    GatewayAuthError,
    GatewayConnectionError,
    GatewayRejected,
    GatewayRetryable,
    GatewayServerError,
    GatewayTimeout,
)
from claims.portal.expiry import FALLBACK_LIFETIME, parse_expiry
from claims.portal.ratelimit import TokenBucket
from claims.portal.schemas import (
    CardLookupResult,
    CardQuery,
    FacilityAccount,
    GatewayReceipt,
    GatewayToken,
    SubmissionLookup,
)

# httpx logs every request URL at INFO; the card lookup URL carries the token and password hash
# (gateway.md §5), so its logger must stay quiet below WARNING.
logging.getLogger("httpx").setLevel(logging.WARNING)

log = structlog.get_logger("claims.portal")

CONNECT_TIMEOUT = 5.0
REQUEST_TIMEOUT = 30.0
RENEW_BEFORE = timedelta(seconds=60)


class GatewayClient:
    """Async client of the BHXH gateway (and of our office gateway, which answers the same way)."""

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        connect_timeout: float = CONNECT_TIMEOUT,
        request_timeout: float = REQUEST_TIMEOUT,
        max_connections: int = 100,
        rate_per_account: float | None = None,
        burst: int = 1,
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url,
            transport=transport,
            timeout=httpx.Timeout(request_timeout, connect=connect_timeout),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        )
        self._clock = clock
        self._request_timeout = request_timeout
        self._tokens: dict[str, GatewayToken] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._rate = rate_per_account
        self._burst = burst
        self._buckets: dict[str, TokenBucket] = {}
        self.logins = 0  # how many times we logged in (tests and metrics)

    async def __aenter__(self) -> GatewayClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # ---- token -------------------------------------------------------------------------------

    async def token(self, account: FacilityAccount, *, force: bool = False) -> GatewayToken:
        """The cached token of ``account``, logging in when absent, within 60 s of expiry, or ``force``."""
        lock = self._locks.setdefault(account.username, asyncio.Lock())
        async with lock:
            cached = self._tokens.get(account.username)
            if not force and cached is not None and self._clock() < cached.expires_at - RENEW_BEFORE:
                return cached
            token = await self._login(account)
            self._tokens[account.username] = token
            return token

    def forget_token(self, account: FacilityAccount) -> None:
        self._tokens.pop(account.username, None)

    async def _login(self, account: FacilityAccount) -> GatewayToken:
        form = {"username": account.username, "password": account.password_md5}
        response = await self._send("token", account, "POST", p.TOKEN_PATH, data=form)
        body = self._json("token", response)
        code = str(body.get("maKetQua", ""))
        api_key = body.get("APIKey") if isinstance(body.get("APIKey"), dict) else None
        if response.status_code == httpx.codes.UNAUTHORIZED or code in p.AUTH_CODES or (
            code == p.OK and api_key is None
        ):
            raise GatewayAuthError("token", GatewayReceipt(code or "401", None, None, body.get("thongDiep")))
        if code != p.OK or api_key is None:
            self._raise_for_code("token", GatewayReceipt(code, None, None, body.get("thongDiep")), response)
        assert api_key is not None
        now = self._clock()
        expires_at = parse_expiry(api_key.get("expires_in"), now)
        if expires_at is None:
            log.warning("gateway.token_expiry_unreadable", username=account.username)
            expires_at = now + FALLBACK_LIFETIME
        self.logins += 1
        return GatewayToken(
            access_token=str(api_key.get("access_token", "")),
            id_token=str(api_key.get("id_token", "")),
            token_type=str(api_key.get("token_type", "")),
            username=str(api_key.get("username", account.username)),
            expires_at=expires_at,
        )

    # ---- calls ---------------------------------------------------------------------------------

    async def check_in(self, account: FacilityAccount, document: bytes, *, ma_lk: str | None = None) -> GatewayReceipt:
        """Send a signed XML0 check-in document (``checkInKcbQd3176``)."""
        return await self._post_file("check_in", account, p.CHECKIN_PATH, p.LOAI_HO_SO_CHECKIN, document, ma_lk)

    async def submit(self, account: FacilityAccount, envelope: bytes, *, ma_lk: str | None = None) -> GatewayReceipt:
        """Send one signed ``GIAMDINHHS`` envelope (``guiHoSoXmlQD3176``); ``maKetQua`` 200 = received."""
        return await self._post_file("submit", account, p.SUBMIT_PATH, p.LOAI_HO_SO_CLAIM, envelope, ma_lk)

    async def send_catalogue(self, account: FacilityAccount, template: int, document: bytes) -> GatewayReceipt:
        """Send a signed G2 catalogue (``HSDANHMUC``, templates 1–6, catalogues.md §9)."""
        try:
            path, loai_hs = p.CATALOGUE_ENDPOINTS[template]
        except KeyError:
            raise ValueError(f"no G2 catalogue template {template}") from None

        def form(_token: GatewayToken) -> dict[str, str]:
            return {
                "username": account.username,
                "loaiHs": loai_hs,
                "maTinh": account.province_code,
                "maCSKCB": account.facility_code,
                "fileHsBase64": base64.b64encode(document).decode("ascii"),
            }

        return await self._receipt_call(f"catalogue_{template:02d}", account, path, form, len(document), None)

    async def lookup_card(self, account: FacilityAccount, query: CardQuery) -> CardLookupResult:
        """Card and history lookup (``KQNhanLichSuKCB2024``): credentials in the query string, JSON body."""
        for attempt in (1, 2):
            token = await self.token(account, force=attempt == 2)
            params = {
                "token": token.access_token,
                "id_token": token.id_token,
                "username": account.username,
                "password": account.password_md5,
            }
            response = await self._send(
                "card_lookup", account, "POST", p.CARD_LOOKUP_PATH, params=params, json=query.body(), attempt=attempt
            )
            if self._unauthorised(response):
                continue
            body = self._json("card_lookup", response)
            code = str(body.get("maKetQua", ""))
            if code in p.AUTH_CODES:
                continue
            if response.status_code >= 500 or code in {"101", "500"}:
                raise GatewayServerError(
                    "card_lookup", f"server error {code}", maybe_received=False, status=response.status_code
                )
            note = body.get("ghiChu")
            fields = {k: v for k, v in body.items() if k not in {"maKetQua", "ghiChu"}}
            return CardLookupResult(code=code, note=note if isinstance(note, str) else None, fields=fields)
        raise GatewayAuthError("card_lookup", GatewayReceipt(p.UNAUTHENTICATED, None, None, None))

    async def find_submission(self, account: FacilityAccount, ma_lk: str, envelope_sha256: str) -> SubmissionLookup:
        """**Our extension** (not the real gateway): what the office holds for ``ma_lk``, compared to a hash.

        Used before resending after an ambiguous failure, so that a file the office already received is not
        sent again (exactly-once design).
        """
        for attempt in (1, 2):
            token = await self.token(account, force=attempt == 2)
            response = await self._send(
                "lookup",
                account,
                "GET",
                p.EXT_SUBMISSION_LOOKUP_PATH,
                params={"maCSKCB": account.facility_code, "maLK": ma_lk, "hash": envelope_sha256},
                headers=self._headers(token, account),
                attempt=attempt,
            )
            if self._unauthorised(response):
                continue
            body = self._json("lookup", response)
            code = str(body.get("maKetQua", ""))
            if code in p.AUTH_CODES:
                continue
            if code == p.NOT_FOUND:
                return SubmissionLookup(False, False, False, None, None, None)
            if code != p.OK:
                self._raise_for_code("lookup", self._receipt(body), response)
            version = body.get("phienBan")
            return SubmissionLookup(
                found=True,
                same_envelope=bool(body.get("trungKhop")),
                known_envelope=bool(body.get("daNhan")),
                transaction_id=body.get("maGiaoDich"),
                received_at_raw=body.get("thoiGianTiepNhan"),
                version=int(version) if isinstance(version, int | str) and str(version).isdigit() else None,
            )
        raise GatewayAuthError("lookup", GatewayReceipt(p.UNAUTHENTICATED, None, None, None))

    # ---- plumbing ------------------------------------------------------------------------------

    async def _post_file(
        self, call: str, account: FacilityAccount, path: str, loai_ho_so: str, document: bytes, ma_lk: str | None
    ) -> GatewayReceipt:
        encoded = base64.b64encode(document).decode("ascii")

        def form(_token: GatewayToken) -> dict[str, str]:
            return {
                "username": account.username,
                "loaiHoSo": loai_ho_so,
                "maTinh": account.province_code,
                "maCSKCB": account.facility_code,
                "fileHSBase64": encoded,
            }

        return await self._receipt_call(call, account, path, form, len(document), ma_lk)

    async def _receipt_call(
        self,
        call: str,
        account: FacilityAccount,
        path: str,
        form: Callable[[GatewayToken], dict[str, str]],
        size: int,
        ma_lk: str | None,
    ) -> GatewayReceipt:
        for attempt in (1, 2):
            token = await self.token(account, force=attempt == 2)
            response = await self._send(
                call,
                account,
                "POST",
                path,
                content=_urlencode(form(token)),
                headers={**self._headers(token, account), "Content-Type": _FORM},
                attempt=attempt,
                size=size,
                ma_lk=ma_lk,
            )
            if self._unauthorised(response):
                continue
            receipt = self._receipt(self._json(call, response, maybe_received=True))
            if receipt.code in p.AUTH_CODES:
                continue
            self._log_result(call, account, receipt, ma_lk)
            if not receipt.ok:
                self._raise_for_code(call, receipt, response)
            return receipt
        raise GatewayAuthError(call, GatewayReceipt(p.UNAUTHENTICATED, None, None, None))

    @staticmethod
    def _headers(token: GatewayToken, account: FacilityAccount) -> dict[str, str]:
        return {"accessToken": token.access_token, "tokenId": token.id_token, "passwordHash": account.password_md5}

    @staticmethod
    def _unauthorised(response: httpx.Response) -> bool:
        return response.status_code == httpx.codes.UNAUTHORIZED

    @staticmethod
    def _receipt(body: Mapping[str, Any]) -> GatewayReceipt:
        def text(key: str) -> str | None:
            value = body.get(key)
            return None if value is None else str(value)

        code = str(body.get("maKetQua", ""))
        return GatewayReceipt(code, text("maGiaoDich"), text("thoiGianTiepNhan"), text("thongDiep"))

    @staticmethod
    def _raise_for_code(call: str, receipt: GatewayReceipt, response: httpx.Response) -> None:
        if receipt.code in p.RETRYABLE_CODES or response.status_code >= 500:
            raise GatewayServerError(
                call, f"maKetQua {receipt.code}", maybe_received=True, status=response.status_code
            )
        raise GatewayRejected(call, receipt)

    @staticmethod
    def _json(call: str, response: httpx.Response, *, maybe_received: bool = False) -> dict[str, Any]:
        if response.status_code >= 500:
            raise GatewayServerError(
                call, f"HTTP {response.status_code}", maybe_received=maybe_received, status=response.status_code
            )
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise GatewayServerError(
                call, "unreadable answer", maybe_received=maybe_received, status=response.status_code
            )
        return body

    async def _send(
        self,
        call: str,
        account: FacilityAccount,
        method: str,
        path: str,
        *,
        attempt: int = 1,
        size: int | None = None,
        ma_lk: str | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        started = time.perf_counter()
        fields: dict[str, Any] = {"call": call, "facility": account.facility_code, "attempt": attempt}
        if ma_lk is not None:
            fields["ma_lk"] = ma_lk  # the episode key is not a personal identifier
        if size is not None:
            fields["bytes"] = size
        if self._rate is not None:
            bucket = self._buckets.get(account.username)
            if bucket is None:
                bucket = self._buckets[account.username] = TokenBucket(self._rate, self._burst)
            await bucket.acquire()  # before the timer starts: waiting for our own budget is not a gateway delay
            started = time.perf_counter()
        try:
            async with asyncio.timeout(self._request_timeout):
                response = await self._http.request(method, path, **kwargs)
        except (TimeoutError, httpx.TimeoutException) as exc:
            connect = isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout)
            log.warning("gateway.timeout", **fields, ms=_ms(started))
            raise GatewayTimeout(call, "no answer in time", maybe_received=not connect) from None
        except httpx.ConnectError:
            log.warning("gateway.connection_failed", **fields, ms=_ms(started))
            raise GatewayConnectionError(call, "could not connect", maybe_received=False) from None
        except httpx.TransportError as exc:
            log.warning("gateway.connection_broken", **fields, error=type(exc).__name__, ms=_ms(started))
            raise GatewayConnectionError(call, "connection broken", maybe_received=True) from None
        log.info("gateway.exchange", **fields, status=response.status_code, ms=_ms(started))
        return response

    @staticmethod
    def _log_result(call: str, account: FacilityAccount, receipt: GatewayReceipt, ma_lk: str | None) -> None:
        log.info(
            "gateway.result",
            call=call,
            facility=account.facility_code,
            code=receipt.code,
            transaction=receipt.transaction_id,
            **({"ma_lk": ma_lk} if ma_lk else {}),
        )


_FORM = "application/x-www-form-urlencoded"


def _urlencode(form: Mapping[str, str]) -> bytes:
    """URL-encode a form; base64 fields need only ``+ / =`` escaped, which is much faster than quoting each byte
    of a multi-megabyte value (the generic encoder dominated the client's time)."""
    parts = []
    for key, value in form.items():
        if key.lower() == "filehsbase64":
            # str.replace runs in C; str.translate with a mapping is a Python-level loop per character.
            encoded = value.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
        else:
            encoded = quote_plus(value)
        parts.append(f"{quote_plus(key)}={encoded}")
    return "&".join(parts).encode("ascii")


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


__all__ = ["CONNECT_TIMEOUT", "RENEW_BEFORE", "REQUEST_TIMEOUT", "GatewayClient", "GatewayRetryable"]
