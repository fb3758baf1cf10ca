"""Shared fixtures of the rules tests: where ``shared/`` is and helpers to build encounters."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import shared_dir


@pytest.fixture
def shared() -> Path:
    path = shared_dir()
    if path is None:
        pytest.skip("shared/ not available")
    return path
