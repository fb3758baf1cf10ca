"""The README documents every setting and gives exactly the two quick-start commands."""

from __future__ import annotations

import re
from pathlib import Path

from claims.settings import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented():
    for name in Settings.model_fields:
        assert f"`CLAIMS_{name.upper()}`" in README, name


def test_quick_start_has_exactly_two_commands():
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.*?)\n```", quick, flags=re.S)
    assert commands == ["make run", "make test"]
