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

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from lxml import etree

from claims.exchange.model import CLAIM_TABLES, SPECS, Hoso
from claims.exchange.reader import FIELDS, HosoRead

__all__ = ["PlainTables", "hoso_of_tables", "tables_of_hoso", "tables_of_read"]

PlainTables = dict[str, list[dict[str, str]]]


def _decimal(value: Decimal) -> str:
    text = str(value)
    return format(value, "f") if "E" in text else text  # never exponent notation ("1E+3")


_CONVERT: dict[type, Any] = {Decimal: _decimal, int: str}


def _other(value: Any) -> str:
    """A value of an unexpected type: as the generic path renders it."""
    return _CONVERT.get(value.__class__, str)(value)  # type: ignore[no-any-return]


def _compile_record(table: str) -> Callable[[Any], dict[str, str]]:
    """A function rendering one record of ``table`` (the adapter's hot loop, one branch per field).

    Per field: a string is kept when non-empty, None is left out, a Decimal is written in plain notation and
    anything else goes through ``_CONVERT`` (ints as digits). The expected type is tested first.
    """
    lines = ["def _r(rec):", "    out = {}"]
    for name, f in FIELDS[table].items():
        lines.append(f"    v = rec.{f.attr}")
        if f.kind == "dec":
            # _decimal inlined: plain notation, never an exponent ("1E+3")
            lines.append("    if v.__class__ is _Decimal:")
            lines.append("        t = str(v)")
            lines.append(f"        out[{name!r}] = t if 'E' not in t else format(v, 'f')")
            lines.append("    elif v.__class__ is str:")
            lines.append(f"        if v: out[{name!r}] = v")
        elif f.kind == "int":
            lines.append(f"    if v.__class__ is int: out[{name!r}] = str(v)")
            lines.append("    elif v.__class__ is str:")
            lines.append(f"        if v: out[{name!r}] = v")
        else:
            lines.append("    if v.__class__ is str:")
            lines.append(f"        if v: out[{name!r}] = v")
        lines.append(f"    elif v is not None: out[{name!r}] = _other(v)")
    lines += [
        "    for x in rec.unparsed:",
        "        out[x.name] = x.text",  # the raw text the reader could not type (e.g. letters in an amount)
        "    for x in rec.extras:",
        "        out.setdefault(x.name, x.text)",
        "    return out",
    ]
    env: dict[str, Any] = {"_Decimal": Decimal, "_other": _other}
    exec(compile("\n".join(lines), f"<checks input {table}>", "exec"), env)  # noqa: S102 - source built from our spec
    fn: Callable[[Any], dict[str, str]] = env["_r"]
    return fn


# the checks treat an absent and an empty element alike: both are left out
_RECORD: dict[str, Callable[[Any], dict[str, str]]] = {table: _compile_record(table) for table in FIELDS}


def tables_of_hoso(hoso: Hoso) -> PlainTables:
    """The checks' input for one claim: every present table, its records as ``{FIELD: text}``."""
    out: PlainTables = {}
    for table in CLAIM_TABLES:
        value = getattr(hoso, table.lower())
        if value is None or value == ():
            continue
        records = value if value.__class__ is tuple else (value,)
        render = _RECORD[table]
        out[table] = [render(r) for r in records]
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
