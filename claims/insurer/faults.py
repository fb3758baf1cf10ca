"""Configurable faults of the office gateway, deterministic by seed.

Each request is keyed by its path and body; the *n*-th time the same key arrives, the decision is drawn from
``sha256(seed, key, n)``. So a run is reproducible whatever the order in which concurrent requests arrive, and a
resend of the same bytes gets a fresh draw (a fault does not repeat forever).

Kinds:

- ``error`` — HTTP 500 / ``maKetQua`` 500 before anything is stored;
- ``error_after`` — the document is stored, then HTTP 500 (the answer is lost: the sender must look it up);
- ``timeout`` — the document is stored, then the answer comes after ``timeout_seconds`` (past the client's);
- ``reject`` — refused with ``reject_code`` (a rejection: no retry);
- ``slow`` — answered normally after ``slow_seconds``.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from claims.portal import protocol as p

FaultKind = Literal["error", "error_after", "timeout", "reject", "slow"]
DEFAULT_PATHS = frozenset(
    {p.SUBMIT_PATH, p.CHECKIN_PATH, p.CARD_LOOKUP_PATH, *(path for path, _ in p.CATALOGUE_ENDPOINTS.values())}
)


@dataclass(frozen=True)
class FaultConfig:
    seed: int = 0
    error_rate: float = 0.0
    error_after_rate: float = 0.0
    timeout_rate: float = 0.0
    reject_rate: float = 0.0
    slow_rate: float = 0.0
    timeout_seconds: float = 35.0
    slow_seconds: float = 2.0
    reject_code: str = p.XML_CONTENT_ERROR
    paths: frozenset[str] = field(default=DEFAULT_PATHS)

    def __post_init__(self) -> None:
        rates = (self.error_rate, self.error_after_rate, self.timeout_rate, self.reject_rate, self.slow_rate)
        if any(r < 0 for r in rates) or sum(rates) > 1:
            raise ValueError("fault rates must be ≥ 0 and sum to at most 1")

    @property
    def active(self) -> bool:
        return any((self.error_rate, self.error_after_rate, self.timeout_rate, self.reject_rate, self.slow_rate))


class FaultInjector:
    def __init__(self, config: FaultConfig) -> None:
        self.config = config
        self._seen: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.injected: Counter[str] = Counter()

    def decide(self, path: str, body: bytes) -> FaultKind | None:
        config = self.config
        if not config.active or path not in config.paths:
            return None
        key = hashlib.sha256(path.encode() + b"\0" + body).hexdigest()
        with self._lock:
            occurrence = self._seen[key]
            self._seen[key] += 1
        draw = hashlib.sha256(f"{config.seed}:{key}:{occurrence}".encode()).digest()
        u = int.from_bytes(draw[:8], "big") / 2**64
        threshold = 0.0
        kinds: tuple[tuple[FaultKind, float], ...] = (
            ("error", config.error_rate),
            ("error_after", config.error_after_rate),
            ("timeout", config.timeout_rate),
            ("reject", config.reject_rate),
            ("slow", config.slow_rate),
        )
        for kind, rate in kinds:
            threshold += rate
            if u < threshold:
                with self._lock:
                    self.injected[kind] += 1
                return kind
        return None
