"""The catalogue of every check, in a stable order."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from rules.checks import (  # noqa: F401  (imported for their registrations)
    c_batch,
    c_cards,
    c_catalogue,
    c_certificates,
    c_codes,
    c_dates,
    c_format,
    c_money,
    c_registers,
    c_required,
    c_stay,
    c_tables,
)
from rules.checks.base import Check, registered

__all__ = ["CHECKS", "CHECKS_BY_CODE"]

CHECKS: tuple[Check, ...] = registered()
CHECKS_BY_CODE: Mapping[str, Check] = MappingProxyType({c.code: c for c in CHECKS})

if len(CHECKS_BY_CODE) != len(CHECKS):  # pragma: no cover - guards against a copy-paste code clash
    raise RuntimeError("duplicate check code in rules.checks")
