"""Shared fixtures of the gateway tests (submission, portal, insurer): demo certificates, envelopes."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from claims.submission.signing import Pkcs12Signer, create_demo_certificate

NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


@lru_cache(maxsize=8)
def demo_signer(facility_code: str = "01001") -> Pkcs12Signer:
    """A cached self-signed signer per facility (key generation is slow)."""
    p12, _pem = create_demo_certificate(facility_code, password="demo-pass", now=NOW)
    return Pkcs12Signer.from_bytes(p12, "demo-pass")


def shared_dir() -> Path | None:
    """`../shared` beside the repository, or CLAIMS_SHARED_DIR; None when absent (tests then skip)."""
    candidates = [os.environ.get("CLAIMS_SHARED_DIR"), Path(__file__).resolve().parents[1] / ".." / "shared"]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None
