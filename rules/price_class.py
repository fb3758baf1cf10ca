"""Which catalogue price a facility gets (Circular 39/2018/TT-BYT Art. 4, then Circular 22/2023;
benefits.md §8): hospitals use their class; unclassified facilities, army/police and private clinics and
regional polyclinics use class IV; provincial cadre-care clinics the class-II exam price; commune stations
the commune exam price and 70 % of the annex-III service prices.

Dated rows of ``rules/data/price_classes.csv`` keyed by facility kind and line group (``*`` = any group).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from rules.beds import HOSPITAL_CLASSES, facility_kind
from rules.model import Facility
from rules.params import Parameters

_HUNDRED = Decimal(100)


class PriceClass(NamedTuple):
    """Class whose catalogue rows apply, percentage of the catalogue price paid, and the source row."""

    price_class: str | None
    pct: Decimal
    source: str | None
    validity: str | None


@lru_cache(maxsize=4096)
def price_class(fac: Facility, group: str, on: date, params: Parameters) -> PriceClass:
    """The price class and percentage for ``group`` lines at ``fac`` on ``on`` (Circular 39/2018 Art. 4)."""
    kind = facility_kind(fac)
    given = fac.hospital_class
    if kind is None:
        return PriceClass(given, _HUNDRED, None, None)
    if kind in HOSPITAL_CLASSES:
        given = kind  # the catalogue writes classes as special, I … IV
    table = params.price_classes
    row = table.get((kind, group), on) or table.get((kind, "*"), on)
    if row is None:
        return PriceClass(given if given is not None else None, _HUNDRED, None, None)
    cls = row.values["price_class"] or given
    return PriceClass(cls, Decimal(row.values["price_pct"] or "100"), row.source, row.validity)
