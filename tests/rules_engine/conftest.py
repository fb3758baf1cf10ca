"""Shared fixtures of the rules tests: where ``shared/`` is and helpers to build encounters."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def shared_dir() -> Path | None:
    env = os.environ.get("CLAIMS_SHARED_DIR")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parents[2] / ".." / "shared")
    candidates.append(Path("/work/shared"))
    for c in candidates:
        if (c / "spec" / "vectors.json").exists():
            return c.resolve()
    return None


@pytest.fixture
def shared() -> Path:
    path = shared_dir()
    if path is None:
        pytest.skip("shared/ not available")
    return path
