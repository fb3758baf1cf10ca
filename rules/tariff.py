"""Tariff catalogue: dated BH prices and payment ratios by code (pure; loaders live in claims.catalogue).

Rows are never edited in place: a change is a new row. When a code has an open row (no ``valid_to``) and a
later row arrives, :meth:`Tariff.build` closes the open row the day before the new one starts; any other
overlap between rows of the same code and facility class is refused (catalogues.md §1.2).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

from rules.errors import TariffError, TariffOverlapError

_FAR = date.max


@dataclass(frozen=True, slots=True)
class TariffRow:
    """One catalogue row: an item's BH price and payment ratio during a validity period.

    ``facility_class`` is None when the price applies to every hospital class, else the class it is for
    (``special``, ``I`` … ``IV``, ``commune``). ``row_id`` names the row in traces (file and row number).
    ``variant`` tells apart rows that share a code legitimately (a drug code covers many brands, strengths and
    tenders: catalogues.md §2.2); validity periods are checked per (code, class, variant).
    """

    code: str
    name: str
    group: str
    price_bh: Decimal | None
    valid_from: date
    valid_to: date | None = None
    payment_ratio: Decimal = Decimal(100)
    facility_class: str | None = None
    unit: str = ""
    conditions: str = ""
    row_id: str = ""
    variant: str = ""

    def covers(self, on: date) -> bool:
        """True when ``on`` is inside the row's validity (both ends inclusive)."""
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


class Tariff:
    """An in-memory index of tariff rows: ``lookup(code, on, facility_class)`` in O(log n)."""

    def __init__(self, rows: Iterable[TariffRow] = ()) -> None:
        grouped: dict[tuple[str, str | None, str], list[TariffRow]] = {}
        for row in rows:
            if row.valid_to is not None and row.valid_to < row.valid_from:
                raise TariffError(f"{row.row_id or row.code}: valid_to before valid_from")
            if row.price_bh is not None and row.price_bh < 0:
                raise TariffError(f"{row.row_id or row.code}: negative price")
            grouped.setdefault((row.code, row.facility_class, row.variant), []).append(row)
        self._index: dict[tuple[str, str | None, str], tuple[tuple[date, ...], tuple[TariffRow, ...]]] = {}
        self._variants: dict[tuple[str, str | None], list[str]] = {}
        for key, items in grouped.items():
            self._variants.setdefault((key[0], key[1]), []).append(key[2])
            items.sort(key=lambda r: r.valid_from)
            for earlier, later in pairwise(items):
                if later.valid_from <= (earlier.valid_to or _FAR):
                    raise TariffOverlapError(
                        f"code {key[0]}{'' if key[1] is None else ' class ' + key[1]}"
                        f"{' variant ' + key[2] if key[2] else ''}: rows "
                        f"{earlier.row_id or earlier.valid_from} and "
                        f"{later.row_id or later.valid_from} overlap"
                    )
            self._index[key] = (tuple(r.valid_from for r in items), tuple(items))

    @classmethod
    def build(cls, rows: Iterable[TariffRow]) -> Tariff:
        """Build a tariff, closing each open row the day before the next row of its code starts."""
        grouped: dict[tuple[str, str | None, str], list[TariffRow]] = {}
        for row in rows:
            grouped.setdefault((row.code, row.facility_class, row.variant), []).append(row)
        closed: list[TariffRow] = []
        for items in grouped.values():
            items.sort(key=lambda r: r.valid_from)
            for i, row in enumerate(items):
                nxt = items[i + 1] if i + 1 < len(items) else None
                if row.valid_to is None and nxt is not None and nxt.valid_from > row.valid_from:
                    row = replace(row, valid_to=nxt.valid_from - timedelta(days=1))
                closed.append(row)
        return cls(closed)

    def lookup(
        self, code: str, on: date, facility_class: str | None = None, variant: str | None = None
    ) -> TariffRow | None:
        """The row of ``code`` in force on ``on``: the class-specific rows first, then the all-class rows.

        Without ``variant``, the variant with the highest BH price in force is returned (the most the fund
        could pay for that code on that day).
        """
        classes = (facility_class, None) if facility_class is not None else (None,)
        for cls in classes:
            variants = self._variants.get((code, cls))
            if variants is None:
                continue
            best: TariffRow | None = None
            for var in variants if variant is None else (variant,):
                entry = self._index.get((code, cls, var))
                if entry is None:
                    continue
                starts, items = entry
                i = bisect_right(starts, on) - 1
                if i >= 0 and items[i].covers(on):
                    row = items[i]
                    if best is None or (row.price_bh or 0) > (best.price_bh or 0):
                        best = row
            if best is not None:
                return best
        return None

    def rows(self) -> Iterator[TariffRow]:
        """All rows, grouped by code and class, in date order."""
        for _starts, items in self._index.values():
            yield from items

    def __len__(self) -> int:
        return sum(len(items) for _s, items in self._index.values())

    def __contains__(self, code: object) -> bool:
        return any(key[0] == code for key in self._variants)

    def codes(self) -> set[str]:
        """Every code with at least one row."""
        return {key[0] for key in self._variants}
