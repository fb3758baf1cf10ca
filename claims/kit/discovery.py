"""Find per-domain modules by convention (``claims/<domain>/<name>.py``), so a new domain's
models, routers and CLI commands are picked up without editing a central list."""

from __future__ import annotations

import pkgutil
from pathlib import Path

CLAIMS_ROOT = Path(__file__).resolve().parents[1]


def domain_modules(name: str) -> list[str]:
    """Dotted names of every ``claims.<domain>.<name>`` module that exists, sorted by domain."""
    found = []
    for info in sorted(pkgutil.iter_modules([str(CLAIMS_ROOT)]), key=lambda i: i.name):
        if info.ispkg and (CLAIMS_ROOT / info.name / f"{name}.py").is_file():
            found.append(f"claims.{info.name}.{name}")
    return found
