"""The XML1/XML2/XML3 rows of a QĐ 130 envelope as plain ``{FIELD: text}`` mappings.

Used to build the demo catalogue from the real sample files and by tests that compare with what a
hospital wrote. It reads through the exchange layer (``claims.exchange.reader``: safe, tolerant of
every quirk of real exports); field codes are the upper-case names of the typed record's attributes.
"""

from __future__ import annotations

from dataclasses import fields
from decimal import Decimal
from pathlib import Path
from typing import Any

from claims.exchange.reader import ReadError
from claims.exchange.reader import read_envelope as read_exchange_envelope

_TABLES = ("XML1", "XML2", "XML3")
_NOT_FIELDS = frozenset({"extras", "unparsed"})


class SampleReadError(ValueError):
    """The file is not a readable QĐ 130 envelope."""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return str(value)
    return str(value).strip()  # codes in real exports carry stray tabs and spaces (one has `...0003\t`)


def _row(record: Any) -> dict[str, str]:
    row = {f.name.upper(): _text(getattr(record, f.name)) for f in fields(record) if f.name not in _NOT_FIELDS}
    for raw in record.unparsed:  # a value the reader could not type is kept as written
        row[raw.name] = raw.text.strip()
    return row


def read_envelope(path: Path) -> dict[str, list[dict[str, str]]]:
    """Rows of XML1 (one per claim), XML2 and XML3 of every claim in the envelope, keyed by table name."""
    try:
        result = read_exchange_envelope(path.read_bytes())
    except ReadError as exc:
        raise SampleReadError(f"{path.name}: {exc}") from exc
    out: dict[str, list[dict[str, str]]] = {name: [] for name in _TABLES}
    for item in result.items:
        for table in _TABLES:
            out[table].extend(_row(record) for record in item.hoso.records(table))
    return out
