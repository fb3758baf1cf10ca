from datetime import UTC, datetime, timedelta

import pytest

from claims.portal import parse_expiry

NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
EXPECTED = datetime(2026, 11, 2, 9, 30, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-02T09:30:15Z",
        "2026-11-02T09:30:15",
        "2026-11-02T09:30:15.0000000",
        "2026-11-02T09:30:15.0000000Z",
        "2026-11-02T16:30:15+07:00",
        "2026-11-02 09:30:15",
        "02/11/2026 09:30:15",
        "11/2/2026 9:30:15 AM",
        "20261102093015",
        " 2026-11-02T09:30:15z ",
        EXPECTED.timestamp(),
        int(EXPECTED.timestamp() * 1000),
        str(int(EXPECTED.timestamp())),
    ],
)
def test_expiry_formats(value: object) -> None:
    assert parse_expiry(value, NOW) == EXPECTED


def test_small_numbers_are_lifetimes_and_garbage_is_none() -> None:
    assert parse_expiry(3600, NOW) == NOW + timedelta(hours=1)
    assert parse_expiry("3600", NOW) == NOW + timedelta(hours=1)
    for bad in (None, "", "tomorrow", True, {"a": 1}, "31/31/2026 10:00:00"):
        assert parse_expiry(bad, NOW) is None
