"""The exchange model → the plain input of the assessment checks (`rules.checks`).

This is where XML 130 field codes meet the model's attribute names, so it lives in `claims.exchange`: the
checks read ``{"XML1": [{"MA_LK": "...", ...}], "XML2": [...], ...}`` with the values as strings.

- :func:`tables_of_hoso` renders a typed :class:`~claims.exchange.model.Hoso` (read from a file, built by
  pricing, or rebuilt from claim rows by ``claims.claim.tables.hoso_of_claim``). Decimals are written in
  plain notation, integers as digits; a value the reader could not type is given back raw (so the format
  checks see it), an unexpected element is passed through under its own name.
- :func:`tables_of_read` prefers the table documents as received when the reader kept them: values exactly
  as the hospital wrote them (decimal commas, ``"02"`` codes), which the typed model normalises away.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from operator import attrgetter
from typing import Any

from lxml import etree

from claims.exchange.model import CLAIM_TABLES, SPECS, Hoso
from claims.exchange.reader import FIELDS, HosoRead

__all__ = ["PlainTables", "hoso_of_tables", "tables_of_hoso", "tables_of_read"]

PlainTables = dict[str, list[dict[str, str]]]

# Element names of every field of every table (both versions of the standard), and one getter of all the
# matching attributes at once (attrgetter of many names returns a tuple: the adapter's hot loop).
_NAMES: dict[str, tuple[str, ...]] = {table: tuple(fields) for table, fields in FIELDS.items()}
_GET: dict[str, Any] = {table: attrgetter(*(f.attr for f in fields.values())) for table, fields in FIELDS.items()}


def _decimal(value: Decimal) -> str:
    text = str(value)
    return format(value, "f") if "E" in text else text  # never exponent notation ("1E+3")


_CONVERT: dict[type, Any] = {Decimal: _decimal, int: str}
_NONE = type(None)


def _record(table: str, rec: Any) -> dict[str, str]:
    # the checks treat an absent and an empty element alike: both are left out
    out = {
        name: value if cls is str else _CONVERT.get(cls, str)(value)
        for name, value in zip(_NAMES[table], _GET[table](rec), strict=True)
        if (cls := value.__class__) is not _NONE and (cls is not str or value)
    }
    for x in rec.unparsed:
        out[x.name] = x.text  # the raw text the reader could not type (e.g. letters in an amount)
    for x in rec.extras:
        out.setdefault(x.name, x.text)
    return out


def tables_of_hoso(hoso: Hoso) -> PlainTables:
    """The checks' input for one claim: every present table, its records as ``{FIELD: text}``."""
    out: PlainTables = {}
    for table in CLAIM_TABLES:
        value = getattr(hoso, table.lower())
        if value is None or value == ():
            continue
        records = value if value.__class__ is tuple else (value,)
        out[table] = [_record(table, r) for r in records]
    return out


def _raw_records(table: str, root: etree._Element) -> list[dict[str, str]]:
    spec = SPECS["4750"][table]  # root, list and record element names are the same in both versions
    if spec.single and root.tag == spec.record:
        elems: Iterable[etree._Element] = (root,)
    else:
        elems = root.iter(spec.record)
    out: list[dict[str, str]] = []
    for el in elems:
        rec: dict[str, str] = {}
        for child in el:
            tag = child.tag
            if tag.__class__ is not str or tag in rec:
                continue  # comments; a repeated element (the reader keeps the first)
            text = "".join(str(t) for t in child.itertext()) if len(child) else (child.text or "")
            if text:
                rec[str(tag)] = text
        out.append(rec)
    return out


def tables_of_read(item: HosoRead) -> PlainTables:
    """The checks' input for one ``HOSO`` as read: raw text where the document was kept, else the model."""
    out = tables_of_hoso(item.hoso)
    for table, tr in item.tables.items():
        if tr.root is not None and table in out:
            out[table] = _raw_records(table, tr.root)
    return out


def hoso_of_tables(tables: PlainTables) -> Hoso:
    """The inverse for well-formed input (tests, benchmarks): ``{FIELD: text}`` records → a typed Hoso.

    Values are typed as the reader types them; anything it could not type is kept raw in ``unparsed``.
    """
    from claims.exchange.reader import _typed
    from claims.exchange.spec import Extra
    from claims.exchange.tables import RECORD_CLASSES

    kw: dict[str, Any] = {}
    for table, rows in tables.items():
        fields = FIELDS[table]
        records = []
        for row in rows:
            values: dict[str, Any] = {}
            extras: list[Extra] = []
            unparsed: list[Extra] = []
            for name, text in row.items():
                f = fields.get(name)
                if f is None:
                    extras.append(Extra(name, text))
                    continue
                value, ok = _typed(f, text)
                if not ok:
                    unparsed.append(Extra(name, text))
                    value = None if f.kind in ("int", "dec") else ""
                values[f.attr] = value
            records.append(RECORD_CLASSES[table](**values, extras=tuple(extras), unparsed=tuple(unparsed)))
        kw[table.lower()] = records[0] if SPECS["4750"][table].single else tuple(records)
    return Hoso(**kw)
