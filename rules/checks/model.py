"""Immutable input view of one claim (XML1 record plus its child tables), built from plain mappings.

Each value keeps its table, record number (STT), episode key (MA_LK) and field code, so a finding can
say exactly where it is (QĐ 130/4750 §3: MA_LK joins every table, STT numbers records in a table).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from rules.checks._values import parse_decimal, parse_moment

__all__ = ["Claim", "Record", "Tables", "claim_from_tables", "claims_from_tables"]

Tables = Mapping[str, Sequence[Mapping[str, str]]]
"""Plain input: ``{"XML1": [{"MA_LK": "...", ...}], "XML2": [...], ...}`` with raw string values."""

_MISSING: Any = object()


@dataclass(frozen=True, slots=True)
class Record:
    """One record of one table, read-only; typed accessors parse lazily and cache."""

    table: str
    stt: str
    ma_lk: str
    raw: Mapping[str, str]
    _cache: dict[tuple[str, str], Any] = field(default_factory=dict, compare=False, repr=False)

    def raw_value(self, name: str) -> str:
        """The value exactly as received ("" when the element is absent or empty)."""
        return self.raw.get(name) or ""

    def text(self, name: str) -> str:
        """The value with surrounding whitespace removed."""
        v = self.raw.get(name)
        return v.strip() if v else ""

    def has(self, name: str) -> bool:
        v = self.raw.get(name)
        return bool(v and v.strip())

    def decimal(self, name: str) -> Decimal | None:
        """The value as a Decimal; None when empty or unparsable (FMT_NUMBER reports the latter)."""
        key = ("d", name)
        v = self._cache.get(key, _MISSING)
        if v is _MISSING:
            v = parse_decimal(self.raw.get(name) or "")
            self._cache[key] = v
        return v  # type: ignore[no-any-return]

    def amount(self, name: str) -> Decimal:
        """A money field; empty or unparsable counts as zero (reported separately)."""
        v = self.decimal(name)
        return v if v is not None else Decimal(0)

    def moment(self, name: str) -> datetime | None:
        """A `yyyyMMddHHmm` or `yyyyMMdd` value; None when empty or unparsable (FMT_DATE reports it)."""
        key = ("t", name)
        v = self._cache.get(key, _MISSING)
        if v is _MISSING:
            v = parse_moment(self.raw.get(name) or "")
            self._cache[key] = v
        return v  # type: ignore[no-any-return]

    def day(self, name: str) -> date | None:
        m = self.moment(name)
        return m.date() if m is not None else None

    def items(self, name: str) -> tuple[str, ...]:
        """A `;`-separated list, items stripped; empty value gives ()."""
        key = ("l", name)
        v = self._cache.get(key, _MISSING)
        if v is _MISSING:
            s = self.text(name)
            v = tuple(p.strip() for p in s.split(";")) if s else ()
            self._cache[key] = v
        return v  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class Claim:
    """One treatment episode: its XML1 record and the records of every other table present."""

    xml1: Record
    tables: Mapping[str, tuple[Record, ...]]
    xml1_count: int = 1
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def ma_lk(self) -> str:
        return self.xml1.text("MA_LK")

    def table(self, name: str) -> tuple[Record, ...]:
        return self.tables.get(name, ())

    def one(self, name: str) -> Record | None:
        recs = self.tables.get(name)
        return recs[0] if recs else None

    def has_table(self, name: str) -> bool:
        return bool(self.tables.get(name))

    @property
    def drugs(self) -> tuple[Record, ...]:
        return self.tables.get("XML2", ())

    @property
    def services(self) -> tuple[Record, ...]:
        return self.tables.get("XML3", ())

    def memo(self, key: str) -> Any:
        return self._cache.get(key, _MISSING)

    def remember(self, key: str, value: Any) -> Any:
        self._cache[key] = value
        return value

    @property
    def reference_date(self) -> date | None:
        """Date that decides which checks apply: discharge, else admission (XML1)."""
        return self.xml1.day("NGAY_RA") or self.xml1.day("NGAY_VAO")


def _record(table: str, index: int, raw: Mapping[str, str], default_lk: str) -> Record:
    stt = (raw.get("STT") or "").strip() or str(index + 1)
    lk = (raw.get("MA_LK") or "").strip() or default_lk
    return Record(table=table, stt=stt, ma_lk=lk, raw=dict(raw))


def claim_from_tables(tables: Tables) -> Claim:
    """Build a Claim from ``{table: [ {FIELD: raw string} ]}``; never raises on content.

    A missing XML1 gives an empty XML1 record (reported by XML1_MISSING); several XML1 records keep
    the first (reported by XML1_MISSING as well).
    """
    x1_rows = list(tables.get("XML1") or ())
    x1_raw: Mapping[str, str] = x1_rows[0] if x1_rows else {}
    lk = (x1_raw.get("MA_LK") or "").strip()
    xml1 = Record(table="XML1", stt=(x1_raw.get("STT") or "").strip() or "1", ma_lk=lk, raw=dict(x1_raw))
    children: dict[str, tuple[Record, ...]] = {}
    for name, rows in tables.items():
        if name == "XML1":
            continue
        children[name] = tuple(_record(name, i, r, lk) for i, r in enumerate(rows or ()))
    return Claim(xml1=xml1, tables=children, xml1_count=len(x1_rows))


def claims_from_tables(many: Iterable[Tables]) -> list[Claim]:
    return [claim_from_tables(t) for t in many]
