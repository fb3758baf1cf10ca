"""Fixtures for the XML 130 exchange tests: where the shared samples are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def shared_dir() -> Path | None:
    env = os.environ.get("CLAIMS_SHARED_DIR")
    if env:
        return Path(env)
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared"
        if (candidate / "samples" / "xml130").is_dir():
            return candidate
    return None


SHARED = shared_dir()
SAMPLES = SHARED / "samples" / "xml130" if SHARED else None


@pytest.fixture
def samples() -> Path:
    if SAMPLES is None or not SAMPLES.is_dir():
        pytest.skip("shared/samples/xml130 not present")
    return SAMPLES
