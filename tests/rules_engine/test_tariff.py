from datetime import date
from decimal import Decimal

import pytest

from rules import Tariff, TariffOverlapError, TariffRow

D = Decimal


def row(code: str, start: date, end: date | None = None, price: int = 100, **kw: object) -> TariffRow:
    return TariffRow(code, "n", "service", D(price), start, end, **kw)  # type: ignore[arg-type]


def test_lookup_as_of_a_date() -> None:
    t = Tariff([row("A", date(2024, 1, 1), date(2024, 6, 30), 100), row("A", date(2024, 7, 1), None, 120)])
    assert t.lookup("A", date(2023, 12, 31)) is None
    assert t.lookup("A", date(2024, 6, 30)).price_bh == 100  # type: ignore[union-attr]
    assert t.lookup("A", date(2024, 7, 1)).price_bh == 120  # type: ignore[union-attr]
    assert t.lookup("B", date(2024, 7, 1)) is None
    assert "A" in t and len(t) == 2


def test_open_row_is_closed_by_a_new_row() -> None:
    t = Tariff.build([row("A", date(2024, 7, 1), None, 120), row("A", date(2024, 1, 1), None, 100)])
    first = t.lookup("A", date(2024, 6, 30))
    assert first is not None and first.valid_to == date(2024, 6, 30)


def test_overlaps_are_refused() -> None:
    with pytest.raises(TariffOverlapError):
        Tariff([row("A", date(2024, 1, 1), date(2024, 12, 31)), row("A", date(2024, 6, 1))])
    with pytest.raises(TariffOverlapError):
        Tariff.build([row("A", date(2024, 1, 1)), row("A", date(2024, 1, 1), price=5)])


def test_price_by_facility_class_and_variants() -> None:
    t = Tariff(
        [
            row("A", date(2024, 1, 1), price=100),
            row("A", date(2024, 1, 1), price=150, facility_class="I"),
            row("D", date(2024, 1, 1), price=10, variant="brand1"),
            row("D", date(2024, 1, 1), price=30, variant="brand2"),
        ]
    )
    assert t.lookup("A", date(2024, 2, 1), "I").price_bh == 150  # type: ignore[union-attr]
    assert t.lookup("A", date(2024, 2, 1), "III").price_bh == 100  # type: ignore[union-attr]
    assert t.lookup("D", date(2024, 2, 1)).price_bh == 30  # type: ignore[union-attr]
    assert t.lookup("D", date(2024, 2, 1), variant="brand1").price_bh == 10  # type: ignore[union-attr]
