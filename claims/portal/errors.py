"""What can go wrong talking to the gateway, split by what the caller must do next.

- :class:`GatewayRetryable` — try again later with backoff (5xx, time-outs, connection errors, a garbled
  answer, result 124). ``maybe_received`` says whether the gateway may have stored the file anyway: then
  the sender must look the submission up before resending (exactly-once design).
- :class:`GatewayRejected` — the gateway answered and refused (any other ``maKetQua``): never retry the same
  bytes; fix the data or the configuration.
- :class:`GatewayAuthError` — a rejection of the account itself (401 again after one fresh login).
"""

from __future__ import annotations

from claims.portal.schemas import GatewayReceipt


class GatewayError(Exception):
    """Base of every gateway failure; ``call`` names the gateway function."""

    retryable: bool = False

    def __init__(self, call: str, message: str) -> None:
        self.call = call
        self.message = message
        super().__init__(f"{call}: {message}")


class GatewayRetryable(GatewayError):
    retryable = True

    def __init__(self, call: str, message: str, *, maybe_received: bool, status: int | None = None) -> None:
        super().__init__(call, message)
        self.maybe_received = maybe_received
        self.status = status


class GatewayTimeout(GatewayRetryable):
    """No answer in time (connect 5 s / request 30 s)."""


class GatewayConnectionError(GatewayRetryable):
    """The connection failed or broke."""


class GatewayServerError(GatewayRetryable):
    """HTTP 5xx, ``maKetQua`` 500 or 124, or an unreadable answer."""


class GatewayRejected(GatewayError):
    """The gateway answered with a refusal; ``receipt`` holds ``maKetQua`` and ``thongDiep``."""

    def __init__(self, call: str, receipt: GatewayReceipt) -> None:
        super().__init__(call, f"refused with maKetQua {receipt.code}")
        self.receipt = receipt

    @property
    def code(self) -> str:
        return self.receipt.code


class GatewayAuthError(GatewayRejected):
    """Login refused, or the token refused again right after a fresh login."""
