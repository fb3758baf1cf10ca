"""Claim → table documents → ``GIAMDINHHS`` envelope bytes.

Bytes are built directly as strings (no lxml trees): every element of the version's field list, in order,
even when empty; amounts at the stated scale (money with 2 decimals, rounded half-up; unit prices and
quantities up to 3 decimals); UTF-8; tables base64-encoded in ``NOIDUNGFILE``; only tables that apply.
The record writers are compiled once per (version, table) from the field specification.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from claims.exchange.model import (
    CLAIM_TABLES,
    SPECS,
    VERSIONS,
    CheckIn,
    Envelope,
    Hoso,
    choose_version,
)
from claims.exchange.spec import FieldSpec, TableSpec

XML_DECL = '<?xml version="1.0" encoding="utf-8"?>'
_Q = {2: Decimal("0.01"), 3: Decimal("0.001")}


class WriteError(ValueError):
    """A claim cannot be written (unknown version, or the written table fails our schema)."""

    def __init__(self, message: str, problems: Sequence[Any] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


def esc(s: str) -> str:
    """Escape text content; CR is written as a character reference so it survives parsing."""
    if "&" in s:
        s = s.replace("&", "&amp;")
    if "<" in s:
        s = s.replace("<", "&lt;")
    if ">" in s:
        s = s.replace(">", "&gt;")
    if "\r" in s:
        s = s.replace("\r", "&#13;")
    return s


_MONEY: dict[Decimal, str] = {}
_SCALED: dict[tuple[Decimal, int], str] = {}
_CACHE_MAX = 200_000


def money(v: Decimal | None) -> str:
    """An amount at scale 2, rounded half-up (``101476`` → ``101476.00``); None → empty.

    The text depends only on the numeric value, so it is cached (claims repeat prices and amounts).
    """
    if v is None:
        return ""
    text = _MONEY.get(v)
    if text is None:
        text = format(v.quantize(_Q[2], rounding=ROUND_HALF_UP), "f")
        if len(_MONEY) > _CACHE_MAX:
            _MONEY.clear()
        _MONEY[v] = text
    return text


def decimal_at(v: Decimal | None, scale: int) -> str:
    """A decimal rounded half-up to at most ``scale`` places, trailing zeros omitted; None → empty."""
    if v is None:
        return ""
    key = (v, scale)
    text = _SCALED.get(key)
    if text is None:
        q = v.quantize(_Q.get(scale, Decimal(1).scaleb(-scale)), rounding=ROUND_HALF_UP)
        text = format(q, "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        text = text or "0"
        if len(_SCALED) > _CACHE_MAX:
            _SCALED.clear()
        _SCALED[key] = text
    return text


def integer(v: int | None) -> str:
    return "" if v is None else str(v)


class _TextCache(dict[Any, str]):
    """value → written text, filled on first use (``cache[v]`` in the compiled writers: no call per field).

    With ``accept`` (a rule of :mod:`claims.exchange.typed_check` for one simple type of our XSDs) only values
    whose text satisfies the type are kept; any other value is rendered again on each use and counted in
    ``DOUBTS``, so a writer can tell that it wrote something the pre-check cannot vouch for. Bounded: cleared
    past ``_TEXT_CACHE_MAX`` entries.
    """

    def __init__(self, render: Callable[[Any], str], accept: Callable[[Any, str], bool] | None = None) -> None:
        super().__init__()
        self.render = render
        self.accept = accept

    def __missing__(self, v: Any) -> str:
        text = self.render(v)
        if self.accept is not None and not self.accept(v, text):
            DOUBTS[0] += 1
            return text
        if len(self) > _TEXT_CACHE_MAX:
            self.clear()
        self[v] = text
        return text


#: Entries per text cache: repeated codes, units, prices and dates hit; a month of names and addresses
#: (one per claim) would only grow it, so it stays small (some 30 caches, one per XSD type in use).
_TEXT_CACHE_MAX = 20_000
#: How many values the writers wrote that failed or escaped the typed pre-check (only ever grows).
DOUBTS = [0]


def _is_money(f: FieldSpec) -> bool:
    return f.kind == "dec" and f.scale == 2 and f.name != "MUC_HUONG"


def _escaped(v: Any) -> str:
    return esc(v) if v else ""  # a falsy value is written empty (as the writer always did)


def _render(f: FieldSpec) -> tuple[str, Callable[[Any], str]]:
    """How the writer turns a value of ``f`` into text, with a name for sharing caches."""
    if f.kind == "dec":
        if _is_money(f):
            return "money", money
        scale = f.scale if f.scale is not None else 3
        return f"dec{scale}", lambda v: decimal_at(v, scale)
    return "text", _escaped


_CACHES: dict[tuple[str, Any], _TextCache] = {}


def _cache_for(f: FieldSpec, accept_key: Any, accept: Callable[[Any, str], bool] | None) -> _TextCache:
    name, render = _render(f)
    key = (name, accept_key)
    got = _CACHES.get(key)
    if got is None:
        got = _CACHES[key] = _TextCache(render, accept)
    return got


@cache
def _compiled(version: str, table: str) -> tuple[Callable[[Any], str], Callable[[Any], bool] | None]:
    """The record writer of ``table`` and, when its schema is pre-checkable, the test of its int fields.

    Text and decimal fields are looked up in text caches that only keep values valid for the field's XSD
    type (others count in ``DOUBTS``); ints are formatted inline and tested by the second function.
    """
    from claims.exchange.typed_check import IntRule, record_rules

    spec = SPECS[version][table]
    rules = record_rules(version, table)
    env: dict[str, Any] = {}
    parts = []
    int_tests = []
    for i, f in enumerate(spec.fields):
        a = f"r.{f.attr}"
        if f.kind == "int":
            parts.append(f'<{f.name}>{{"" if {a} is None else {a}}}</{f.name}>')
            rule = rules[i][0] if rules is not None else None
            if isinstance(rule, IntRule):
                test = "v.__class__ is int" if rule.lo is None else f"v.__class__ is int and {rule.lo} < v < {rule.hi}"
                if rule.none_ok:
                    test = f"v is None or ({test})"
                int_tests.append(f"    v = {a}\n    if not ({test}):\n        return False\n")
            continue
        if rules is None:
            c = _cache_for(f, None, None)
        else:
            rule, st = rules[i]
            c = _cache_for(f, st, rule)  # type: ignore[arg-type]
        name = f"_c{id(c)}"
        env[name] = c
        parts.append(f"<{f.name}>{{{name}[{a}]}}</{f.name}>")
    src = f'def _w(r):\n    return f"""<{spec.record}>{"".join(parts)}</{spec.record}>"""\n'
    if rules is not None:
        src += "def _ints(r):\n" + "".join(int_tests) + "    return True\n"
    exec(compile(src, f"<writer {version} {table}>", "exec"), env)  # noqa: S102 - source built from our spec
    return env["_w"], env.get("_ints")


@cache
def record_writer(version: str, table: str) -> Callable[[Any], str]:
    """A compiled function writing one record of ``table`` in ``version`` as an XML string."""
    spec = SPECS[version][table]
    fast = _compiled(version, table)[0]

    def write(r: Any) -> str:
        if r.unparsed:
            return _write_slow(spec, r)
        return fast(r)

    return write


@cache
def checked_record_writer(version: str, table: str) -> Callable[[Any], tuple[str, bool]] | None:
    """Like :func:`record_writer`, also returning whether the record surely passes our schema.

    The flag is the typed pre-check (:mod:`claims.exchange.typed_check`): True only when every value's text
    satisfies its element's type in the XSD; False when unsure (the caller then validates the document with
    libxml2). None when the table's schema is outside what the pre-check models.
    """
    spec = SPECS[version][table]
    fast, ints = _compiled(version, table)
    if ints is None:
        return None

    def write(r: Any) -> tuple[str, bool]:
        if r.unparsed:
            return _write_slow(spec, r), False  # raw text the reader could not type: libxml2 decides
        before = DOUBTS[0]
        text = fast(r)
        try:
            ok = DOUBTS[0] == before and ints(r)
        except Exception:  # an int field holding something else: libxml2 decides
            ok = False
        return text, ok

    return write


def _write_slow(spec: TableSpec, r: Any) -> str:
    """Record with raw (untyped) values: write them back as read so nothing is lost."""
    raw = {x.name: x.text for x in r.unparsed}
    parts = [f"<{spec.record}>"]
    for f in spec.fields:
        if f.name in raw:
            text = esc(raw[f.name])
        else:
            v = getattr(r, f.attr)
            if f.kind == "int":
                text = integer(v)
            elif f.kind == "dec":
                text = money(v) if _is_money(f) else decimal_at(v, f.scale or 3)
            else:
                text = esc(v)
        parts.append(f"<{f.name}>{text}</{f.name}>")
    parts.append(f"</{spec.record}>")
    return "".join(parts)


def table_document(version: str, table: str, records: Sequence[Any], chukydonvi: str = "") -> bytes:
    """One table document (``<TONG_HOP>…</TONG_HOP>``, ``<CHITIEU_CHITIET_THUOC>…``) as UTF-8 bytes."""
    spec = _table_spec(version, table, records)
    w = record_writer(version, table)
    return _document(spec, table, [w(r) for r in records], chukydonvi)


def _table_spec(version: str, table: str, records: Sequence[Any]) -> TableSpec:
    if version not in VERSIONS:
        raise WriteError(f"unknown version {version!r}; expected one of {', '.join(VERSIONS)}")
    spec = SPECS[version][table]
    if spec.list_tag is None and len(records) != 1:
        raise WriteError(f"{table} holds exactly one record, got {len(records)}")
    return spec


def _document(spec: TableSpec, table: str, written: list[str], chukydonvi: str = "") -> bytes:
    if spec.list_tag is None:
        return (XML_DECL + written[0]).encode("utf-8")
    sig = f"<CHUKYDONVI>{chukydonvi}</CHUKYDONVI>" if table in ("XML0", "XML12") and chukydonvi else ""
    written.insert(0, f"{XML_DECL}<{spec.root}><{spec.list_tag}>")
    written.append(f"</{spec.list_tag}>{sig}</{spec.root}>")
    return "".join(written).encode("utf-8")  # one join: the records are copied once


def table_documents(hoso: Hoso, version: str | None = None) -> list[tuple[str, bytes]]:
    """``[(LOAIHOSO, document bytes)]`` for the tables that apply, in table order."""
    v = version or choose_version(hoso)
    out = []
    for table in CLAIM_TABLES:
        recs = hoso.records(table)
        if recs:
            out.append((table, table_document(v, table, recs)))
    return out


def checked_table_documents(
    hoso: Hoso, version: str
) -> tuple[list[tuple[str, bytes]], list[tuple[str, bytes]]]:
    """:func:`table_documents` (same bytes), and those of them the typed pre-check could not vouch for.

    The second list is what still needs libxml2 (``claims.exchange.validation.check_written``); the others
    pass our schema (see :mod:`claims.exchange.typed_check`).
    """
    out: list[tuple[str, bytes]] = []
    unsure: list[tuple[str, bytes]] = []
    for table in CLAIM_TABLES:
        recs = hoso.records(table)
        if not recs:
            continue
        spec = _table_spec(version, table, recs)
        w = checked_record_writer(version, table)
        if w is None:
            doc = _document(spec, table, [record_writer(version, table)(r) for r in recs])
            sure = False
        else:
            pairs = [w(r) for r in recs]
            doc = _document(spec, table, [text for text, _ in pairs])
            sure = all(ok for _, ok in pairs)
        out.append((table, doc))
        if not sure:
            unsure.append((table, doc))
    return out, unsure


def _hoso_parts(files: Iterable[tuple[str, bytes]], out: list[bytes]) -> None:
    out.append(b"<HOSO>")
    for t, doc in files:
        out += (b"<FILEHOSO><LOAIHOSO>", t.encode("ascii"), b"</LOAIHOSO><NOIDUNGFILE>", base64.b64encode(doc),
                b"</NOIDUNGFILE></FILEHOSO>")
    out.append(b"</HOSO>")


def hoso_fragment(files: Iterable[tuple[str, bytes]]) -> bytes:
    """One ``<HOSO>`` element (for streaming many claims into one envelope, see :func:`envelope_frame`)."""
    parts: list[bytes] = []
    _hoso_parts(files, parts)
    return b"".join(parts)


def envelope_frame(macskcb: str, ngaylap: str, count: int, chukydonvi: str = "") -> tuple[bytes, bytes]:
    """(head, tail) of an envelope holding ``count`` ``HOSO``: write head, the fragments, then tail."""
    sig = f"<CHUKYDONVI>{chukydonvi}</CHUKYDONVI>" if chukydonvi else "<CHUKYDONVI/>"
    head = (
        f"{XML_DECL}<GIAMDINHHS><THONGTINDONVI><MACSKCB>{esc(macskcb)}</MACSKCB></THONGTINDONVI>"
        f"<THONGTINHOSO><NGAYLAP>{esc(ngaylap)}</NGAYLAP><SOLUONGHOSO>{count}</SOLUONGHOSO><DANHSACHHOSO>"
    )
    return head.encode("utf-8"), f"</DANHSACHHOSO></THONGTINHOSO>{sig}</GIAMDINHHS>".encode()


def envelope_bytes(
    macskcb: str,
    ngaylap: str,
    hoso_files: Sequence[Sequence[tuple[str, bytes]]],
    chukydonvi: str = "",
) -> bytes:
    """Assemble the envelope from already-written table documents (one list per ``HOSO``)."""
    head, tail = envelope_frame(macskcb, ngaylap, len(hoso_files), chukydonvi)
    parts = [head]
    for files in hoso_files:
        _hoso_parts(files, parts)
    parts.append(tail)
    return b"".join(parts)


#: Envelope skeletons already found valid (bounded): a facility's claims share header and table lists.
_VALID_SKELETONS: set[tuple[Any, ...]] = set()


def write_envelope(envelope: Envelope, version: str | None = None, validate: bool = False) -> bytes:
    """The whole envelope; each ``HOSO`` in its own version (by its dates) unless ``version`` is forced.

    With ``validate`` every table document and the envelope are checked against our schemas first and a
    :class:`WriteError` listing the problems is raised when one fails. Table documents the typed pre-check
    vouches for (:mod:`claims.exchange.typed_check`) are not parsed again; the others go through libxml2.
    """
    if not validate:
        files = [table_documents(h, version or choose_version(h)) for h in envelope.hoso]
        return envelope_bytes(envelope.macskcb, envelope.ngaylap, files, envelope.chukydonvi)
    from claims.exchange.validation import check_written, check_written_envelope  # validation imports the reader

    files = []
    problems = []
    for h in envelope.hoso:
        v = version or choose_version(h)
        fs, unsure = checked_table_documents(h, v)
        files.append(fs)
        if unsure:
            problems += check_written(unsure, v)
    if problems:
        head = "; ".join(str(p) for p in problems[:3])
        raise WriteError(f"{len(problems)} schema problem(s) in the written claim: {head}", problems)
    # The envelope's variable parts are the header values and the table list; NOIDUNGFILE is our own
    # base64 encoder's output, so the skeleton (one byte per table) is what needs checking. Identical
    # skeletons validate identically: each distinct one goes through libxml2 once.
    tables = tuple(tuple(t for t, _ in fs) for fs in files)
    key = (envelope.macskcb, envelope.ngaylap, envelope.chukydonvi, tables, version or "3176")
    if key not in _VALID_SKELETONS:  # the skeleton's bytes are a function of this key
        skeleton = [[(t, b"-") for t in ts] for ts in tables]
        env_problems = check_written_envelope(
            envelope_bytes(envelope.macskcb, envelope.ngaylap, skeleton, envelope.chukydonvi), version or "3176"
        )
        if env_problems:
            raise WriteError("the written envelope fails our schema", env_problems)
        if len(_VALID_SKELETONS) > 10_000:
            _VALID_SKELETONS.clear()
        _VALID_SKELETONS.add(key)
    return envelope_bytes(envelope.macskcb, envelope.ngaylap, files, envelope.chukydonvi)


def write_claim(
    hoso: Hoso,
    macskcb: str | None = None,
    ngaylap: str | None = None,
    version: str | None = None,
    validate: bool = False,
) -> bytes:
    """One claim (one ``HOSO``) in its own envelope; ``macskcb`` defaults to XML1 ``MA_CSKCB``."""
    x1 = hoso.xml1
    env = Envelope(
        macskcb=macskcb if macskcb is not None else (x1.ma_cskcb if x1 is not None else ""),
        ngaylap=ngaylap if ngaylap is not None else date.today().strftime("%Y%m%d"),
        hoso=(hoso,),
    )
    return write_envelope(env, version=version, validate=validate)


def write_checkin(checkin: CheckIn, version: str = "3176") -> bytes:
    """The XML0 check-in document (sent alone, not inside an envelope)."""
    spec = SPECS[version]["XML0"]
    w = record_writer(version, "XML0")
    inner = "".join(w(r) for r in checkin.records)
    sig = f"<CHUKYDONVI>{checkin.chukydonvi}</CHUKYDONVI>" if checkin.chukydonvi else "<CHUKYDONVI/>"
    doc = f"{XML_DECL}<{spec.root}><{spec.list_tag}>{inner}</{spec.list_tag}>{sig}</{spec.root}>"
    return doc.encode("utf-8")


__all__ = [
    "WriteError",
    "checked_record_writer",
    "checked_table_documents",
    "decimal_at",
    "envelope_bytes",
    "envelope_frame",
    "esc",
    "hoso_fragment",
    "money",
    "record_writer",
    "table_document",
    "table_documents",
    "write_checkin",
    "write_claim",
    "write_envelope",
]
