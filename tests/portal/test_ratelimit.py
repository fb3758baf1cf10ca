import asyncio
import time

from claims.portal.ratelimit import TokenBucket
from tests.gateway_support import account, client_for, office, signed_claim


def test_bucket_spaces_calls_after_the_burst() -> None:
    async def scenario() -> float:
        bucket = TokenBucket(rate=50, burst=5)
        started = time.monotonic()
        for _ in range(15):
            await bucket.acquire()
        return time.monotonic() - started

    elapsed = asyncio.run(scenario())
    assert 0.18 <= elapsed < 1.0  # 5 immediately, then 10 at 50/s ≈ 0.2 s


def test_client_limits_each_account_separately() -> None:
    app, store = office("01001", "02002")

    async def scenario() -> float:
        async with client_for(app, rate_per_account=10, burst=1) as client:
            started = time.monotonic()
            await asyncio.gather(
                *(client.submit(account(), signed_claim(f"A{i}")) for i in range(4)),
                *(client.submit(account("02002"), signed_claim(f"B{i}", "02002")) for i in range(4)),
            )
            return time.monotonic() - started

    elapsed = asyncio.run(scenario())
    # per account: 1 login + 4 submissions = 5 calls at 10/s ≈ 0.4 s; accounts side by side (one budget: 0.9 s)
    assert 0.38 <= elapsed < 0.75
    assert store.stats().claims == 8
