"""Patient transport eligibility (Decree 146/2018/NĐ-CP Art. 26 from 2018-12-01; Decree 188/2025 Art. 14
from 2025-07-01 [UNCONFIRMED same values]; army/police under Decree 70/2015; benefits.md §2.2 and §7.7).

Conditions are dated rows of ``rules/data/transport.csv``:

- ``group``: the object groups (first two characters of the card) whose transport the fund pays —
  eligibility follows the group, not the benefit digit (KC has digit 2 but no transport);
- ``route`` / ``discharge_type``: an emergency, or an inpatient transferred for professional reasons;
- ``level``: the sending facility is at district level or above.

No row in force on the date: the rule is not applied (a warning says transport could not be checked).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from rules.model import Encounter, TraceStep
from rules.money import round2
from rules.params import Parameters


class TransportRule(NamedTuple):
    """The conditions in force on one date (empty sets: that condition has no row in force)."""

    groups: frozenset[str]
    routes: frozenset[str]
    discharge_types: frozenset[str]
    levels: frozenset[str]
    source: str


@lru_cache(maxsize=512)
def transport_rule(on: date, params: Parameters) -> TransportRule | None:
    """The transport conditions in force on ``on``, or None before the first rule (2018-12-01)."""
    table = params.transport
    found: dict[str, set[str]] = {"group": set(), "route": set(), "discharge_type": set(), "level": set()}
    source = ""
    for key in table.keys():
        row = table.get(key, on)
        if row is not None and key[0] in found:
            found[key[0]].add(key[1])
            if key[0] == "route":
                source = row.source
    if not any(found.values()):
        return None
    return TransportRule(
        frozenset(found["group"]),
        frozenset(found["route"]),
        frozenset(found["discharge_type"]),
        frozenset(found["level"]),
        source or "Decree 146/2018/NĐ-CP Art. 26",
    )


def route_reason(enc: Encounter, rule: TransportRule) -> str | None:
    """Why the encounter's route/level does not qualify for transport, or None when it does.

    Decree 146/2018/NĐ-CP Art. 26(1): emergency, or an inpatient transfer for professional reasons, from
    district level upward.
    """
    emergency = enc.emergency or enc.route == "emergency"
    if not (
        (emergency and "emergency" in rule.routes)
        or (enc.visit_type == "inpatient" and (enc.discharge_type or "") in rule.discharge_types)
    ):
        return "transport is paid for an emergency or an inpatient transfer for professional reasons only"
    fac = enc.facility
    levels = [lvl for lvl in (fac.pre2025_level or fac.old_level, fac.new_level) if lvl is not None]
    if levels and not any(lvl in rule.levels for lvl in levels):
        return f"transport is paid from district level upward (facility level {'/'.join(levels)})"
    return None


def group_reason(prefix: str, rule: TransportRule) -> str | None:
    """Why the card's object group is not eligible for transport, or None when it is."""
    group = prefix[:2]
    if group in rule.groups:
        return None
    return f"card group {group} is not among the groups whose transport the fund pays"


def transport_amount(
    distance_km: Decimal, fuel_price: Decimal, on: date, params: Parameters, both_ways: bool
) -> tuple[Decimal, TraceStep] | None:
    """Transport paid by the fund: litres per km × distance × fuel price on the day, both ways when the
    facility's own vehicle is used (one payment per trip), else one way (Decree 146/2018/NĐ-CP Art. 26(2);
    benefits.md §7.7). Money rounded to 2 decimals half-up (benefits.md §6.3). None before the rule.
    """
    row = params.scalars.get(("transport_fuel_litres_per_km",), on)
    if row is None:
        return None
    litres = Decimal(row.values["value"])
    trips = 2 if both_ways else 1
    value = round2(litres * distance_km * fuel_price * trips)
    step = TraceStep(
        "TRANSPORT.AMOUNT",
        "transport_amount",
        value,
        (
            ("litres_per_km", litres),
            ("distance_km", distance_km),
            ("fuel_price", fuel_price),
            ("trips", str(trips)),
            ("on", on.isoformat()),
            ("valid", row.validity),
            ("source", row.source),
        ),
    )
    return value, step
