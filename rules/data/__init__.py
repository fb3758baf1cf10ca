"""Packaged, dated parameter tables (CSV). The only place in :mod:`rules` that reads files.

Files are read once, at first use, through :mod:`importlib.resources`; nothing is read while pricing.
Every row carries ``valid_from`` / ``valid_to`` (ISO dates, ``valid_to`` empty while in force) and ``source``.
"""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib import resources

TABLES = (
    "base_salary",
    "multipliers",
    "card_digits",
    "card_prefixes",
    "route_factors",
    "doituong_kcb",
    "service_ratios",
    "scalars",
    "direct_payment_caps",
    "bed_types",
    "bed_rules",
    "transport",
    "price_classes",
)


@cache
def read_table(name: str) -> tuple[dict[str, str], ...]:
    """Return the rows of ``rules/data/<name>.csv`` as dicts of stripped strings."""
    if name not in TABLES:
        raise KeyError(f"unknown parameter table {name!r}")
    text = resources.files(__name__).joinpath(f"{name}.csv").read_text(encoding="utf-8")
    return tuple(
        {k.strip(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(io.StringIO(text))
    )
