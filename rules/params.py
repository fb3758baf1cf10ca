"""Dated parameters: every value is looked up as of a date passed in (benefits.md §0.1).

A :class:`DatedTable` holds rows keyed by a tuple of strings, each with ``valid_from``/``valid_to``;
rows of one key must not overlap. :class:`Parameters` bundles the packaged tables of :mod:`rules.data`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from itertools import pairwise

from rules.data import read_table
from rules.errors import ParameterError, ParameterOverlapError

OPEN_END = date.max


@dataclass(frozen=True, slots=True)
class DatedRow:
    """One parameter row valid from ``valid_from`` to ``valid_to`` inclusive."""

    table: str
    key: tuple[str, ...]
    valid_from: date
    valid_to: date
    values: Mapping[str, str]
    source: str

    def covers(self, on: date) -> bool:
        """True when ``on`` lies inside the row's validity (both ends inclusive)."""
        return self.valid_from <= on <= self.valid_to

    @property
    def validity(self) -> str:
        """``from..to`` with an empty end for rows still in force."""
        end = "" if self.valid_to == OPEN_END else self.valid_to.isoformat()
        return f"{self.valid_from.isoformat()}..{end}"


def _parse_date(text: str, table: str, lineno: int, column: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ParameterError(f"{table}.csv row {lineno}: {column} {text!r} is not an ISO date") from exc


class DatedTable:
    """Rows indexed by key, sorted by start date; overlapping rows of one key are refused."""

    def __init__(self, table: str, rows: Iterable[DatedRow]) -> None:
        self.table = table
        grouped: dict[tuple[str, ...], list[DatedRow]] = {}
        for row in rows:
            grouped.setdefault(row.key, []).append(row)
        self._rows: dict[tuple[str, ...], tuple[DatedRow, ...]] = {}
        self._starts: dict[tuple[str, ...], list[date]] = {}
        for key, items in grouped.items():
            items.sort(key=lambda r: r.valid_from)
            for earlier, later in pairwise(items):
                if later.valid_from <= earlier.valid_to:
                    raise ParameterOverlapError(
                        f"{table}: rows for {'/'.join(key)} overlap ({earlier.validity} and {later.validity})"
                    )
            self._rows[key] = tuple(items)
            self._starts[key] = [r.valid_from for r in items]

    @classmethod
    def from_records(
        cls, table: str, records: Iterable[Mapping[str, str]], key_columns: tuple[str, ...]
    ) -> DatedTable:
        """Build from CSV-like records that have ``valid_from``, ``valid_to`` and ``source`` columns."""
        rows = []
        for lineno, rec in enumerate(records, start=2):
            start = _parse_date(rec.get("valid_from", ""), table, lineno, "valid_from")
            if start is None:
                raise ParameterError(f"{table}.csv row {lineno}: valid_from is required")
            end = _parse_date(rec.get("valid_to", ""), table, lineno, "valid_to") or OPEN_END
            if end < start:
                raise ParameterError(f"{table}.csv row {lineno}: valid_to before valid_from")
            if not rec.get("source"):
                raise ParameterError(f"{table}.csv row {lineno}: source is required")
            key = tuple(rec[c] for c in key_columns)
            rows.append(DatedRow(table, key, start, end, dict(rec), rec["source"]))
        return cls(table, rows)

    def get(self, key: tuple[str, ...], on: date) -> DatedRow | None:
        """The row of ``key`` in force on ``on``, or None."""
        starts = self._starts.get(key)
        if starts is None:
            return None
        i = bisect_right(starts, on) - 1
        if i < 0:
            return None
        row = self._rows[key][i]
        return row if row.covers(on) else None

    def rows(self, key: tuple[str, ...]) -> tuple[DatedRow, ...]:
        """All rows of ``key`` in date order."""
        return self._rows.get(key, ())

    def keys(self) -> Iterable[tuple[str, ...]]:
        """All keys."""
        return self._rows.keys()


class Parameters:
    """The dated parameter set used by the engine (base salary, multipliers, card digits, factors …)."""

    def __init__(self, tables: Mapping[str, DatedTable]) -> None:
        self.base_salary = tables["base_salary"]
        self.multipliers = tables["multipliers"]
        self.card_digits = tables["card_digits"]
        self.card_prefixes = tables["card_prefixes"]
        self.route_factors = tables["route_factors"]
        self.doituong_kcb = tables["doituong_kcb"]
        self.service_ratios = tables["service_ratios"]
        self.scalars = tables["scalars"]
        self.direct_payment_caps = tables["direct_payment_caps"]
        # tables added later are optional so that hand-built parameter sets keep working (empty = rule off)
        self.bed_types = tables.get("bed_types") or DatedTable("bed_types", ())
        self.bed_rules = tables.get("bed_rules") or DatedTable("bed_rules", ())
        self.transport = tables.get("transport") or DatedTable("transport", ())
        self.price_classes = tables.get("price_classes") or DatedTable("price_classes", ())

    def require(self, table: DatedTable, key: tuple[str, ...], on: date) -> DatedRow:
        """Like :meth:`DatedTable.get` but raise :class:`ParameterError` when nothing is in force."""
        row = table.get(key, on)
        if row is None:
            raise ParameterError(f"{table.table}: no row for {'/'.join(key)} on {on.isoformat()}")
        return row

    def decimal(self, table: DatedTable, key: tuple[str, ...], on: date, column: str = "value") -> Decimal:
        """The decimal value of ``column`` in the row in force on ``on``."""
        return Decimal(self.require(table, key, on).values[column])


KEYS: dict[str, tuple[str, ...]] = {
    "base_salary": (),
    "multipliers": ("name",),
    "card_digits": ("digit",),
    "card_prefixes": ("prefix",),
    "route_factors": ("old_level", "visit_type"),
    "doituong_kcb": ("code", "visit_type"),
    "service_ratios": ("group", "ratio"),
    "scalars": ("name",),
    "direct_payment_caps": ("level", "visit_type"),
    "bed_types": ("pattern",),
    "bed_rules": ("rule", "value"),
    "transport": ("condition", "value"),
    "price_classes": ("facility_kind", "group"),
}


@cache
def default_parameters() -> Parameters:
    """The packaged parameter set (read once)."""
    return Parameters(
        {name: DatedTable.from_records(name, read_table(name), key) for name, key in KEYS.items()}
    )
