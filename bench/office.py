"""The office's receive + validate rate and its assessment rate, on its SQL store.

Real demo claims (priced with the demo tariff, signed) are sent through the gateway client to the office app on
``httpx.ASGITransport`` (no network: the office's own work is measured — signature check, schemas, the check
catalogue, de-duplication and storage), with ``--concurrency`` requests in flight; then the office assesses
them all (re-pricing with its tariff). Prints claims per second (wall clock and CPU) and the ratio to the
target the end-to-end submission path needs (200 claims/s, issue 7).

    python bench/office.py --claims 300 [--database-url postgresql+psycopg://…]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

TARGET = 200.0  # claims per second end to end (issue 7)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()

    import httpx

    from claims.catalogue.demo import demo_tariff
    from claims.demo.generator import generate_encounters
    from claims.exchange.claim_builder import build_hoso
    from claims.exchange.signature import sign_document
    from claims.exchange.writer import write_claim
    from claims.insurer import RegisteredFacility
    from claims.insurer.assessment import assess_pending
    from claims.insurer.assessor import facility_profile
    from claims.insurer.office import create_office_app, tariff_assessor
    from claims.kit.db import make_engine
    from claims.migrate import upgrade
    from claims.portal import FacilityAccount, GatewayClient, password_hash
    from claims.pricing.adapter import price_encounters
    from claims.submission.signing import Pkcs12Signer, create_demo_certificate

    p12, _pem = create_demo_certificate("01999", password="b", now=datetime.now(UTC))
    signer = Pkcs12Signer.from_bytes(p12, "b")
    encounters = list(generate_encounters(args.claims, 11, "01999", expired_card_share=0.0))
    priced = price_encounters(encounters, facility_profile("01999", "tỉnh", "II"), demo_tariff())
    envelopes = [(p.encounter.claim_key, sign_document(write_claim(build_hoso(p), ngaylap="20261101"), signer))
                 for p in priced]  # fmt: skip

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'office.db'}"
        upgrade(url)
        engine = make_engine(url, pool_size=args.concurrency)
        app = create_office_app(engine)
        store = app.state.gateway.store
        store.add_facility(RegisteredFacility("01999_BV", password_hash("b"), "01999", signer.certificate, "II",
                                              "tỉnh"))  # fmt: skip
        account = FacilityAccount.from_password("01999_BV", "b", "01999")

        async def send_all() -> None:
            async with GatewayClient("http://office.test", transport=httpx.ASGITransport(app=app)) as client:
                queue = list(envelopes)

                async def worker() -> None:
                    while queue:
                        ma_lk, envelope = queue.pop()
                        receipt = await client.submit(account, envelope, ma_lk=ma_lk)
                        assert receipt.ok, receipt

                await asyncio.gather(*(worker() for _ in range(args.concurrency)))

        wall, cpu = time.perf_counter(), time.process_time()
        asyncio.run(send_all())
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        stats = store.stats()
        assert stats.claims == len(envelopes), stats
        rate = len(envelopes) / wall
        print(f"receive+validate: {len(envelopes)} claims in {wall:.2f} s = {rate:.0f} claims/s "
              f"({len(envelopes) / cpu:.0f}/CPU-s); ratio to {TARGET:.0f}/s: {rate / TARGET:.2f}")  # fmt: skip

        wall, cpu = time.perf_counter(), time.process_time()
        results = assess_pending(store, tariff_assessor(store), datetime.now(UTC))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"assessment: {len(results)} claims in {wall:.2f} s = {len(results) / wall:.0f} claims/s "
              f"({len(results) / cpu:.0f}/CPU-s)")  # fmt: skip
        engine.dispose()


if __name__ == "__main__":
    main()
