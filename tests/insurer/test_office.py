"""The office gateway: refusal codes, de-duplication of resends, extension endpoints, fault injection."""

from __future__ import annotations

import asyncio
import base64
import csv
import hashlib
import io
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from claims.exchange.envelope_probe import minimal_envelope
from claims.exchange.signature import sign_document
from claims.insurer import (
    AssessedLine,
    AssessmentResult,
    DisallowanceReason,
    FaultConfig,
    Finding,
    PaymentNotice,
)
from claims.portal import GatewayRejected, GatewayRetryable
from claims.portal import protocol as p
from tests.gateway_support import NOW, account, client_for, demo_signer, office, signed_claim


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def _raw(app: Any, form: dict[str, str], *, path: str = p.SUBMIT_PATH, headers: dict[str, str] | None = None):
    """POST a form with a fresh token of 01001, bypassing the client (to send malformed things)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://office.test") as http:
        login = await http.post(p.TOKEN_PATH, data={"username": "01001_BV", "password": account().password_md5})
        key = login.json()["APIKey"]
        auth = {"accessToken": key["access_token"], "tokenId": key["id_token"], "passwordHash": account().password_md5}
        response = await http.post(path, data=form, headers=headers if headers is not None else auth)
        return response.json()


def _form(envelope: bytes | str, **overrides: str) -> dict[str, str]:
    encoded = envelope if isinstance(envelope, str) else base64.b64encode(envelope).decode()
    form = {"username": "01001_BV", "loaiHoSo": "130", "maTinh": "01", "maCSKCB": "01001", "fileHSBase64": encoded}
    form.update(overrides)
    return form


def _code(app: Any, form: dict[str, str], **kwargs: Any) -> str:
    return run(_raw(app, form, **kwargs))["maKetQua"]


def test_signature_refusals_have_their_codes() -> None:
    app, store = office()
    unsigned = minimal_envelope("01001", "S1")
    assert _code(app, _form(unsigned)) == p.SIGNATURE_MISSING
    other = sign_document(unsigned, demo_signer("02002"))
    assert _code(app, _form(other)) == p.CERTIFICATE_NOT_REGISTERED
    tampered = signed_claim("S1").replace(b"<NGAYLAP>20261031", b"<NGAYLAP>20261030")
    answer = run(_raw(app, _form(tampered)))
    assert answer["maKetQua"] == p.SIGNATURE_INVALID and answer["thongDiep"].startswith("digest_mismatch")
    assert store.stats().claims == 0 and store.stats().refused == 3


def test_unsigned_files_pass_when_signatures_are_not_required() -> None:
    app, _store = office(require_signature=False)
    assert _code(app, _form(minimal_envelope("01001", "U1"))) == p.OK
    tampered = signed_claim("U2").replace(b"<NGAYLAP>20261031", b"<NGAYLAP>20261030")
    assert _code(app, _form(tampered)) == p.SIGNATURE_INVALID  # a signature present is still checked


def test_malformed_requests_get_the_gateway_codes() -> None:
    app, store = office()
    good = signed_claim("M1")
    assert _code(app, _form("%%%not-base64")) == p.PARAMETER_ERROR
    assert _code(app, _form("")) == p.EMPTY_XML
    assert _code(app, {"username": "01001_BV", "loaiHoSo": "130", "maCSKCB": "01001"}) == p.PARAMETER_ERROR
    assert _code(app, _form(good, loaiHoSo="3")) == p.PARAMETER_ERROR
    assert _code(app, _form(b"<GIAMDINHHS><unclosed></GIAMDINHHS>")) == p.XML_FORMAT_ERROR
    bomb = b'<!DOCTYPE a [<!ENTITY x "y">]><GIAMDINHHS>&x;</GIAMDINHHS>'
    assert _code(app, _form(bomb)) == p.XML_FORMAT_ERROR
    assert _code(app, _form(b"<OTHER><CHUKYDONVI/></OTHER>")) == p.XML_FORMAT_ERROR
    assert _code(app, _form(good, maCSKCB="02002")) == p.FORBIDDEN
    assert _code(app, _form(good, username="02002_BV")) == p.FORBIDDEN
    assert _code(app, _form(good), headers={"accessToken": "forged", "tokenId": "x", "passwordHash": "y"}) == "401"
    # the envelope names another facility than the sender
    other = sign_document(minimal_envelope("02002", "M2"), demo_signer())
    assert _code(app, _form(other)) == p.XML_CONTENT_ERROR
    assert store.stats().claims == 0


def test_file_size_limit() -> None:
    app, _ = office(max_file_bytes=2000)
    assert _code(app, _form(signed_claim("L1"))) == p.FILE_TOO_LARGE


def test_validator_hook_refuses_with_content_error_naming_where() -> None:
    def strict(tree: Any, facts: Any) -> list[Finding]:
        return [Finding("PRICE_ABOVE_TARIFF", "XML3[2].DON_GIA_BH", "price above the tariff")]

    app, _ = office(validator=strict)
    answer = run(_raw(app, _form(signed_claim("V1"))))
    assert answer["maKetQua"] == p.XML_CONTENT_ERROR
    assert "XML3[2].DON_GIA_BH" in answer["thongDiep"]


def test_identical_resend_returns_the_original_receipt_and_is_not_counted() -> None:
    app, store = office()
    envelope = signed_claim("D1")

    async def scenario() -> Any:
        async with client_for(app) as client:
            first = await client.submit(account(), envelope)
            again = await asyncio.gather(*(client.submit(account(), envelope) for _ in range(10)))
            changed = await client.submit(account(), signed_claim("D1", total="160000.00"))
            changed_again = await client.submit(account(), signed_claim("D1", total="160000.00"))
            lookup_old = await client.find_submission(account(), "D1", hashlib.sha256(envelope).hexdigest())
            missing = await client.find_submission(account(), "NOPE", "0" * 64)
            return first, again, changed, changed_again, lookup_old, missing

    first, again, changed, changed_again, lookup_old, missing = run(scenario())
    assert {r.transaction_id for r in again} == {first.transaction_id}
    assert {r.received_at_raw for r in again} == {first.received_at_raw}
    assert changed.transaction_id != first.transaction_id
    assert changed_again.transaction_id == changed.transaction_id
    stats = store.stats()
    assert (stats.claims, stats.claim_versions, stats.duplicates) == (1, 2, 11)
    current = store.current("claim", "01001", "D1")
    assert current.version == 2 and current.claimed_total == Decimal("160000.00") and current.period == "2026-10"
    # the first bytes were received once but are no longer the current version
    assert lookup_old.found and lookup_old.known_envelope and not lookup_old.same_envelope and lookup_old.version == 2
    assert not missing.found


def _fault_run(seed: int) -> tuple[list[str], dict[str, int], int]:
    faults = FaultConfig(
        seed=seed, error_rate=0.2, error_after_rate=0.1, reject_rate=0.1, slow_rate=0.1, slow_seconds=0
    )
    app, store = office(faults=faults)
    envelopes = [(f"F{i}", signed_claim(f"F{i}")) for i in range(40)]

    async def scenario() -> list[str]:
        outcomes = []
        async with client_for(app) as client:
            results = await asyncio.gather(
                *(client.submit(account(), env, ma_lk=ma_lk) for ma_lk, env in envelopes), return_exceptions=True
            )
        for result in results:
            if isinstance(result, GatewayRetryable):
                outcomes.append("retry")
            elif isinstance(result, GatewayRejected):
                outcomes.append(f"reject:{result.code}")
            else:
                outcomes.append("ok")
        return outcomes

    outcomes = run(scenario())
    return outcomes, dict(app.state.faults.injected), store.stats().claims


def test_fault_injection_is_deterministic_by_seed_whatever_the_order() -> None:
    first, second, other = _fault_run(7), _fault_run(7), _fault_run(8)
    assert first == second
    assert first[0] != other[0]
    outcomes, injected, received = first
    assert {"ok", "retry", f"reject:{p.XML_CONTENT_ERROR}"} <= set(outcomes)
    # error_after stores the file although the sender saw a 5xx: received = ok + error_after
    assert received == outcomes.count("ok") + injected.get("error_after", 0)


def test_results_and_notices_are_published_as_json_and_csv() -> None:
    app, store = office("01001", "02002")
    reason = DisallowanceReason("PRICE_ABOVE_TARIFF", "Đơn giá vượt giá BHYT", "TT 39/2024")
    store.save_assessment(
        AssessmentResult(
            facility_code="01001", ma_lk="R1", period="2026-10", transaction_id="GD1", version=1,
            envelope_sha256="ab" * 32, status="partially_accepted", assessed_at=NOW,
            claimed=Decimal("150000.00"), approved=Decimal("120000.50"), disallowed=Decimal("29999.50"),
            lines=(
                AssessedLine("XML3", 1, "01.0001.0001", Decimal("100000"), Decimal("100000"), Decimal("0")),
                AssessedLine("XML2", 1, "40.17", Decimal("50000.00"), Decimal("20000.50"), Decimal("29999.50"),
                             (reason,)),
            ),
        )
    )  # fmt: skip
    store.save_assessment(
        AssessmentResult("02002", "X1", "2026-10", "GD9", 1, "cd" * 32, "accepted", NOW, Decimal(1), Decimal(1),
                         Decimal(0))
    )  # fmt: skip
    store.save_notice(
        PaymentNotice("TB-2026-10-1", "01001", "2026-10", "settlement", date(2026, 11, 20), 1,
                      Decimal("150000.00"), Decimal("120000.50"), Decimal("29999.50"), Decimal("100000"),
                      Decimal("20000.50"), ("R1",))
    )  # fmt: skip

    async def scenario() -> dict[str, Any]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://office.test") as http:
            key = (await http.post(p.TOKEN_PATH, data={"username": "01001_BV", "password": account().password_md5}))
            api = key.json()["APIKey"]
            h = {"accessToken": api["access_token"], "tokenId": api["id_token"], "passwordHash": account().password_md5}
            out = {
                "list": (await http.get(p.EXT_RESULTS_PATH, params={"kyQT": "2026-10"}, headers=h)).json(),
                "one": (await http.get(p.EXT_RESULTS_PATH + "/R1", headers=h)).json(),
                "other": (await http.get(p.EXT_RESULTS_PATH + "/X1", headers=h)).json(),
                "foreign": (await http.get(p.EXT_RESULTS_PATH, params={"maCSKCB": "02002"}, headers=h)).json(),
                "claims_csv": (await http.get(p.EXT_RESULTS_PATH, params={"format": "csv"}, headers=h)),
                "lines_csv": (
                    await http.get(p.EXT_RESULTS_PATH, params={"format": "csv", "level": "lines"}, headers=h)
                ).text,
                "notices": (await http.get(p.EXT_NOTICES_PATH, params={"kyQT": "2026-10"}, headers=h)).json(),
                "notice": (await http.get(p.EXT_NOTICES_PATH + "/TB-2026-10-1", headers=h)).json(),
                "notices_csv": (await http.get(p.EXT_NOTICES_PATH, params={"format": "csv"}, headers=h)).text,
                "anonymous": (await http.get(p.EXT_RESULTS_PATH)).json(),
            }
            return out

    out = run(scenario())
    assert [r["ma_lk"] for r in out["list"]["results"]] == ["R1"]  # only the caller's facility
    one = out["one"]["result"]
    assert one["approved"] == "120000.50" and one["lines"][1]["reasons"][0]["code"] == "PRICE_ABOVE_TARIFF"
    assert out["other"]["maKetQua"] == p.NOT_FOUND and out["foreign"]["maKetQua"] == p.FORBIDDEN
    assert out["anonymous"]["maKetQua"] == p.UNAUTHENTICATED
    assert out["claims_csv"].headers["content-type"].startswith("text/csv")
    claims_rows = list(csv.DictReader(io.StringIO(out["claims_csv"].text)))
    assert claims_rows[0]["disallowed"] == "29999.50" and claims_rows[0]["status"] == "partially_accepted"
    lines = list(csv.DictReader(io.StringIO(out["lines_csv"])))
    assert [line["reason_codes"] for line in lines] == ["", "PRICE_ABOVE_TARIFF"]
    assert out["notice"]["notice"]["amount"] == "20000.50" and out["notices"]["notices"][0]["kind"] == "settlement"
    assert next(csv.DictReader(io.StringIO(out["notices_csv"])))["ma_lks"] == "R1"


@pytest.mark.parametrize("kind", ["error", "timeout"])
def test_faults_after_reception_leave_the_file_stored(kind: str) -> None:
    config = FaultConfig(seed=3, error_after_rate=1.0) if kind == "error" else FaultConfig(
        seed=3, timeout_rate=1.0, timeout_seconds=2
    )
    app, store = office(faults=config)

    async def scenario() -> None:
        async with client_for(app, request_timeout=0.3) as client:
            with pytest.raises(GatewayRetryable) as info:
                await client.submit(account(), signed_claim("A1"))
            assert info.value.maybe_received

    run(scenario())
    assert store.stats().claims == 1
