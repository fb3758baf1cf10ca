"""Canonical encounter → the pricing engine's input, and the priced result back onto canonical lines.

The engine (``rules``) numbers lines itself and knows nothing of the two claim tables, where drug lines
and the other lines each start at STT 1. So each line is given its position in the encounter as the
engine's line number, and the result is mapped back by position; the table STT stays on the canonical line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import rules
from claims.encounter.schemas import VIETNAM_TZ, Encounter, EncounterLine, LineGroup

_ENGINE_GROUP: dict[LineGroup, rules.model.LineGroup] = {
    LineGroup.EXAM: "exam",
    LineGroup.BED: "bed",
    LineGroup.SERVICE: "service",
    LineGroup.DRUG: "drug",
    LineGroup.BLOOD: "drug",
    LineGroup.SUPPLY: "supply",
    LineGroup.TRANSPORT: "transport",
    LineGroup.OTHER: "service",
}
_INPATIENT_TYPES = frozenset({"03", "06", "09"})
_DAY_PATIENT_TYPES = frozenset({"04"})


def _local(moment: datetime | None) -> datetime | None:
    """The engine works in naive Vietnam local time, as the claim standard writes times."""
    if moment is None:
        return None
    return moment.astimezone(VIETNAM_TZ).replace(tzinfo=None)


def _visit_type(code: str) -> rules.model.VisitType:
    if code in _INPATIENT_TYPES:
        return "inpatient"
    if code in _DAY_PATIENT_TYPES:
        return "day_patient"
    return "outpatient"


def _line(position: int, line: EncounterLine) -> rules.Line:
    return rules.Line(
        stt=position,
        code=line.code,
        group=_ENGINE_GROUP[line.group],
        quantity=line.quantity,
        unit_price_bv=line.unit_price_bv,
        # A line whose BH price is unknown is priced at the hospital price; the tariff check flags it.
        unit_price_bh=line.unit_price_bh if line.unit_price_bh is not None else line.unit_price_bv,
        name=line.name,
        service_ratio=Decimal(line.service_ratio),
        listed_payment_ratio=Decimal(line.listed_payment_ratio),
        pham_vi=line.pham_vi,
        t_trantt=line.payment_ceiling,
        t_nguonkhac=line.other_funding,
        t_nguonkhac_type=line.other_funding_type,  # type: ignore[arg-type]
        line_datetime=_local(line.ordered_at),
        ma_nhom=str(line.cost_group),
        ma_pttt=line.payment_method,
    )


def to_pricing_encounter(encounter: Encounter, facility: rules.Facility) -> rules.Encounter:
    """The engine's view of ``encounter`` treated at ``facility`` (levels and class from the facility record)."""
    five_year = None
    if encounter.co_payment_exempt_from or encounter.continuous_years_since:
        five_year = rules.FiveYear(
            nam_nam_lien_tuc=encounter.continuous_years_since,
            ngay_mien_cct=encounter.co_payment_exempt_from,
        )
    return rules.Encounter(
        encounter_date=encounter.admitted_at.date(),
        cards=tuple(
            rules.Card(
                code=card.code,
                valid_from=card.valid_from,
                valid_to=card.valid_to,
                registered_facility=card.registered_facility,
            )
            for card in encounter.cards
        ),
        facility=facility,
        route=encounter.route.value,  # type: ignore[arg-type]
        visit_type=_visit_type(encounter.visit_type),
        lines=tuple(_line(position, line) for position, line in enumerate(encounter.lines, start=1)),
        ma_lk=encounter.claim_key,
        registered_facility=encounter.cards[0].registered_facility,
        emergency=encounter.emergency,
        admission_datetime=_local(encounter.admitted_at),
        discharge_datetime=_local(encounter.discharged_at),
        ma_loai_kcb=encounter.visit_type,
        ma_doituong_kcb=encounter.patient_category,
        ma_khuvuc=encounter.cards[-1].area_code,
        discharge_type=str(encounter.discharge_type),
        transfer_to=encounter.referred_to,
        five_year=five_year,
    )


@dataclass(frozen=True, slots=True)
class PricedEncounter:
    """An encounter with its priced claim; ``line_result(i)`` is the engine's result for ``encounter.lines[i]``."""

    encounter: Encounter
    priced: rules.PricedClaim

    def line_result(self, index: int) -> rules.PricedLine | None:
        return self._by_position().get(index + 1)

    def rejection(self, index: int) -> rules.RejectedLine | None:
        for rejected in self.priced.rejected:
            if rejected.stt == index + 1:
                return rejected
        return None

    def _by_position(self) -> dict[int, rules.PricedLine]:
        return {line.stt: line for line in self.priced.lines}


def price_encounters(
    encounters: Iterable[Encounter],
    facility: rules.Facility,
    tariff: rules.Tariff | None = None,
) -> list[PricedEncounter]:
    """Price many encounters of one facility at once (one tariff index, no per-line lookups)."""
    batch: Sequence[Encounter] = list(encounters)
    priced = rules.price_many((to_pricing_encounter(e, facility) for e in batch), tariff)
    return [PricedEncounter(encounter, claim) for encounter, claim in zip(batch, priced, strict=True)]
