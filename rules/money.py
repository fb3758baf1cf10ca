"""Exact money arithmetic; every rounding has a name (benefits.md §6.3)."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")

#: Rounding modes an options object may name. The data standard names no mode; half-up is the
#: convention of the fact sheet [UNCONFIRMED], half-even is offered for comparison.
ROUNDING_MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN}


def round2(value: Decimal, mode: str = "half_up") -> Decimal:
    """Rule ROUND2 — money fields keep 2 decimals (QĐ 130/QĐ-BYT as amended by QĐ 4750, field formats)."""
    return value.quantize(CENT, rounding=ROUNDING_MODES[mode])


def to_decimal(value: object) -> Decimal:
    """Convert an int, str or Decimal to Decimal exactly; floats go through their shortest repr."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("boolean is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        return Decimal(value.strip().replace(",", "."))
    raise TypeError(f"not a number: {type(value).__name__}")


def normalize(value: Decimal) -> Decimal:
    """Drop trailing zeros for display and comparison (``45000.00`` → ``45000``)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()
