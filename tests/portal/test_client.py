"""The gateway client against the office app (ASGITransport) and against scripted transports."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from typing import Any

import httpx
import pytest

from claims.portal import (
    CardQuery,
    GatewayAuthError,
    GatewayClient,
    GatewayConnectionError,
    GatewayRejected,
    GatewayServerError,
    GatewayTimeout,
    password_hash,
)
from claims.portal import protocol as p
from tests.gateway_support import FakeClock, account, client_for, office, signed_claim


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_password_is_upper_case_md5() -> None:
    assert password_hash("abc") == "900150983CD24FB0D6963F7D28E17F72"


def test_token_is_cached_per_facility_and_renewed_60s_before_expiry() -> None:
    clock = FakeClock()
    app, _store = office("01001", "02002", clock=clock)

    async def scenario() -> list[int]:
        logins = []
        async with client_for(app, clock) as client:
            await client.submit(account(), signed_claim("A1"))
            await client.submit(account(), signed_claim("A2"))
            logins.append(client.logins)  # one login for two calls
            await client.submit(account("02002"), signed_claim("B1", "02002"))
            logins.append(client.logins)  # a second facility has its own token
            clock.advance(minutes=58, seconds=59)  # 61 s before expiry: still reused
            await client.submit(account(), signed_claim("A3"))
            logins.append(client.logins)
            clock.advance(seconds=2)  # 59 s before expiry: renewed
            await client.submit(account(), signed_claim("A4"))
            logins.append(client.logins)
        return logins

    assert run(scenario()) == [1, 2, 2, 3]


def test_token_expired_at_the_office_triggers_one_relogin_then_resend() -> None:
    office_clock, client_clock = FakeClock(), FakeClock()
    app, store = office(clock=office_clock)

    async def scenario() -> tuple[str, int]:
        async with client_for(app, client_clock) as client:
            await client.submit(account(), signed_claim("E1"))
            office_clock.advance(hours=2)  # the client still believes its token valid
            receipt = await client.submit(account(), signed_claim("E2"))
            return receipt.code, client.logins

    assert run(scenario()) == ("200", 2)
    assert store.stats().claims == 2


def _scripted(handler: Any) -> GatewayClient:
    return GatewayClient("http://gw.test", transport=httpx.MockTransport(handler), clock=FakeClock())


def _token_answer() -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "maKetQua": "200",
            "APIKey": {
                "access_token": "t",
                "id_token": "i",
                "token_type": "Bearer",
                "username": "01001_BV",
                "expires_in": "2026-11-02T09:00:00Z",
            },
        },
    )


def test_second_401_after_relogin_is_an_auth_error_not_a_loop() -> None:
    calls = {"token": 0, "submit": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == p.TOKEN_PATH:
            calls["token"] += 1
            return _token_answer()
        calls["submit"] += 1
        return httpx.Response(401 if calls["submit"] == 1 else 200, json={"maKetQua": "401", "thongDiep": "x"})

    async def scenario() -> None:
        async with _scripted(handler) as client:
            await client.submit(account(), b"<x/>")

    with pytest.raises(GatewayAuthError) as info:
        run(scenario())
    assert not info.value.retryable
    assert calls == {"token": 2, "submit": 2}


def test_wrong_password_is_an_auth_error() -> None:
    app, _ = office()

    async def scenario() -> None:
        async with client_for(app) as client:
            from claims.portal import FacilityAccount

            await client.submit(FacilityAccount.from_password("01001_BV", "wrong", "01001"), signed_claim("W1"))

    with pytest.raises(GatewayAuthError):
        run(scenario())


@pytest.mark.parametrize(
    ("respond", "error", "maybe_received"),
    [
        (lambda r: httpx.Response(503, text="busy"), GatewayServerError, True),
        (lambda r: httpx.Response(200, json={"maKetQua": "500", "thongDiep": "x"}), GatewayServerError, True),
        (lambda r: httpx.Response(200, json={"maKetQua": "124"}), GatewayServerError, True),
        (lambda r: httpx.Response(200, text="<html>proxy error</html>"), GatewayServerError, True),
        (lambda r: (_ for _ in ()).throw(httpx.ConnectError("refused")), GatewayConnectionError, False),
        (lambda r: (_ for _ in ()).throw(httpx.ConnectTimeout("slow")), GatewayTimeout, False),
        (lambda r: (_ for _ in ()).throw(httpx.ReadTimeout("slow")), GatewayTimeout, True),
        (lambda r: (_ for _ in ()).throw(httpx.RemoteProtocolError("cut")), GatewayConnectionError, True),
    ],
)
def test_retryable_failures_are_classified(respond: Any, error: type, maybe_received: bool) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return _token_answer() if request.url.path == p.TOKEN_PATH else respond(request)

    async def scenario() -> None:
        async with _scripted(handler) as client:
            await client.submit(account(), b"<x/>")

    with pytest.raises(error) as info:
        run(scenario())
    assert info.value.retryable
    assert info.value.maybe_received is maybe_received


@pytest.mark.parametrize("code", ["202", "201", "205", "1001", "403", "701", "211"])
def test_refusals_are_rejections_with_their_receipt(code: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == p.TOKEN_PATH:
            return _token_answer()
        return httpx.Response(200, json={"maKetQua": code, "maGiaoDich": None, "thongDiep": "lỗi"})

    async def scenario() -> None:
        async with _scripted(handler) as client:
            await client.submit(account(), b"<x/>")

    with pytest.raises(GatewayRejected) as info:
        run(scenario())
    assert not info.value.retryable and info.value.code == code and info.value.receipt.message == "lỗi"


def test_submission_form_and_headers_follow_the_gateway() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == p.TOKEN_PATH:
            return _token_answer()
        return httpx.Response(
            200, json={"maKetQua": "200", "maGiaoDich": "GD1", "thoiGianTiepNhan": "20261102153000", "thongDiep": ""}
        )

    envelope = b"<GIAMDINHHS>+/=</GIAMDINHHS>"

    async def scenario() -> Any:
        async with _scripted(handler) as client:
            return await client.submit(account(), envelope)

    receipt = run(scenario())
    assert receipt.transaction_id == "GD1" and receipt.received_at.isoformat() == "2026-11-02T08:30:00+00:00"
    login, submit = seen
    assert httpx.QueryParams(login.content.decode()) == httpx.QueryParams(
        {"username": "01001_BV", "password": password_hash("secret-01001")}
    )
    assert submit.url.path == p.SUBMIT_PATH
    assert submit.headers["content-type"] == "application/x-www-form-urlencoded"
    assert submit.headers["accessToken"] == "t" and submit.headers["tokenId"] == "i"
    assert submit.headers["passwordHash"] == password_hash("secret-01001")
    form = httpx.QueryParams(submit.content.decode())
    assert form["loaiHoSo"] == "130" and form["maTinh"] == "01" and form["maCSKCB"] == "01001"
    assert base64.b64decode(form["fileHSBase64"]) == envelope


def test_checkin_catalogue_and_card_lookup_against_the_office() -> None:
    from claims.exchange.envelope_probe import minimal_checkin
    from claims.exchange.signature import sign_document
    from tests.gateway_support import demo_signer

    app, store = office()
    checkin = sign_document(minimal_checkin("01001", "C1"), demo_signer())
    catalogue = sign_document(b"<HSDANHMUC><DSACH Id='x'/><CHUKYDONVI/></HSDANHMUC>", demo_signer())

    async def scenario() -> Any:
        async with client_for(app) as client:
            a = await client.check_in(account(), checkin, ma_lk="C1")
            b = await client.send_catalogue(account(), 3, catalogue)
            c = await client.lookup_card(
                account(), CardQuery("DN4010000000001", "NGUYEN VAN A", "01/01/1980", "TRAN B", "001080000001")
            )
            d = await client.lookup_card(account(), CardQuery("bad", "X", "01/01/1980", "TRAN B", "001080000001"))
            return a, b, c, d

    a, b, c, d = run(scenario())
    assert a.ok and b.ok and a.transaction_id != b.transaction_id
    assert c.code == "000" and c.card_valid_for_claim and c.fields["gtTheDen"] == "31/12/2026"
    assert d.code == "051" and not d.card_valid_for_claim
    assert store.stats().checkins == 1 and store.stats().catalogues == 1


def test_request_timeout_is_enforced_whatever_the_transport() -> None:
    from claims.insurer import FaultConfig

    app, store = office(faults=FaultConfig(seed=1, timeout_rate=1.0, timeout_seconds=5))
    envelope = signed_claim("T1")

    async def scenario() -> Any:
        async with client_for(app, request_timeout=0.3) as client:
            with pytest.raises(GatewayTimeout) as info:
                await client.submit(account(), envelope)
            assert info.value.maybe_received
            # exactly-once: before resending, ask the office whether it holds these bytes
            return await client.find_submission(account(), "T1", hashlib.sha256(envelope).hexdigest())

    found = run(scenario())
    assert found.found and found.same_envelope and found.known_envelope and found.version == 1
    assert store.stats().claims == 1


def test_unparseable_expiry_falls_back_to_a_short_lifetime() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == p.TOKEN_PATH:
            answer = _token_answer()
            body = answer.json()
            body["APIKey"]["expires_in"] = "soon"
            return httpx.Response(200, json=body)
        return httpx.Response(200, json={"maKetQua": "200", "maGiaoDich": "1"})

    async def scenario() -> Any:
        async with _scripted(handler) as client:
            return await client.token(account())

    token = run(scenario())
    assert (token.expires_at - FakeClock().now).total_seconds() == 300
