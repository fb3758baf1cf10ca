"""Assessment checks for XML 130 / 4750 / 3176 claims: one catalogue, run by the hospital before sending and by
the office on receipt. Pure: no I/O, no clock; reference data comes in through Protocols.

Usage::

    from rules import checks
    claims = checks.claims_from_tables(tables_per_claim)
    findings = checks.run(claims, catalogue, cards=card_lookup)
"""

from rules.checks.base import Check, Context, Hit
from rules.checks.findings import Finding, Severity
from rules.checks.lookup import (
    CardLookup,
    CardLookupResult,
    CatalogueKind,
    CatalogueLookup,
    CatalogueRow,
    CodeList,
    CodeListLookup,
    InMemoryCardLookup,
    InMemoryCatalogue,
    InMemoryCodeLists,
)
from rules.checks.model import Claim, Record, Tables, claim_from_tables, claims_from_tables
from rules.checks.registry import CHECKS, CHECKS_BY_CODE
from rules.checks.runner import CHECK_FAILED, run

__all__ = [
    "CHECKS",
    "CHECKS_BY_CODE",
    "CHECK_FAILED",
    "CardLookup",
    "CardLookupResult",
    "CatalogueKind",
    "CatalogueLookup",
    "CatalogueRow",
    "Check",
    "Claim",
    "CodeList",
    "CodeListLookup",
    "Context",
    "Finding",
    "Hit",
    "InMemoryCardLookup",
    "InMemoryCatalogue",
    "InMemoryCodeLists",
    "Record",
    "Severity",
    "Tables",
    "claim_from_tables",
    "claims_from_tables",
    "run",
]
