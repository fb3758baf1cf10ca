"""A synchronous face of the async gateway client, for worker threads and the CLI.

One event loop runs in a daemon thread for the life of the object, so the client's connection pool and
token cache are shared by every call (a new loop per call would log in again each time).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

import httpx

from claims.portal.client import GatewayClient
from claims.portal.schemas import FacilityAccount, GatewayReceipt, SubmissionLookup

T = TypeVar("T")


class SyncGateway:
    def __init__(self, base_url: str, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="gateway-client", daemon=True)
        self._thread.start()
        self.client: GatewayClient = self._run(self._make(base_url, transport))

    @staticmethod
    async def _make(base_url: str, transport: httpx.AsyncBaseTransport | None) -> GatewayClient:
        return GatewayClient(base_url, transport=transport)

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def submit(self, account: FacilityAccount, envelope: bytes, ma_lk: str) -> GatewayReceipt:
        return self._run(self.client.submit(account, envelope, ma_lk=ma_lk))

    def find_submission(self, account: FacilityAccount, ma_lk: str, envelope_sha256: str) -> SubmissionLookup:
        return self._run(self.client.find_submission(account, ma_lk, envelope_sha256))

    def fetch_results(self, account: FacilityAccount, period: str | None = None) -> bytes:
        data: bytes = self._run(self.client.fetch_results(account, period))
        return data

    def fetch_notices(self, account: FacilityAccount, period: str | None = None) -> bytes:
        data: bytes = self._run(self.client.fetch_notices(account, period))
        return data

    def close(self) -> None:
        self._run(self.client.aclose())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
