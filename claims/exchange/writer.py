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


def _is_money(f: FieldSpec) -> bool:
    return f.kind == "dec" and f.scale == 2 and f.name != "MUC_HUONG"


def _field_expr(f: FieldSpec) -> str:
    a = f"r.{f.attr}"
    if f.kind == "int":
        return f'{{"" if {a} is None else {a}}}'
    if f.kind == "dec":
        return f"{{_m({a})}}" if _is_money(f) else f"{{_d({a}, {f.scale})}}"
    return f'{{_e({a}) if {a} else ""}}'  # most optional text fields are empty: skip the call


@cache
def record_writer(version: str, table: str) -> Callable[[Any], str]:
    """A compiled function writing one record of ``table`` in ``version`` as an XML string."""
    spec = SPECS[version][table]
    body = "".join(f"<{f.name}>{_field_expr(f)}</{f.name}>" for f in spec.fields)
    src = f'def _w(r):\n    return f"""<{spec.record}>{body}</{spec.record}>"""\n'
    env: dict[str, Any] = {"_e": esc, "_m": money, "_d": decimal_at, "_i": integer}
    exec(compile(src, f"<writer {version} {table}>", "exec"), env)  # noqa: S102 - source built from our spec
    fast: Callable[[Any], str] = env["_w"]

    def write(r: Any) -> str:
        if r.unparsed:
            return _write_slow(spec, r)
        return fast(r)

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
    if version not in VERSIONS:
        raise WriteError(f"unknown version {version!r}; expected one of {', '.join(VERSIONS)}")
    spec = SPECS[version][table]
    w = record_writer(version, table)
    if spec.list_tag is None:
        if len(records) != 1:
            raise WriteError(f"{table} holds exactly one record, got {len(records)}")
        return (XML_DECL + w(records[0])).encode("utf-8")
    inner = "".join(w(r) for r in records)
    sig = f"<CHUKYDONVI>{chukydonvi}</CHUKYDONVI>" if table in ("XML0", "XML12") and chukydonvi else ""
    doc = f"{XML_DECL}<{spec.root}><{spec.list_tag}>{inner}</{spec.list_tag}>{sig}</{spec.root}>"
    return doc.encode("utf-8")


def table_documents(hoso: Hoso, version: str | None = None) -> list[tuple[str, bytes]]:
    """``[(LOAIHOSO, document bytes)]`` for the tables that apply, in table order."""
    v = version or choose_version(hoso)
    out = []
    for table in CLAIM_TABLES:
        recs = hoso.records(table)
        if recs:
            out.append((table, table_document(v, table, recs)))
    return out


def _hoso_xml(files: Iterable[tuple[str, bytes]]) -> str:
    return (
        "<HOSO>"
        + "".join(
            f"<FILEHOSO><LOAIHOSO>{t}</LOAIHOSO><NOIDUNGFILE>{base64.b64encode(doc).decode('ascii')}"
            "</NOIDUNGFILE></FILEHOSO>"
            for t, doc in files
        )
        + "</HOSO>"
    )


def hoso_fragment(files: Iterable[tuple[str, bytes]]) -> bytes:
    """One ``<HOSO>`` element (for streaming many claims into one envelope, see :func:`envelope_frame`)."""
    return _hoso_xml(files).encode("utf-8")


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
    body = "".join(_hoso_xml(files) for files in hoso_files)
    sig = f"<CHUKYDONVI>{chukydonvi}</CHUKYDONVI>" if chukydonvi else "<CHUKYDONVI/>"
    doc = (
        f"{XML_DECL}<GIAMDINHHS><THONGTINDONVI><MACSKCB>{esc(macskcb)}</MACSKCB></THONGTINDONVI>"
        f"<THONGTINHOSO><NGAYLAP>{esc(ngaylap)}</NGAYLAP><SOLUONGHOSO>{len(hoso_files)}</SOLUONGHOSO>"
        f"<DANHSACHHOSO>{body}</DANHSACHHOSO></THONGTINHOSO>{sig}</GIAMDINHHS>"
    )
    return doc.encode("utf-8")


def write_envelope(envelope: Envelope, version: str | None = None, validate: bool = False) -> bytes:
    """The whole envelope; each ``HOSO`` in its own version (by its dates) unless ``version`` is forced.

    With ``validate`` every table document and the envelope are checked against our schemas first and a
    :class:`WriteError` listing the problems is raised when one fails.
    """
    files = [table_documents(h, version or choose_version(h)) for h in envelope.hoso]
    if validate:
        from claims.exchange.validation import check_written  # local: validation imports the reader

        problems = []
        for h, fs in zip(envelope.hoso, files, strict=True):
            problems += check_written(fs, version or choose_version(h))
        if problems:
            head = "; ".join(str(p) for p in problems[:3])
            raise WriteError(f"{len(problems)} schema problem(s) in the written claim: {head}", problems)
    if validate:
        from claims.exchange.validation import check_written_envelope

        # The envelope's variable parts are the header values and the table list; NOIDUNGFILE is our own
        # base64 encoder's output, so the skeleton (one byte per table) is what needs checking.
        skeleton = [[(t, b"-") for t, _ in fs] for fs in files]
        env_problems = check_written_envelope(
            envelope_bytes(envelope.macskcb, envelope.ngaylap, skeleton, envelope.chukydonvi),
            version or "3176",
        )
        if env_problems:
            raise WriteError("the written envelope fails our schema", env_problems)
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
