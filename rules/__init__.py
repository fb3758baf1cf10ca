"""Pure, dated BHYT pricing and benefit rules (no I/O, no clock).

Public API (pinned by ``tests/rules/test_public_api.py``):

- :func:`price`, :func:`price_many` — the engine (QĐ 130/QĐ-BYT, Decree 146/2018, Decree 188/2025);
- input types :class:`Encounter`, :class:`Card`, :class:`Facility`, :class:`FiveYear`, :class:`Line`;
- output types :class:`PricedClaim`, :class:`PricedLine`, :class:`RejectedLine`, :class:`Finding`,
  :class:`Totals`, :class:`ClaimParameters`, :class:`TraceStep`;
- :class:`Tariff`, :class:`TariffRow` — the dated catalogue index;
- :class:`PricingOptions` — conventions for unconfirmed points;
- :class:`Parameters`, :func:`default_parameters` — dated parameter tables;
- :func:`encounter_from_dict`, :func:`claim_to_dict` — the vectors' input shape;
- :func:`direct_payment_cap` — refund ceiling for care paid directly at a non-contracted facility;
- the error tree rooted at :class:`RulesError`.
"""

from rules.benefit import direct_payment_cap
from rules.engine import price, price_many
from rules.errors import (
    EncounterShapeError,
    ParameterError,
    ParameterOverlapError,
    RulesError,
    TariffError,
    TariffOverlapError,
)
from rules.model import (
    Card,
    ClaimParameters,
    Encounter,
    Facility,
    Finding,
    FiveYear,
    Line,
    PricedClaim,
    PricedLine,
    RejectedLine,
    Totals,
    TraceStep,
)
from rules.options import DEFAULT_OPTIONS, PricingOptions
from rules.params import Parameters, default_parameters
from rules.shape import claim_to_dict, encounter_from_dict
from rules.tariff import Tariff, TariffRow

__all__ = [
    "DEFAULT_OPTIONS",
    "Card",
    "ClaimParameters",
    "Encounter",
    "EncounterShapeError",
    "Facility",
    "Finding",
    "FiveYear",
    "Line",
    "ParameterError",
    "ParameterOverlapError",
    "Parameters",
    "PricedClaim",
    "PricedLine",
    "PricingOptions",
    "RejectedLine",
    "RulesError",
    "Tariff",
    "TariffError",
    "TariffOverlapError",
    "TariffRow",
    "Totals",
    "TraceStep",
    "claim_to_dict",
    "default_parameters",
    "direct_payment_cap",
    "encounter_from_dict",
    "price",
    "price_many",
]
