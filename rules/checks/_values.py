"""Parsing of raw XML 130 values: numbers, dates and date-times (QĐ 130/4750 §3 encoding rules).

Parsers return ``None`` for empty or unparsable input; the format checks report why.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

__all__ = [
    "is_valid_birth",
    "parse_date",
    "parse_decimal",
    "parse_moment",
]


# Amounts have at most 15 characters in the standard; anything beyond 10^20 is garbage, not a number to compute with.
_MAX_ADJUSTED = 20


# Values repeat a lot (prices, ratios, zeros, order minutes): memoising the pure parsers pays off.
@lru_cache(maxsize=1 << 16)
def parse_decimal(raw: str) -> Decimal | None:
    """A number written with a dot; a lone decimal comma is tolerated (reported by FMT_DECIMAL_COMMA)."""
    s = raw.strip()
    if not s:
        return None
    if "," not in s:
        # Fast path: the common, well-formed case.
        try:
            value = Decimal(s)
        except InvalidOperation:
            return None
        return value if value.is_finite() and value.adjusted() <= _MAX_ADJUSTED else None
    if "," in s:
        if "." in s or s.count(",") > 1:
            return None
        s = s.replace(",", ".")
    try:
        value = Decimal(s)
    except InvalidOperation:
        return None
    if not value.is_finite() or value.adjusted() > _MAX_ADJUSTED:
        return None
    return value


@lru_cache(maxsize=1 << 16)
def parse_moment(raw: str) -> datetime | None:
    """`yyyyMMddHHmm` (12 digits) or `yyyyMMdd` (8 digits, midnight)."""
    s = raw.strip()
    n = len(s)
    if (n != 12 and n != 8) or not s.isdigit():
        return None
    try:
        if n == 8:
            return datetime(int(s[0:4]), int(s[4:6]), int(s[6:8]))
        return datetime(int(s[0:4]), int(s[4:6]), int(s[6:8]), int(s[8:10]), int(s[10:12]))
    except ValueError:
        return None


def parse_date(raw: str) -> date | None:
    """Date part of an 8- or 12-digit value."""
    m = parse_moment(raw)
    return m.date() if m is not None else None


def is_valid_birth(raw: str) -> bool:
    """Birth date-time: day and month may be `00` when unknown (4750 appendix, NGAY_SINH)."""
    s = raw.strip()
    if len(s) not in (8, 12) or not s.isdigit():
        return False
    year, month, day = int(s[0:4]), int(s[4:6]), int(s[6:8])
    if len(s) == 12 and (int(s[8:10]) > 23 or int(s[10:12]) > 59):
        return False
    if month == 0 or day == 0:
        return month <= 12 and day <= 31 and year > 0
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True
