"""Immutable input view of one claim (XML1 record plus its child tables), built from plain mappings.

Each value keeps its table, record number (STT), episode key (MA_LK) and field code, so a finding can
say exactly where it is (QĐ 130/4750 §3: MA_LK joins every table, STT numbers records in a table).
Numbers and date-times of the known fields are parsed once when the record is built.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from operator import is_
from typing import Any, NamedTuple

from rules.checks._fields import MOMENTS, NUMBERS
from rules.checks._values import parse_decimal, parse_moment

__all__ = ["Claim", "Record", "Tables", "claim_from_tables", "claims_from_tables"]

Tables = Mapping[str, Sequence[Mapping[str, str]]]
"""Plain input: ``{"XML1": [{"MA_LK": "...", ...}], "XML2": [...], ...}`` with raw string values."""

_MISSING: Any = object()
_ZERO = Decimal(0)
_NO_MOMENTS: dict[str, tuple[int, ...]] = {}
_NO_VALUES: dict[str, Any] = {}  # shared by every record of a table without numeric/date fields; never written


def _stripped(raw: Mapping[str, str]) -> Mapping[str, str]:
    """The non-empty values, stripped; the mapping itself when it already is that (the common case: the checks'
    input made from a typed claim), found with C-level passes (``str.strip`` returns the very same string when
    there is nothing to strip)."""
    if raw.__class__ is dict:
        texts = list(raw.values())
        try:
            if all(texts) and all(map(is_, map(str.strip, texts), texts)):
                return raw
        except TypeError:
            pass  # a value that is not a string: the general path below says how it fails
    return {k: t for k, v in raw.items() if v and (t := v.strip())}


class Record(NamedTuple):
    """One record of one table, read-only (a named tuple: cheap to build by the million). Use `Record.build`."""

    table: str
    stt: str
    ma_lk: str
    raw: Mapping[str, str]  # values exactly as received (the caller's mapping, not copied)
    values: Mapping[str, str]  # non-empty values, stripped
    numbers: Mapping[str, Decimal | None]  # the table's numeric fields, None when empty or unparsable
    moments: Mapping[str, datetime | None]  # the table's date-time fields, None when empty or unparsable
    group: str  # MA_NHOM without leading zeros ("" when absent)
    bad_numbers: tuple[str, ...] = ()  # numeric fields whose value could not be parsed
    comma_numbers: tuple[str, ...] = ()  # numeric fields written with a decimal comma
    bad_moments: tuple[str, ...] = ()  # date-time fields with a bad width or calendar value

    @classmethod
    def build(cls, table: str, raw: Mapping[str, str], *, stt: str = "", ma_lk: str = "") -> Record:
        values = _stripped(raw)
        numbers: dict[str, Decimal | None] = {} if table in NUMBERS else _NO_VALUES
        bad: list[str] = []
        comma: list[str] = []
        for name in NUMBERS.get(table, ()):
            s = values.get(name)
            if s is None:
                numbers[name] = None
                continue
            v = parse_decimal(s)
            numbers[name] = v
            if v is None:
                bad.append(name)
            elif "," in s:
                comma.append(name)
        moments: dict[str, datetime | None] = {} if table in MOMENTS else _NO_VALUES
        bad_m: list[str] = []
        for name, widths in MOMENTS.get(table, _NO_MOMENTS).items():
            s = values.get(name)
            if s is None:
                moments[name] = None
                continue
            m = parse_moment(s)
            moments[name] = m
            if m is None or len(s) not in widths:
                bad_m.append(name)
        grp = values.get("MA_NHOM", "")
        return cls(
            table,
            values.get("STT", "") or stt,
            values.get("MA_LK", "") or ma_lk,
            raw,
            values,
            numbers,
            moments,
            grp.lstrip("0") or grp,
            tuple(bad) if bad else (),
            tuple(comma) if comma else (),
            tuple(bad_m) if bad_m else (),
        )

    def raw_value(self, name: str) -> str:
        """The value exactly as received ("" when the element is absent or empty)."""
        return self.raw.get(name) or ""

    def text(self, name: str) -> str:
        """The value with surrounding whitespace removed."""
        return self.values.get(name, "")

    def has(self, name: str) -> bool:
        return name in self.values

    def decimal(self, name: str) -> Decimal | None:
        """The value as a Decimal; None when empty or unparsable (FMT_NUMBER reports the latter)."""
        v = self.numbers.get(name, _MISSING)
        if v is _MISSING:
            # A field outside the table's known numeric set: parse on demand (the parser is memoised).
            return parse_decimal(self.values.get(name, ""))
        return v  # type: ignore[no-any-return]

    def amount(self, name: str) -> Decimal:
        """A money field; empty or unparsable counts as zero (reported separately)."""
        return self.decimal(name) or _ZERO

    def moment(self, name: str) -> datetime | None:
        """A `yyyyMMddHHmm` or `yyyyMMdd` value; None when empty or unparsable (FMT_DATE reports it)."""
        v = self.moments.get(name, _MISSING)
        if v is _MISSING:
            return parse_moment(self.values.get(name, ""))
        return v  # type: ignore[no-any-return]

    def day(self, name: str) -> date | None:
        m = self.moment(name)
        return m.date() if m is not None else None

    def items(self, name: str) -> tuple[str, ...]:
        """A `;`-separated list, items stripped; empty value gives ()."""
        s = self.values.get(name)
        if s is None:
            return ()
        if ";" not in s:
            return (s,)
        return tuple(p.strip() for p in s.split(";"))


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


def claim_from_tables(tables: Tables) -> Claim:
    """Build a Claim from ``{table: [ {FIELD: raw string} ]}``; never raises on content.

    A missing XML1 gives an empty XML1 record and several XML1 records keep the first (both reported by
    XML1_MISSING). A child record without MA_LK is located under the XML1 MA_LK (MA_LK_MISMATCH reports it);
    one without STT is numbered by position.
    """
    x1_rows = list(tables.get("XML1") or ())
    xml1 = Record.build("XML1", x1_rows[0] if x1_rows else {}, stt="1")
    lk = xml1.ma_lk
    children: dict[str, tuple[Record, ...]] = {}
    for name, rows in tables.items():
        if name != "XML1":
            children[name] = tuple(
                Record.build(name, r, stt=str(i + 1), ma_lk=lk) for i, r in enumerate(rows or ())
            )
    return Claim(xml1=xml1, tables=children, xml1_count=len(x1_rows))


def claims_from_tables(many: Iterable[Tables]) -> list[Claim]:
    return [claim_from_tables(t) for t in many]
