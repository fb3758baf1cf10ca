"""``expires_in`` of the token: a UTC date-time in several spellings (clients parse it defensively)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_FORMATS = (
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%m/%d/%Y %I:%M:%S %p",  # .NET en-US default: with AM/PM the month comes first
    "%d/%m/%Y %I:%M:%S %p",
    "%Y%m%d%H%M%S",
    "%Y/%m/%d %H:%M:%S",
)
FALLBACK_LIFETIME = timedelta(minutes=5)


def parse_expiry(value: object, now: datetime) -> datetime | None:
    """The expiry as an aware UTC date-time, or None when unreadable.

    Date-times without a zone are UTC (gateway.md §2). A plain number is read as seconds from now when small
    (an OAuth-style lifetime) and as a Unix time (seconds or milliseconds) when large.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_number(float(value), now)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    if text.isdigit() and len(text) == 14:  # yyyyMMddHHmmss, not a number of seconds
        try:
            return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        except ValueError:
            return None
    try:
        return _from_number(float(text), now)
    except ValueError:
        pass
    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        parsed = datetime.fromisoformat(iso)
    except ValueError:
        parsed = None
    if parsed is None:
        # Seven fractional digits (.NET) are too many for %f: cut them to six.
        if "." in text:
            head, _, tail = text.partition(".")
            digits = "".join(ch for ch in tail if ch.isdigit())
            text = f"{head}.{digits[:6]}{tail[len(digits):]}"
        for fmt in _FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _from_number(number: float, now: datetime) -> datetime:
    if number < 10**8:
        return now + timedelta(seconds=number)
    if number > 10**11:
        number /= 1000
    return datetime.fromtimestamp(number, UTC)
