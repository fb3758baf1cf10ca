"""Catalogue matching details (catalogues.md §10)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from rules import checks
from rules.checks import CatalogueKind, CatalogueRow, InMemoryCatalogue
from tests.rules.checks.factory import FACILITY, Scenario


def test_row_validity_is_inclusive_and_open_ended() -> None:
    row = CatalogueRow(CatalogueKind.SERVICE, "A", "a", valid_from=date(2025, 1, 1), valid_to=date(2025, 1, 31))
    assert row.valid_on(date(2025, 1, 1)) and row.valid_on(date(2025, 1, 31))
    assert not row.valid_on(date(2024, 12, 31)) and not row.valid_on(date(2025, 2, 1))
    assert CatalogueRow(CatalogueKind.SERVICE, "A", "a").valid_on(date(1999, 1, 1))


def test_facility_rows_and_shared_rows() -> None:
    cat = InMemoryCatalogue([
        CatalogueRow(CatalogueKind.DRUG, "40.1", "x", facility="79001"),
        CatalogueRow(CatalogueKind.DRUG, "40.1", "y", facility="79002"),
        CatalogueRow(CatalogueKind.DRUG, "40.1", "z"),
    ])
    assert {r.name for r in cat.rows(CatalogueKind.DRUG, " 40.1 ", "79001")} == {"x", "z"}
    assert cat.is_loaded(CatalogueKind.DRUG, "99999")  # shared rows count for everyone
    assert not cat.is_loaded(CatalogueKind.SUPPLY, "79001")
    assert isinstance(cat, checks.CatalogueLookup)


def _codes(s: Scenario) -> set[str]:
    return {f.code for f in s.run()}


def test_service_code_suffix_and_price_of_any_valid_row() -> None:
    s = Scenario()
    s.line("XML3", "3")["MA_DICH_VU"] = "18.0015.0001_GT"  # local-anaesthesia variant: base code looked up
    assert "CAT_CODE_UNKNOWN" not in _codes(s)
    s = Scenario()
    assert s.rows is not None
    s.rows = [r for r in s.rows if r.code != "18.0015.0001"] + [
        CatalogueRow(CatalogueKind.SERVICE, "18.0015.0001", "Siêu âm ổ bụng", Decimal(90000), date(2024, 1, 1)),
        CatalogueRow(CatalogueKind.SERVICE, "18.0015.0001", "Siêu âm ổ bụng", Decimal(100000), date(2024, 1, 1)),
    ]
    assert "CAT_PRICE_ABOVE" not in _codes(s)  # highest valid price counts


def test_first_failing_level_only() -> None:
    s = Scenario()
    assert s.rows is not None
    s.rows = [r for r in s.rows if r.kind is not CatalogueKind.DRUG] + [
        CatalogueRow(CatalogueKind.DRUG, "40.1021", "Other name", Decimal(1), date(2024, 1, 1), strength="650mg",
                     registration="X", tender="1;G9;N9;2020", facility=FACILITY)
    ]
    cat_codes = {c for c in _codes(s) if c.startswith("CAT_")}
    assert cat_codes == {"CAT_DRUG_STRENGTH"}


def test_supply_tender_loose_compare_and_skipped_drugs() -> None:
    s = Scenario()
    s.line("XML3", "5")["TT_THAU"] = "109/QĐ-BVĐK;G03;N0;2024"
    assert "CAT_TENDER_MISMATCH" not in _codes(s)
    s = Scenario()
    s.line("XML2", "1")["MA_THUOC"] = "40.17"  # oxygen is not matched against the drug list
    assert "CAT_CODE_UNKNOWN" not in _codes(s)


def test_no_catalogue_means_no_catalogue_findings() -> None:
    s = Scenario()
    s.rows = None
    s.line("XML2", "1")["MA_THUOC"] = "40.9999"
    assert not {c for c in _codes(s) if c.startswith("CAT_")}
