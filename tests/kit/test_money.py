"""The money type is exact on every backend: no float, no silent rounding."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, func, insert, select
from sqlalchemy.exc import StatementError

from claims.kit.money import Money, Quantity, UnitPrice

metadata = MetaData()
amounts = Table(
    "money_probe",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("amount", Money()),
    Column("price", UnitPrice()),
    Column("qty", Quantity()),
)


@pytest.fixture
def probe(engine):
    metadata.create_all(engine)
    yield engine
    metadata.drop_all(engine)


@pytest.mark.parametrize("value", ["0.01", "99999999999.99", "-0.01", "0", "1234567.89", "9999999999999999.99"])
def test_round_trip_exact(probe, value):
    with probe.begin() as conn:
        conn.execute(insert(amounts).values(amount=Decimal(value)))
        got = conn.execute(select(amounts.c.amount)).scalar_one()
    assert isinstance(got, Decimal)
    assert got == Decimal(value)
    assert str(got) == str(Decimal(value).quantize(Decimal("0.01")))


def test_sum_of_ten_thousand_small_amounts_is_exact(probe):
    values = [Decimal(i % 97 + 1) / 100 for i in range(10_000)]  # 0.01 .. 0.97, floats would drift
    with probe.begin() as conn:
        conn.execute(insert(amounts), [{"amount": v} for v in values])
        total = conn.execute(select(func.sum(amounts.c.amount))).scalar_one()
        stored = conn.execute(select(amounts.c.amount)).scalars().all()
    assert sum(stored, Decimal(0)) == sum(values, Decimal(0))
    # SUM in SQL keeps the column type: integer hundredths on SQLite, NUMERIC on PostgreSQL; both exact.
    assert isinstance(total, Decimal)
    assert total == sum(values, Decimal(0)) == Decimal("4896.04")


def test_three_decimal_prices_and_quantities(probe):
    with probe.begin() as conn:
        conn.execute(insert(amounts).values(price=Decimal("1234.567"), qty=Decimal("0.33")))
        price, qty = conn.execute(select(amounts.c.price, amounts.c.qty)).one()
    assert (price, qty) == (Decimal("1234.567"), Decimal("0.330"))


@pytest.mark.parametrize("bad", [0.1, Decimal("0.001"), Decimal("1e20")])
def test_refuses_float_and_silent_rounding(probe, bad):
    with pytest.raises(StatementError), probe.begin() as conn:
        conn.execute(insert(amounts).values(amount=bad))
