"""Exact decimal column types: money is never a float, on any database.

PostgreSQL stores ``NUMERIC(18, scale)``. SQLite has no decimal type, so the value is stored as an
integer count of the smallest unit (hundredths of a đồng for money, thousandths for unit prices and
quantities) in a BIGINT, which is exact and still sums correctly in SQL. Values always come back as
``Decimal`` quantized to the column's scale. A value with more decimals than the column holds is
refused (ValueError) rather than rounded: every rounding must be named by a rule, not by storage.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Numeric
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

PRECISION = 18


class ExactDecimal(TypeDecorator[Decimal]):
    """A fixed-scale exact decimal: NUMERIC(18, scale) on PostgreSQL, scaled BIGINT on SQLite."""

    impl = Numeric(PRECISION, 2)
    cache_ok = True

    def __init__(self, scale: int = 2) -> None:
        super().__init__()
        self.scale = scale
        self._quantum = Decimal(1).scaleb(-scale)
        self._factor = 10**scale
        self.impl = Numeric(PRECISION, scale, asdecimal=True)

    def __repr__(self) -> str:
        return f"ExactDecimal(scale={self.scale})"

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(PRECISION, self.scale, asdecimal=True))

    def _exact(self, value: Any) -> Decimal:
        if isinstance(value, float):
            raise TypeError("money must be Decimal or int, never float")
        dec = value if isinstance(value, Decimal) else Decimal(value)
        quantized = dec.quantize(self._quantum)
        if quantized != dec:
            raise ValueError(f"{value} has more than {self.scale} decimals; round it by a named rule first")
        if abs(quantized) >= Decimal(10) ** (PRECISION - self.scale):
            raise ValueError(f"{value} exceeds {PRECISION} digits")
        return quantized

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        dec = self._exact(value)
        if dialect.name == "sqlite":
            return int(dec * self._factor)
        return dec

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            # SUM() over the column returns the integer too; scaleb keeps it exact.
            return Decimal(int(value)).scaleb(-self.scale).quantize(self._quantum)
        return Decimal(value).quantize(self._quantum)

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal


class Money(ExactDecimal):
    """Amounts in đồng with 2 decimals (XML 130: amounts have at most 2 decimals)."""

    cache_ok = True

    def __init__(self) -> None:
        super().__init__(2)

    def __repr__(self) -> str:
        return "Money()"


class UnitPrice(ExactDecimal):
    """Unit prices with 3 decimals (XML 130: DON_GIA* at most 3 decimals)."""

    cache_ok = True

    def __init__(self) -> None:
        super().__init__(3)

    def __repr__(self) -> str:
        return "UnitPrice()"


class Quantity(ExactDecimal):
    """Quantities with 3 decimals (XML 130: SO_LUONG at most 3 decimals, e.g. bed-day 0.33)."""

    cache_ok = True

    def __init__(self) -> None:
        super().__init__(3)

    def __repr__(self) -> str:
        return "Quantity()"
