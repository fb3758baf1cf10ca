"""Ports to reference data the checks need: facility catalogues and the card lookup.

The checks never load anything themselves; callers pass an object satisfying these Protocols
(database-backed in the service, in-memory in tests). Matching follows catalogues.md §10.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Protocol, runtime_checkable

__all__ = [
    "CardLookup",
    "CardLookupResult",
    "CatalogueKind",
    "CatalogueLookup",
    "CatalogueRow",
    "CodeList",
    "CodeListLookup",
    "InMemoryCardLookup",
    "InMemoryCatalogue",
    "InMemoryCodeLists",
]


class CatalogueKind(StrEnum):
    """Which facility catalogue a claim line is matched against (catalogues.md §2–4)."""

    DRUG = "drug"  # Mẫu 03/DM: XML2 drug lines
    SUPPLY = "supply"  # Mẫu 04/DM: XML3 supply lines (MA_NHOM 10, 11)
    SERVICE = "service"  # Mẫu 05/DM: XML3 services, exams, bed-days


@dataclass(frozen=True, slots=True)
class CatalogueRow:
    """One validity row of a facility catalogue (catalogues.md §1.2: rows apply from TU_NGAY to DEN_NGAY)."""

    kind: CatalogueKind
    code: str
    name: str
    unit_price: Decimal | None = None  # drug DON_GIA, supply DON_GIA_BH, service DON_GIA
    valid_from: date | None = None  # TU_NGAY, inclusive; None = open
    valid_to: date | None = None  # DEN_NGAY, inclusive; None = open
    tender: str = ""  # TT_THAU
    group: str = ""  # cost group / NHOM
    payment_ratio: Decimal | None = None  # TYLE_TT_BH
    strength: str = ""  # HAM_LUONG (drugs)
    registration: str = ""  # SO_DANG_KY (drugs)
    facility: str = ""  # MA_CSKCB; "" = shared row

    def valid_on(self, day: date) -> bool:
        """catalogues.md §10 step 3: both bounds inclusive, an empty bound is open."""
        if self.valid_from is not None and day < self.valid_from:
            return False
        return not (self.valid_to is not None and day > self.valid_to)


@runtime_checkable
class CatalogueLookup(Protocol):
    """Read access to the facility catalogues."""

    def is_loaded(self, kind: CatalogueKind, facility: str) -> bool:
        """Whether any row of this catalogue exists for the facility (or shared)."""
        ...

    def rows(self, kind: CatalogueKind, code: str, facility: str) -> Sequence[CatalogueRow]:
        """Every row of the code (case-insensitive, trimmed) for the facility plus shared rows, any date."""
        ...


class InMemoryCatalogue:
    """A CatalogueLookup over a list of rows (tests, small tools)."""

    def __init__(self, rows: Iterable[CatalogueRow]) -> None:
        self._rows: dict[tuple[CatalogueKind, str], list[CatalogueRow]] = {}
        self._loaded: set[tuple[CatalogueKind, str]] = set()
        self._by_facility: dict[tuple[CatalogueKind, str, str], tuple[CatalogueRow, ...]] = {}
        for r in rows:
            self._rows.setdefault((r.kind, r.code.strip().casefold()), []).append(r)
            self._loaded.add((r.kind, r.facility))

    def is_loaded(self, kind: CatalogueKind, facility: str) -> bool:
        return (kind, facility) in self._loaded or (kind, "") in self._loaded

    def rows(self, kind: CatalogueKind, code: str, facility: str) -> Sequence[CatalogueRow]:
        key = (kind, code, facility)
        got = self._by_facility.get(key)
        if got is None:
            found = self._rows.get((kind, code.strip().casefold()), ())
            got = self._by_facility[key] = tuple(r for r in found if r.facility in ("", facility))
        return got


@dataclass(frozen=True, slots=True)
class CardLookupResult:
    """What the BHXH card-lookup service answered for one card (Circular 12/2026 Art. 4)."""

    card_number: str
    result_code: str  # portal result code, "000" = card valid
    valid_from: date | None = None
    valid_to: date | None = None
    registration_facility: str = ""  # MA_DKBD on the card
    sex: str = ""  # 1 male, 2 female


@runtime_checkable
class CardLookup(Protocol):
    def lookup(self, card_number: str, on: date) -> CardLookupResult | None:
        """The stored lookup result for the card around that date, or None when never looked up."""
        ...


class InMemoryCardLookup:
    def __init__(self, results: Mapping[str, CardLookupResult]) -> None:
        self._results = dict(results)

    def lookup(self, card_number: str, on: date) -> CardLookupResult | None:
        return self._results.get(card_number)


class CodeList(StrEnum):
    """Registers a claim code must exist in (catalogues.md §5–8; checks.md §5)."""

    STAFF = "staff"  # practitioners sent to BHXH (Mẫu 02/DM): MA_BAC_SI, NGUOI_THUC_HIEN, MA_BS_DOC_KQ, MA_TTDV
    EQUIPMENT = "equipment"  # equipment list (Mẫu 06/DM): MA_MAY
    DEPARTMENT = "department"  # departments (Mẫu 01/DM): MA_KHOA
    FACILITY = "facility"  # national facility list: MA_DKBD, MA_NOI_DI, MA_NOI_DEN, MA_CSKCB_DEN
    ICD10 = "icd10"  # MOH ICD-10 list: MA_BENH_CHINH, MA_BENH_KT, MA_BENH


@runtime_checkable
class CodeListLookup(Protocol):
    def is_loaded(self, kind: CodeList, facility: str) -> bool:
        """Whether the list is available for the facility (checks against an absent list are skipped)."""
        ...

    def is_valid(self, kind: CodeList, code: str, facility: str, on: date) -> bool:
        """Whether the code exists in the list for the facility on that date."""
        ...


class InMemoryCodeLists:
    """A CodeListLookup over plain sets (validity dates ignored): ``{CodeList.STAFF: {"000001/HCM-CCHN", ...}}``."""

    def __init__(self, lists: Mapping[CodeList, Iterable[str]]) -> None:
        self._lists = {k: frozenset(c.strip().casefold() for c in v) for k, v in lists.items()}

    def is_loaded(self, kind: CodeList, facility: str) -> bool:
        return kind in self._lists

    def is_valid(self, kind: CodeList, code: str, facility: str, on: date) -> bool:
        return code.strip().casefold() in self._lists.get(kind, frozenset())
