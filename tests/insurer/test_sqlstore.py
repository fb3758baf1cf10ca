"""The office's SQL store: versions, de-duplication under concurrency, refusals, results and notices, on
SQLite and PostgreSQL; and the gateway app over it end to end through the client."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from claims.insurer import AssessedLine, AssessmentResult, DisallowanceReason, PaymentNotice, RegisteredFacility
from claims.insurer.models import OfficeDocument, OfficeDocumentKey
from claims.insurer.schemas import IssuedToken, ReceivedDocument, Refusal
from claims.insurer.sqlstore import SqlGatewayStore
from claims.portal import password_hash
from tests.gateway_support import NOW, FakeClock, account, client_for, demo_signer, signed_claim


def _doc(sha: str, key: str = "K1", fund: str = "100.50") -> ReceivedDocument:
    return ReceivedDocument(
        "", "claim", "01001", key, 0, sha, NOW, 10, "2026-10", Decimal("150"), Decimal(fund), b"<x/>"
    )


@pytest.fixture
def store(session_factory: Any) -> SqlGatewayStore:
    return SqlGatewayStore(session_factory)


def test_facilities_and_tokens_survive_a_new_store(store: SqlGatewayStore, session_factory: Any) -> None:
    cert = demo_signer("01001").certificate
    store.add_facility(RegisteredFacility("01001_BV", password_hash("x"), "01001", cert, "II"))
    store.save_token(IssuedToken("a" * 20, "b" * 10, "01001_BV", NOW + timedelta(hours=1)))
    fresh = SqlGatewayStore(session_factory)
    found = fresh.facility("01001_BV")
    assert found is not None and found.certificate == cert and found.hospital_class == "II"
    assert fresh.facility("nobody") is None
    token = fresh.token("a" * 20)
    assert token is not None and token.username == "01001_BV" and token.expires_at == NOW + timedelta(hours=1)
    assert fresh.token("nope") is None and fresh.token("") is None
    store.save_token(IssuedToken("c" * 20, "d" * 10, "01001_BV", NOW + timedelta(days=3)))
    assert SqlGatewayStore(session_factory).token("a" * 20) is None  # long expired by then: cleared
    # updating an account (a new certificate) is seen at once by the store that changed it
    store.add_facility(RegisteredFacility("01001_BV", password_hash("y"), "01001", None))
    changed = store.facility("01001_BV")
    assert changed is not None and changed.certificate is None and changed.password_md5 == password_hash("y")


def test_versions_replace_and_duplicates_are_not_counted(store: SqlGatewayStore, session_factory: Any) -> None:
    v1 = store.record(_doc("1" * 64))
    assert not v1.duplicate and v1.document.version == 1 and v1.document.transaction_id.startswith("20261102")
    again = store.record(_doc("1" * 64))
    assert again.duplicate and again.document.transaction_id == v1.document.transaction_id
    v2 = store.record(_doc("2" * 64, fund="90"))
    assert not v2.duplicate and v2.document.version == 2 and v2.replaced is not None
    assert v2.replaced.transaction_id == v1.document.transaction_id
    v3 = store.record(_doc("1" * 64))  # the first bytes again: not the current version, so a new version
    assert not v3.duplicate and v3.document.version == 3
    assert store.duplicate_of("claim", "01001", "K1", "2" * 64) is None
    dup = store.duplicate_of("claim", "01001", "K1", "1" * 64)
    assert dup is not None and dup.transaction_id == v3.document.transaction_id
    assert store.find_version("claim", "01001", "K1", "2" * 64) == v2.document.__class__(
        **{**_fields(v2.document), "envelope": b""}
    )
    current = store.current("claim", "01001", "K1")
    assert current is not None and current.version == 3 and current.envelope == b"<x/>"
    assert [d.version for d in store.documents("claim")] == [3] and store.documents("claim", "09999") == []
    assert store.documents("claim")[0].envelope == b""  # listings leave the bytes out
    assert [d.version for d in store.versions("claim", "01001", "K1")] == [1, 2, 3]
    stats = store.stats()
    assert (stats.claims, stats.claim_versions, stats.duplicates) == (1, 3, 2)
    with session_factory() as session:
        replaced = session.scalars(select(OfficeDocument).where(OfficeDocument.current.is_(False))).all()
        assert sorted(r.version for r in replaced) == [1, 2] and all(r.replaced_at == NOW for r in replaced)
        assert {r.result_code for r in replaced} == {"200"}


def _fields(document: ReceivedDocument) -> dict[str, Any]:
    return {name: getattr(document, name) for name in document.__slots__}  # type: ignore[attr-defined]


def test_concurrent_receptions_of_one_ma_lk_count_once(store: SqlGatewayStore, session_factory: Any) -> None:
    """Threads racing on the same MA_LK (identical bytes, and other MA_LKs at the same time): one version."""
    barrier = threading.Barrier(8)

    def receive(i: int) -> Any:
        if i < 8:
            barrier.wait()
        return store.record(_doc("a" * 64, key="RACE" if i % 2 == 0 else f"OTHER{i}"))

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(receive, range(40)))
    race = [o for i, o in enumerate(outcomes) if i % 2 == 0]
    assert sum(not o.duplicate for o in race) == 1
    assert len({o.document.transaction_id for o in race}) == 1
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(OfficeDocument).where(
            OfficeDocument.doc_key == "RACE")) == 1  # fmt: skip
        key = session.scalar(select(OfficeDocumentKey).where(OfficeDocumentKey.doc_key == "RACE"))
        assert key is not None and key.duplicates == 19 and key.versions == 1
    assert store.stats().claims == 21


def test_concurrent_changed_resends_make_consecutive_versions(store: SqlGatewayStore) -> None:
    with ThreadPoolExecutor(6) as pool:
        outcomes = list(pool.map(lambda i: store.record(_doc(f"{i:064x}")), range(12)))
    assert sorted(o.document.version for o in outcomes) == list(range(1, 13))
    current = store.current("claim", "01001", "K1")
    assert current is not None and current.version == 12


def test_refusals_results_and_notices(store: SqlGatewayStore) -> None:
    store.count_refusal(Refusal("claim", "01001", "R9", "f" * 64, "211", "digest_mismatch: …", NOW))
    store.count_refusal()  # nothing known: not stored
    assert store.stats().refused == 1 and store.refusals("01001")[0].code == "211"

    doc = store.record(_doc("1" * 64)).document
    reason = DisallowanceReason("PRICE_ABOVE_TARIFF", "Đơn giá vượt giá BHYT", "TT 39/2018", "Price above tariff",
                                "PRICE.CLASS", "demo_tariff.csv:40.17#", Decimal("29999.50"))  # fmt: skip
    line = AssessedLine("XML2", 1, "40.17", Decimal("50000.00"), Decimal("20000.50"), Decimal("29999.50"), (reason,))
    result = AssessmentResult("01001", "K1", "2026-10", doc.transaction_id, 1, doc.envelope_sha256,
                              "partially_accepted", NOW, Decimal("50000.00"), Decimal("20000.50"),
                              Decimal("29999.50"), (), (line,))  # fmt: skip
    assert store.unassessed() == [doc]
    store.save_assessment(result)
    assert store.unassessed() == []
    assert store.assessment("01001", "K1") == result
    store.save_assessment(result)  # assessing the same version again replaces its result
    assert store.assessments("01001", "2026-10") == [result] and store.assessments("01001", "2026-09") == []

    v2 = store.record(_doc("2" * 64)).document
    assert store.unassessed() == [v2]
    assert store.assessment("01001", "K1") == result  # the earlier result stays current until v2 is assessed
    with pytest.raises(LookupError):
        store.save_assessment(AssessmentResult("01001", "NOPE", "2026-10", "x", 1, "x", "accepted", NOW,
                                               Decimal(0), Decimal(0), Decimal(0)))  # fmt: skip

    notice = PaymentNotice("TB-1", "01001", "2026-10", "advance", date(2026, 10, 20), 1, Decimal("50000.00"),
                           Decimal(0), Decimal(0), Decimal(0), Decimal("10000"))  # fmt: skip
    store.save_notice(notice)
    assert store.notice("01001", "TB-1") == notice and store.notice("01001", "TB-2") is None
    corrected = PaymentNotice(**{**{n: getattr(notice, n) for n in notice.__slots__}, "amount": Decimal("12000")})  # type: ignore[attr-defined]
    store.save_notice(corrected)
    assert store.notices("01001") == [corrected] and store.notices("01001", "2026-11") == []


def test_gateway_app_over_the_sql_store(store: SqlGatewayStore) -> None:
    """The real client against the office app on the SQL store: receipt, identical resend, lookup."""
    from claims.insurer import create_gateway_app

    store.add_facility(RegisteredFacility("01001_BV", password_hash("secret-01001"), "01001",
                                          demo_signer("01001").certificate))  # fmt: skip
    clock = FakeClock()
    app = create_gateway_app(store, clock=clock)
    envelope = signed_claim("SQL1")

    async def scenario() -> Any:
        async with client_for(app, clock) as client:
            first = await client.submit(account(), envelope)
            again = await asyncio.gather(*(client.submit(account(), envelope) for _ in range(5)))
            found = await client.find_submission(account(), "SQL1", first_hash(envelope))
            return first, again, found

    first, again, found = asyncio.run(scenario())
    assert first.ok and {r.transaction_id for r in again} == {first.transaction_id}
    assert found.found and found.same_envelope and found.transaction_id == first.transaction_id
    stats = store.stats()
    assert (stats.claims, stats.claim_versions, stats.duplicates) == (1, 1, 5)


def first_hash(envelope: bytes) -> str:
    from claims.portal.protocol import envelope_hash

    return envelope_hash(envelope)


def test_the_office_assesses_in_the_background_as_claims_arrive(engine: Any) -> None:
    import time

    from claims.exchange.signature import sign_document
    from claims.insurer.office import create_office_app
    from claims.portal import FacilityAccount
    from tests.insurer.claims_support import demo_claims

    app = create_office_app(engine, assess_every=0.05)
    store = app.state.gateway.store
    signer = demo_signer("01999")
    store.add_facility(RegisteredFacility("01999_BV", password_hash("pw"), "01999", signer.certificate, "II", "tỉnh"))
    account_01999 = FacilityAccount.from_password("01999_BV", "pw", "01999")

    async def send() -> None:
        async with client_for(app) as client:
            for hoso, envelope in demo_claims()[:3]:
                assert (await client.submit(account_01999, sign_document(envelope, signer), ma_lk=hoso.ma_lk)).ok

    try:
        asyncio.run(send())
        deadline = time.monotonic() + 20
        while store.unassessed() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        app.state.stop_assessing()
    results = store.assessments("01999")
    assert len(results) == 3 and all(r.status == "accepted" and r.lines for r in results)
