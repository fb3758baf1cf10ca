"""A check is data (code, severity, tables, fields, messages, hint, legal reference, validity) plus a function."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date
from typing import Literal

from rules.checks.findings import Severity
from rules.checks.lookup import CardLookup, CatalogueLookup, CodeListLookup
from rules.checks.model import Claim, Record

__all__ = ["Check", "Context", "Hit", "check"]


@dataclass(frozen=True, slots=True)
class Context:
    """Reference data given to every check; each is optional (its checks are skipped when absent)."""

    catalogue: CatalogueLookup | None = None
    cards: CardLookup | None = None
    code_lists: CodeListLookup | None = None
    memo: dict[object, object] = dc_field(default_factory=dict, compare=False, repr=False)  # per-run lookups


@dataclass(frozen=True, slots=True)
class Hit:
    """What a check function yields; the runner turns it into a Finding."""

    record: Record
    field: str
    value: str = ""
    params: Mapping[str, str] = dc_field(default_factory=dict)


ClaimFn = Callable[[Claim, Context], Iterable[Hit]]
BatchFn = Callable[[Sequence[Claim], Context], Iterable[Hit]]
Scope = Literal["claim", "batch"]
Need = Literal["catalogue", "cards", "code_lists"]


@dataclass(frozen=True, slots=True)
class Check:
    code: str
    severity: Severity
    tables: tuple[str, ...]
    fields: tuple[str, ...]
    message_vi: str  # may use {value} and the hit's params
    message_en: str
    hint: str  # for the billing clerk (Vietnamese / English)
    legal_ref: str
    func: Callable[..., Iterable[Hit]]
    scope: Scope = "claim"
    valid_from: date | None = None
    valid_to: date | None = None
    needs: Need | None = None  # reference data the check cannot run without; skipped when absent

    def describe(self) -> dict[str, object]:
        """The check's data without its function (for a catalogue screen, an export, or seeding settings)."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "tables": list(self.tables),
            "fields": list(self.fields),
            "message_vi": self.message_vi,
            "message_en": self.message_en,
            "hint": self.hint,
            "legal_ref": self.legal_ref,
            "scope": self.scope,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
            "needs": self.needs,
        }

    def applies_on(self, day: date | None) -> bool:
        """A check applies when the claim's date is within [valid_from, valid_to]; unknown date: applies."""
        if day is None:
            return True
        if self.valid_from is not None and day < self.valid_from:
            return False
        return not (self.valid_to is not None and day > self.valid_to)


_ALL: list[Check] = []


def check(
    code: str,
    severity: Severity,
    tables: str,
    fields: str,
    *,
    vi: str,
    en: str,
    hint: str,
    ref: str,
    scope: Scope = "claim",
    valid_from: date | None = None,
    valid_to: date | None = None,
    needs: Need | None = None,
) -> Callable[[Callable[..., Iterable[Hit]]], Callable[..., Iterable[Hit]]]:
    """Register a check function under a stable code (tables and fields given space-separated)."""

    def deco(fn: Callable[..., Iterable[Hit]]) -> Callable[..., Iterable[Hit]]:
        _ALL.append(
            Check(
                code=code,
                severity=severity,
                tables=tuple(tables.split()),
                fields=tuple(fields.split()),
                message_vi=vi,
                message_en=en,
                hint=hint,
                legal_ref=ref,
                func=fn,
                scope=scope,
                valid_from=valid_from,
                valid_to=valid_to,
                needs=needs,
            )
        )
        return fn

    return deco


def registered() -> tuple[Check, ...]:
    return tuple(_ALL)
