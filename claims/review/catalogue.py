"""The checks' catalogue port (`rules.checks.CatalogueLookup`) over the tariff the service prices with.

Matching follows catalogues.md §10: rows are indexed by kind and case-folded, trimmed code (step 4); every
row of the code comes back with its validity window (step 3 is done by the checks on the line's date);
drug rows carry strength, registration and tender, supply rows their tender (step 5, 8), taken from the
row's variant key as the catalogue loader and the demo catalogue build it (``SO_DANG_KY|HAM_LUONG|TT_THAU``
for drugs, ``TT_THAU`` for supplies). A tariff has no facility column: its rows are shared (step 2).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cache

from claims.catalogue.layouts import LAYOUTS, norm
from claims.catalogue.loader import LoadResult
from rules import Tariff, TariffRow
from rules.checks import CatalogueKind, CatalogueRow

__all__ = ["TariffCatalogue", "catalogue_of_loads", "demo_catalogue", "kind_of_group"]

_KIND_OF_GROUP = {"drug": CatalogueKind.DRUG, "supply": CatalogueKind.SUPPLY}
_KIND_OF_LOAD = {"drug": CatalogueKind.DRUG, "supply": CatalogueKind.SUPPLY, "service": CatalogueKind.SERVICE}


def kind_of_group(group: str) -> CatalogueKind:
    """Tariff line group → catalogue: drugs (Mẫu 03), supplies (Mẫu 04), everything else services (Mẫu 05)."""
    return _KIND_OF_GROUP.get(group, CatalogueKind.SERVICE)


def _key(kind: CatalogueKind, code: str) -> str:
    """catalogues.md §10 step 4: trimmed, case-folded; a service row is found by its base code (cut at the
    first ``_``), as the checks look service lines up (the demo tariff lists ``10.0980.0571_GT``)."""
    code = code.strip().casefold()
    return code.split("_", 1)[0] if kind is CatalogueKind.SERVICE else code


def _variant_parts(variant: str) -> list[str]:
    return variant.split("#", 1)[0].split("|")  # "#n" tells apart rows the variant alone did not


def _row(row: TariffRow) -> CatalogueRow:
    kind = kind_of_group(row.group)
    strength = registration = tender = ""
    parts = _variant_parts(row.variant)
    if kind is CatalogueKind.DRUG and len(parts) == 3:
        registration, strength, tender = parts
    elif kind is CatalogueKind.SUPPLY and len(parts) == 1:
        tender = parts[0]
    return CatalogueRow(
        kind=kind,
        code=row.code,
        name=row.name,
        unit_price=row.price_bh,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        tender=tender,
        group=row.group,
        payment_ratio=row.payment_ratio,
        strength=strength,
        registration=registration,
    )


class TariffCatalogue:
    """A `CatalogueLookup` over catalogue rows, indexed once (lookups are dictionary hits)."""

    def __init__(self, rows: Iterable[CatalogueRow]) -> None:
        self._rows: dict[tuple[CatalogueKind, str], list[CatalogueRow]] = {}
        self._loaded: set[tuple[CatalogueKind, str]] = set()
        self._cache: dict[tuple[CatalogueKind, str, str], tuple[CatalogueRow, ...]] = {}
        for r in rows:
            self._rows.setdefault((r.kind, _key(r.kind, r.code)), []).append(r)
            self._loaded.add((r.kind, r.facility))

    @classmethod
    def of_tariff(cls, tariff: Tariff) -> TariffCatalogue:
        return cls(_row(r) for r in tariff.rows())

    def is_loaded(self, kind: CatalogueKind, facility: str) -> bool:
        return (kind, "") in self._loaded or (kind, facility) in self._loaded

    def rows(self, kind: CatalogueKind, code: str, facility: str) -> Sequence[CatalogueRow]:
        key = (kind, code, facility)
        got = self._cache.get(key)
        if got is None:
            found = self._rows.get((kind, _key(kind, code)), ())
            got = self._cache[key] = tuple(r for r in found if r.facility in ("", facility))
        return got


def _column(attrs: dict[str, str], fields: Mapping[str, tuple[str, ...]], name: str) -> str:
    """A loaded row keeps its file's own header text: find the column by any alias of the layout field."""
    wanted = {norm(alias) for alias in fields.get(name, ())}
    return next((v for k, v in attrs.items() if norm(k) in wanted), "")


def catalogue_of_loads(results: Iterable[LoadResult]) -> TariffCatalogue:
    """A lookup over loaded facility catalogue files (drug, supply, service), keeping each row's facility
    and its tender, strength and registration columns (catalogues.md §10 steps 1–2)."""
    rows: list[CatalogueRow] = []
    for res in results:
        kind = _KIND_OF_LOAD.get(res.kind or "")
        if kind is None:
            continue
        fields = LAYOUTS[res.kind or ""].fields
        for r in res.rows:
            a = r.attributes
            rows.append(
                CatalogueRow(
                    kind=kind,
                    code=r.code,
                    name=r.name,
                    unit_price=r.price_bh if r.price_bh is not None else r.price,
                    valid_from=r.valid_from,
                    valid_to=r.valid_to,
                    tender=_column(a, fields, "variant_tender"),
                    payment_ratio=r.payment_ratio,
                    strength=_column(a, fields, "variant_strength"),
                    registration=_column(a, fields, "variant_reg"),
                    facility=r.facility,
                )
            )
    return TariffCatalogue(rows)


@cache
def demo_catalogue() -> TariffCatalogue:
    """The demo tariff (`claims.catalogue.demo.demo_tariff`) as a checks catalogue."""
    from claims.catalogue.demo import demo_tariff

    return TariffCatalogue.of_tariff(demo_tariff())
