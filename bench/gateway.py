"""Office gateway micro-benchmark: receive + verify rate (claims/s).

Three figures on the same pre-signed envelopes (distinct MA_LK each, so nothing is short-cut as a duplicate):

1. baseline — ``verify_document`` alone, in process (parse + C14N + RSA-SHA256 verify + digest);
2. in-process — the office app through ``httpx.ASGITransport`` with the real client (token, form, base64);
3. loopback — the office app under uvicorn in another process on 127.0.0.1, the client over TCP.

Run: ``PYTHONPATH=. python bench/gateway.py [--claims 2000] [--concurrency 32] [--sample FILE]``.
``--sample`` uses a real envelope (e.g. ../shared/samples/xml130/...xml) instead of the small built-in one.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import socket
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import serialization

from claims.exchange.envelope_probe import minimal_envelope
from claims.exchange.signature import sign_document, verify_document
from claims.insurer import InMemoryGatewayStore, RegisteredFacility, create_gateway_app
from claims.portal import FacilityAccount, GatewayClient, password_hash
from claims.submission.signing import Pkcs12Signer, create_demo_certificate, load_certificate

FACILITY = "01001"
PASSWORD = "bench"


def _envelopes(signer: Pkcs12Signer, count: int, sample: Path | None) -> list[tuple[str, bytes]]:
    out = []
    template = sample.read_bytes().lstrip(b"\xef\xbb\xbf") if sample else None
    for i in range(count):
        ma_lk = f"BENCH{i:07d}"
        if template is None:
            raw = minimal_envelope(FACILITY, ma_lk)
        else:  # a real envelope: make each one distinct (a comment in the root changes the bytes, not the content)
            start = template.index(b">", template.index(b"<GIAMDINHHS")) + 1
            raw = template[:start] + f"<!-- {ma_lk} -->".encode() + template[start:]
        out.append((ma_lk, sign_document(raw, signer)))
    return out


def _app(cert_pem: bytes, facility_code: str) -> object:
    store = InMemoryGatewayStore()
    store.add_facility(
        RegisteredFacility(f"{FACILITY}_BV", password_hash(PASSWORD), facility_code, load_certificate(cert_pem))
    )
    return create_gateway_app(store, require_signature=True)


def _quiet_logs() -> None:
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(40))  # keep logging out of timings


def _serve(cert_pem: bytes, facility_code: str, port: int) -> None:
    import uvicorn

    _quiet_logs()

    uvicorn.run(_app(cert_pem, facility_code), host="127.0.0.1", port=port, log_level="error", access_log=False)


async def _send_all(
    client: GatewayClient, account: FacilityAccount, envelopes: list[tuple[str, bytes]], n: int
) -> float:
    queue = list(reversed(envelopes))

    async def worker() -> None:
        while queue:
            ma_lk, envelope = queue.pop()
            receipt = await client.submit(account, envelope, ma_lk=ma_lk)
            assert receipt.ok, receipt

    await client.token(account)  # log in outside the timing
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(n)))
    return time.perf_counter() - started


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--sample", type=Path, default=None)
    args = parser.parse_args()

    _quiet_logs()
    p12, cert_pem = create_demo_certificate(FACILITY, password="x", now=datetime.now(UTC))
    signer = Pkcs12Signer.from_bytes(p12, "x")
    envelopes = _envelopes(signer, args.claims, args.sample)
    facility_code = FACILITY
    if args.sample:
        from claims.exchange.envelope_probe import probe_document
        from claims.exchange.signature import parse_document

        facility_code = probe_document(parse_document(envelopes[0][1])).facility_code
    account = FacilityAccount(f"{FACILITY}_BV", password_hash(PASSWORD), facility_code)
    size = sum(len(e) for _, e in envelopes) / len(envelopes)
    print(f"{args.claims} envelopes, {size / 1024:.1f} KiB each, concurrency {args.concurrency}")

    cert = signer.certificate
    assert cert.public_bytes(serialization.Encoding.PEM) == cert_pem
    started = time.perf_counter()
    for _, envelope in envelopes:
        verify_document(envelope, cert)
    baseline = args.claims / (time.perf_counter() - started)
    print(f"baseline   verify_document only        : {baseline:8.0f} claims/s")

    async def in_process() -> float:
        transport = httpx.ASGITransport(app=_app(cert_pem, facility_code))  # type: ignore[arg-type]
        async with GatewayClient("http://office", transport=transport) as client:
            return await _send_all(client, account, envelopes, args.concurrency)

    rate = args.claims / asyncio.run(in_process())
    print(f"in-process office app (ASGITransport)  : {rate:8.0f} claims/s  ({rate / baseline:.2f}x baseline)")

    port = _free_port()
    server = multiprocessing.get_context("spawn").Process(target=_serve, args=(cert_pem, facility_code, port))
    server.start()
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx.get(url + "/api/ext/stats", timeout=0.5)
                break
            except httpx.TransportError:
                time.sleep(0.1)

        async def ceiling() -> float:
            # The same number of empty requests: what HTTP over loopback costs on this machine right now.
            limits = httpx.Limits(max_connections=args.concurrency)
            async with httpx.AsyncClient(base_url=url, limits=limits) as http:
                remaining = [args.claims]

                async def worker() -> None:
                    while remaining[0] > 0:
                        remaining[0] -= 1
                        await http.get("/api/ext/stats")

                started = time.perf_counter()
                await asyncio.gather(*(worker() for _ in range(args.concurrency)))
                return args.claims / (time.perf_counter() - started)

        async def loopback() -> float:
            async with GatewayClient(url, max_connections=args.concurrency) as client:
                return await _send_all(client, account, envelopes, args.concurrency)

        empty = asyncio.run(ceiling())
        print(f"loopback   empty GET (HTTP ceiling)    : {empty:8.0f} requests/s")
        rate = args.claims / asyncio.run(loopback())
        stats = httpx.get(url + "/api/ext/stats").json()
        print(
            f"loopback   uvicorn, 1 process, TCP     : {rate:8.0f} claims/s  "
            f"({rate / baseline:.2f}x baseline, {rate / empty:.2f}x the empty-request rate)"
        )
        counted = f"{stats['claims']} claims, {stats['claim_versions']} versions, refused {stats['refused']}"
        print(f"office counted {counted}")
    finally:
        server.terminate()
        server.join(5)


if __name__ == "__main__":
    main()
