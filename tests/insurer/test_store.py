from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from claims.insurer.schemas import ReceivedDocument
from claims.insurer.store import InMemoryGatewayStore
from tests.gateway_support import NOW


def _doc(sha: str, key: str = "K1") -> ReceivedDocument:
    return ReceivedDocument("", "claim", "01001", key, 0, sha, NOW, 10)


def test_concurrent_identical_records_store_one_version() -> None:
    store = InMemoryGatewayStore()
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda _: store.record(_doc("a" * 64)), range(200)))
    assert sum(not o.duplicate for o in outcomes) == 1
    assert len({o.document.transaction_id for o in outcomes}) == 1
    stats = store.stats()
    assert (stats.claims, stats.claim_versions, stats.duplicates) == (1, 1, 199)


def test_versions_replace_and_an_old_version_resent_becomes_current_again() -> None:
    store = InMemoryGatewayStore()
    v1 = store.record(_doc("1" * 64)).document
    v2 = store.record(_doc("2" * 64))
    assert v2.replaced == v1 and v2.document.version == 2
    v3 = store.record(_doc("1" * 64))  # not the current bytes: a new version, as the standard's resend rule says
    assert not v3.duplicate and v3.document.version == 3 and v3.document.transaction_id != v1.transaction_id
    assert store.find_version("claim", "01001", "K1", "2" * 64) == v2.document
    assert store.duplicate_of("claim", "01001", "K1", "2" * 64) is None
    assert store.duplicate_of("claim", "01001", "K1", "1" * 64) == v3.document
    assert store.stats().duplicates == 1
    assert store.documents("claim") == [v3.document] and store.documents("claim", "09999") == []
    assert replace(v1, version=1) == v1
