"""Tolerant, incremental reader of ``GIAMDINHHS`` envelopes as real hospitals send them.

Accepted: a UTF-8 BOM; CDATA; tables inline, base64 on one line or wrapped; empty ``NOIDUNGFILE`` (skipped);
decimal commas and mixed scale; elements out of order (read by name); both the 4750 and the 3176 shapes;
the ``XMLSchema instance`` xsi typo; unknown elements (kept in ``extras`` and reported). The envelope is
read with ``iterparse`` one ``HOSO`` at a time and each ``HOSO`` is freed once handed out, so memory stays
flat however many ``HOSO`` the file holds.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from lxml import etree

from claims.exchange.model import (
    RECORD_CLASSES,
    SPECS,
    VERSIONS,
    CheckIn,
    Envelope,
    Extra,
    ExtraFile,
    Hoso,
    version_for_date,
)
from claims.exchange.problems import Problem
from claims.exchange.safe import (
    MAX_ENVELOPE_BYTES,
    SafeStream,
    UnsafeXmlError,
    parse_document,
)
from claims.exchange.spec import FieldSpec

Source = str | Path | bytes | IO[bytes]

_INT = re.compile(r"^[+-]?\d+$")
#: An integer code followed by its label, as one exporter writes MA_LYDO_CT ("2. Theo yêu cầu …").
_CODE_LABEL = re.compile(r"^(\d{1,3})\.\s+\S", re.DOTALL)


class ReadError(ValueError):
    """The envelope itself cannot be read (not XML, not a GIAMDINHHS envelope)."""


def _union_fields(table: str) -> dict[str, FieldSpec]:
    out: dict[str, FieldSpec] = {}
    for v in VERSIONS:
        for f in SPECS[v][table].fields:
            out.setdefault(f.name, f)
    return out


FIELDS = {t: _union_fields(t) for t in SPECS["4750"]}
ROOT_TO_TABLE = {s.root: t for t, s in SPECS["4750"].items()}
#: Elements only one version of XML13 has: their presence tells the shape.
XML13_ONLY = {
    v: {f.name for f in SPECS[v]["XML13"].fields} - {f.name for f in SPECS[o]["XML13"].fields}
    for v, o in (("4750", "3176"), ("3176", "4750"))
}


@dataclass(slots=True)
class TableRead:
    """One table as read: its records, the raw document root (for schema checks) and what we noticed."""

    table: str
    records: list[Any]
    root: etree._Element | None
    shape: str | None = None
    problems: list[Problem] = field(default_factory=list)


@dataclass(slots=True)
class HosoRead:
    """One ``HOSO`` as read: the typed claim, its tables' raw documents and the problems noticed."""

    index: int
    hoso: Hoso
    tables: dict[str, TableRead]
    problems: list[Problem]


# ------------------------------------------------------------------------------------------ value typing
def _text(el: etree._Element) -> str:
    if len(el):
        return "".join(str(t) for t in el.itertext())
    return el.text or ""


def parse_decimal(text: str) -> Decimal | None:
    """A decimal as real files write it: ``39800``, ``39800.00``, ``2073,6`` (decimal comma); else None."""
    t = text.strip()
    if "," in t:
        if "." in t:
            return None
        t = t.replace(",", ".")
    try:
        d = Decimal(t)
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def parse_int(text: str) -> int | None:
    t = text.strip()
    if _INT.match(t):
        return int(t)
    d = parse_decimal(t)
    if d is not None and d == d.to_integral_value():
        return int(d)  # "1.0" for an integer code: the value is unambiguous
    return None


def _typed(f: FieldSpec, text: str) -> tuple[Any, bool]:
    """(value, ok): the typed value of ``text`` for field ``f``; ok False means keep it raw."""
    if f.kind == "str":
        return text, True
    t = text.strip()
    if not t:
        return None if f.kind in ("int", "dec") else "", True
    if f.kind == "int":
        i = parse_int(t)
        return i, i is not None
    if f.kind == "dec":
        d = parse_decimal(t)
        return d, d is not None
    return t, True  # dates: the exact string, schema checks the form


# ------------------------------------------------------------------------------------------ table parsing
def _record(table: str, el: etree._Element, idx: int, hoso: int) -> tuple[Any, list[Problem]]:
    fields = FIELDS[table]
    kw: dict[str, Any] = {}
    extras: list[Extra] = []
    unparsed: list[Extra] = []
    labelled: list[Extra] = []
    problems: list[Problem] = []
    for child in el:
        tag = child.tag
        if tag.__class__ is not str:
            continue  # comments, processing instructions
        text = (child.text or "") if not len(child) else _text(child)
        f = fields.get(tag)  # type: ignore[call-overload]
        if f is None or f.attr in kw:
            extras.append(Extra(str(tag), text))
            continue
        kind = f.kind
        # fast paths for the common forms; anything unusual goes through _typed
        if kind == "str":
            kw[f.attr] = text
            continue
        t = text.strip()
        if not t:
            kw[f.attr] = None if kind in ("int", "dec") else ""
            continue
        if kind == "int" and t.isdigit():
            kw[f.attr] = int(t)
            continue
        if kind in ("date", "datetime", "date_or_datetime", "dates"):
            kw[f.attr] = t
            continue
        value, ok = _typed(f, text)
        if not ok and kind == "int" and (m := _CODE_LABEL.match(t)):
            value, ok = int(m.group(1)), True
            labelled.append(Extra(str(tag), text))
        if not ok:
            unparsed.append(Extra(str(tag), text))
            value = None if kind in ("int", "dec") else ""
        kw[f.attr] = value
    ma_lk = str(kw.get("ma_lk", "")).strip()
    stt = "" if kw.get("stt") is None else str(kw["stt"])
    cls = RECORD_CLASSES[table]
    rec = cls(**kw, extras=tuple(extras), unparsed=tuple(unparsed))
    for x in extras:
        problems.append(
            Problem(
                "tolerated",
                "unknown_element",
                table,
                x.name,
                x.text[:200],
                "Phần tử không có trong chuẩn (hoặc lặp lại); đã giữ lại, không xử lý",
                "Element not in the standard (or repeated); kept, not used",
                stt=stt,
                ma_lk=ma_lk,
                hoso=hoso,
                record=idx,
                severity="warning",
            )
        )
    for x in labelled:
        problems.append(
            Problem(
                "tolerated",
                "code_with_label",
                table,
                x.name,
                x.text[:200],
                "Mã số kèm nhãn chữ; chỉ giữ mã số",
                "Numeric code followed by its label; the code is kept",
                stt=stt,
                ma_lk=ma_lk,
                hoso=hoso,
                record=idx,
                severity="warning",
            )
        )
    for x in unparsed:
        problems.append(
            Problem(
                "structural",
                "bad_value",
                table,
                x.name,
                x.text[:200],
                "Giá trị không đọc được theo kiểu dữ liệu của trường",
                "Value cannot be read as the field's data type",
                stt=stt,
                ma_lk=ma_lk,
                hoso=hoso,
                record=idx,
            )
        )
    return rec, problems


def _shape(table: str, records: list[Any], root: etree._Element) -> str | None:
    if table == "XML13":
        names = {c.tag for r in root.iter("CHI_TIEU_GIAYCHUYENTUYEN") for c in r}
        for v in VERSIONS:
            if names & XML13_ONLY[v]:
                return v
    if table == "XML14" and records:
        n = len(records[0].ngay_hen_kl.strip())
        return {12: "4750", 8: "3176"}.get(n)
    return None


def parse_table(table: str, root: etree._Element, hoso: int = 0) -> TableRead:
    """Typed records of one table document (``root`` is the table's root element)."""
    spec = SPECS["4750"][table]
    problems: list[Problem] = []
    if root.tag != spec.root:
        problems.append(
            Problem(
                "structural",
                "wrong_root",
                table,
                "",
                str(root.tag),
                f"Phần tử gốc phải là {spec.root}",
                f"Root element should be {spec.root}",
                hoso=hoso,
            )
        )
    if spec.single:
        elems = [root] if root.tag == spec.record else list(root.iter(spec.record))
    else:
        elems = list(root.iter(spec.record))
    records = []
    for i, el in enumerate(elems, 1):
        rec, ps = _record(table, el, i, hoso)
        records.append(rec)
        problems += ps
    if spec.single and len(records) > 1:
        problems.append(
            Problem(
                "structural",
                "too_many_records",
                table,
                "",
                str(len(records)),
                "Bảng này chỉ có một bản ghi",
                "This table holds a single record",
                hoso=hoso,
            )
        )
    return TableRead(table, records, root, _shape(table, records, root), problems)


# ----------------------------------------------------------------------------------------- FILEHOSO
def _decode(table: str, content: etree._Element, hoso: int) -> tuple[etree._Element | None, list[Problem]]:
    """The table root inside ``NOIDUNGFILE`` (inline or base64), or None when empty/broken."""
    problems: list[Problem] = []
    kids = [c for c in content if isinstance(c.tag, str)]
    if kids:
        problems.append(
            Problem(
                "tolerated",
                "inline_table",
                table,
                "NOIDUNGFILE",
                "",
                "Bảng ghi trực tiếp dạng XML, không mã hóa base64",
                "Table written inline, not base64",
                hoso=hoso,
                severity="warning",
            )
        )
        return kids[0], problems
    text = (content.text or "").encode("utf-8")
    compact = b"".join(text.split())  # wrapped base64: drop line breaks (much faster than a regex)
    if not compact:
        problems.append(
            Problem(
                "tolerated",
                "empty_file",
                table,
                "NOIDUNGFILE",
                "",
                "NOIDUNGFILE rỗng; bảng bị bỏ qua",
                "Empty NOIDUNGFILE; table skipped",
                hoso=hoso,
                severity="warning",
            )
        )
        return None, problems
    if compact.startswith(b"<"):
        data = text.strip()
    else:
        try:
            try:
                data = base64.b64decode(compact, validate=True)
            except binascii.Error:
                if len(compact) % 4 == 0 or compact.endswith(b"="):
                    raise
                # some exporters drop the '=' padding; the content is otherwise intact
                data = base64.b64decode(compact + b"=" * (-len(compact) % 4), validate=True)
                problems.append(
                    Problem(
                        "tolerated",
                        "base64_padding",
                        table,
                        "NOIDUNGFILE",
                        "",
                        "Base64 thiếu ký tự '=' đệm; đã bổ sung khi đọc",
                        "Base64 without its '=' padding; padded on reading",
                        hoso=hoso,
                        severity="warning",
                    )
                )
        except (binascii.Error, ValueError) as exc:
            problems.append(
                Problem(
                    "structural",
                    "base64",
                    table,
                    "NOIDUNGFILE",
                    compact[:40].decode("ascii", "replace"),
                    f"NOIDUNGFILE không phải base64 hợp lệ ({exc})",
                    f"NOIDUNGFILE is not valid base64 ({exc})",
                    hoso=hoso,
                )
            )
            return None, problems
    try:
        root, repaired = parse_document(data, f"table {table}")
    except UnsafeXmlError as exc:
        problems.append(
            Problem(
                "structural",
                "unsafe_xml",
                table,
                "NOIDUNGFILE",
                "",
                "Bảng chứa khai báo DTD/thực thể; từ chối xử lý",
                str(exc),
                hoso=hoso,
            )
        )
        return None, problems
    except etree.XMLSyntaxError as exc:
        problems.append(
            Problem(
                "structural",
                "xml_syntax",
                table,
                "NOIDUNGFILE",
                "",
                f"Nội dung bảng không phải XML hợp lệ: {exc}",
                f"Table content is not well-formed XML: {exc}",
                hoso=hoso,
            )
        )
        return None, problems
    if repaired:
        problems.append(
            Problem(
                "tolerated",
                "xsi_typo",
                table,
                "xmlns:xsi",
                "http://www.w3.org/2001/XMLSchema instance",
                "Khai báo xmlns:xsi sai (dấu cách thay cho gạch nối); đã sửa khi đọc",
                "Malformed xmlns:xsi declaration (space instead of hyphen); repaired on reading",
                hoso=hoso,
                severity="warning",
            )
        )
    return root, problems


def read_hoso(el: etree._Element, index: int = 0) -> HosoRead:
    """Typed claim from one ``HOSO`` element."""
    problems: list[Problem] = []
    tables: dict[str, TableRead] = {}
    extra_files: list[ExtraFile] = []
    for fh in el.iter("FILEHOSO"):
        loai = (fh.findtext("LOAIHOSO") or "").strip().upper()
        content = fh.find("NOIDUNGFILE")
        if loai not in FIELDS or loai == "XML0":
            raw = "" if content is None else (content.text or "")
            extra_files.append(ExtraFile(loai, raw))
            problems.append(
                Problem(
                    "structural",
                    "unknown_table",
                    loai,
                    "LOAIHOSO",
                    loai,
                    "LOAIHOSO không thuộc XML1–XML15; đã giữ lại, không xử lý",
                    "LOAIHOSO is not one of XML1–XML15; kept, not used",
                    hoso=index,
                )
            )
            continue
        if content is None:
            problems.append(
                Problem(
                    "structural",
                    "missing_element",
                    loai,
                    "NOIDUNGFILE",
                    "",
                    "Thiếu NOIDUNGFILE",
                    "NOIDUNGFILE is missing",
                    hoso=index,
                )
            )
            continue
        root, ps = _decode(loai, content, index)
        problems += ps
        if root is None:
            continue
        if root.tag in ROOT_TO_TABLE and ROOT_TO_TABLE[root.tag] != loai:
            problems.append(
                Problem(
                    "structural",
                    "table_mismatch",
                    loai,
                    "LOAIHOSO",
                    str(root.tag),
                    f"LOAIHOSO {loai} nhưng nội dung là bảng {ROOT_TO_TABLE[root.tag]}",
                    f"LOAIHOSO says {loai} but the content is table {ROOT_TO_TABLE[root.tag]}",
                    hoso=index,
                )
            )
        if loai in tables:
            problems.append(
                Problem(
                    "structural",
                    "duplicate_table",
                    loai,
                    "LOAIHOSO",
                    loai,
                    "Bảng xuất hiện hai lần; chỉ dùng lần đầu",
                    "Table appears twice; the first is used",
                    hoso=index,
                )
            )
            continue
        tr = parse_table(loai, root, index)
        tables[loai] = tr
        problems += tr.problems
    hoso = _build_hoso(tables, tuple(extra_files), index, problems)
    return HosoRead(index, hoso, tables, problems)


def _build_hoso(
    tables: dict[str, TableRead], extra: tuple[ExtraFile, ...], index: int, problems: list[Problem]
) -> Hoso:
    kw: dict[str, Any] = {}
    for t, tr in tables.items():
        if not tr.records:
            continue
        kw[t.lower()] = tr.records[0] if SPECS["4750"][t].single else tuple(tr.records)
    shapes = {tr.shape for tr in tables.values() if tr.shape}
    x1 = kw.get("xml1")
    by_date = (
        version_for_date(x1.ngay_ra or x1.ngay_vao)
        if x1 is not None and (x1.ngay_ra or x1.ngay_vao)
        else None
    )
    version: str | None
    if len(shapes) == 1:
        version = shapes.pop()
    else:
        version = by_date
        if len(shapes) > 1:
            problems.append(
                Problem(
                    "tolerated",
                    "mixed_versions",
                    "XML13",
                    "",
                    "4750+3176",
                    "Các bảng trộn dạng 4750 và 3176",
                    "Tables mix the 4750 and 3176 shapes",
                    hoso=index,
                    severity="warning",
                )
            )
    return Hoso(**kw, version=version, extra_files=extra)


# ----------------------------------------------------------------------------------------- envelope
def _open(source: Source) -> tuple[IO[bytes], bool]:
    if isinstance(source, bytes):
        return io.BytesIO(source), True
    if isinstance(source, str | Path):
        return open(source, "rb"), True  # closed by the reader
    return source, False


class EnvelopeReader:
    """Iterate the ``HOSO`` of an envelope one at a time (constant memory).

    >>> reader = EnvelopeReader("claims.xml")
    >>> for item in reader: ...        # item: HosoRead
    >>> reader.macskcb, reader.problems  # header and envelope-level problems, complete after iteration
    """

    def __init__(self, source: Source, limit: int = MAX_ENVELOPE_BYTES, keep_documents: bool = True) -> None:
        self._source = source
        self._limit = limit
        self.keep_documents = keep_documents
        self.macskcb = ""
        self.ngaylap = ""
        self.soluonghoso: int | None = None
        self.chukydonvi = ""
        self.count = 0
        self.problems: list[Problem] = []

    def __iter__(self) -> Iterator[HosoRead]:
        raw, close = _open(self._source)
        stream = SafeStream(raw, self._limit)
        try:
            yield from self._iterate(stream)
        except etree.XMLSyntaxError as exc:
            raise ReadError(f"the envelope is not well-formed XML: {exc}") from exc
        finally:
            if close:
                raw.close()
        if stream.repaired_xsi:
            self.problems.append(
                Problem(
                    "tolerated",
                    "xsi_typo",
                    "ENVELOPE",
                    "xmlns:xsi",
                    "",
                    "Khai báo xmlns:xsi sai; đã sửa khi đọc",
                    "Malformed xmlns:xsi declaration; repaired",
                    severity="warning",
                )
            )
        self._check_header()

    def _iterate(self, stream: SafeStream) -> Iterator[HosoRead]:
        ctx = etree.iterparse(
            stream,
            events=("start", "end"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=True,
        )
        depth = 0
        root_seen = False
        for event, el in ctx:
            if event == "start":
                depth += 1
                if not root_seen:
                    root_seen = True
                    if el.tag != "GIAMDINHHS":
                        raise ReadError(f"not a GIAMDINHHS envelope (root element is {el.tag})")
                continue
            depth -= 1
            tag = el.tag
            if tag == "HOSO":
                item = read_hoso(el, self.count)
                self.count += 1
                if not self.keep_documents:
                    item.tables = {}
                yield item
                el.clear()
                parent = el.getparent()
                if parent is not None:
                    while el.getprevious() is not None:
                        del parent[0]
            elif tag == "MACSKCB" and depth == 2:
                self.macskcb = (el.text or "").strip()
            elif tag == "NGAYLAP" and depth == 2:
                self.ngaylap = (el.text or "").strip()
            elif tag == "SOLUONGHOSO" and depth == 2:
                self.soluonghoso = parse_int(el.text or "")
            elif tag == "CHUKYDONVI" and depth == 1:
                self.chukydonvi = (el.text or "") + "".join(etree.tostring(c, encoding="unicode") for c in el)

    def _check_header(self) -> None:
        def bad(code: str, fld: str, value: str, vi: str, en: str) -> None:
            self.problems.append(Problem("structural", code, "ENVELOPE", fld, value, vi, en))

        if not self.macskcb or len(self.macskcb) > 5:
            bad(
                "bad_value",
                "MACSKCB",
                self.macskcb,
                "MACSKCB phải có 1–5 ký tự",
                "MACSKCB must be 1–5 characters",
            )
        if not (len(self.ngaylap) == 8 and self.ngaylap.isdigit()):
            bad("bad_value", "NGAYLAP", self.ngaylap, "NGAYLAP phải là yyyyMMdd", "NGAYLAP must be yyyyMMdd")
        if self.soluonghoso != self.count:
            bad(
                "count_mismatch",
                "SOLUONGHOSO",
                str(self.soluonghoso),
                f"SOLUONGHOSO khác số HOSO thực có ({self.count})",
                f"SOLUONGHOSO differs from the number of HOSO present ({self.count})",
            )


@dataclass(slots=True)
class ReadResult:
    envelope: Envelope
    problems: list[Problem]
    items: list[HosoRead]


def read_envelope(source: Source, limit: int = MAX_ENVELOPE_BYTES) -> ReadResult:
    """Read a whole envelope (all ``HOSO`` in memory; use :class:`EnvelopeReader` for big files)."""
    # the raw table documents are not kept: inline ones are freed with their HOSO as the stream advances
    reader = EnvelopeReader(source, limit, keep_documents=False)
    items = list(reader)
    problems = [p for it in items for p in it.problems] + reader.problems
    env = Envelope(
        macskcb=reader.macskcb,
        ngaylap=reader.ngaylap,
        hoso=tuple(it.hoso for it in items),
        soluonghoso=reader.soluonghoso,
        chukydonvi=reader.chukydonvi,
    )
    return ReadResult(env, problems, items)


def read_checkin(data: bytes) -> tuple[CheckIn, list[Problem]]:
    """Read an XML0 check-in document (``CHI_TIEU_TRANG_THAI_KCB``)."""
    root, _ = parse_document(data, "check-in document")
    tr = parse_table("XML0", root)
    sig = root.find("CHUKYDONVI")
    raw_sig = (
        "" if sig is None else (sig.text or "") + "".join(etree.tostring(c, encoding="unicode") for c in sig)
    )
    by_date = version_for_date(tr.records[0].ngay_vao) if tr.records and tr.records[0].ngay_vao else None
    return CheckIn(records=tuple(tr.records), chukydonvi=raw_sig, version=by_date), tr.problems


__all__ = [
    "EnvelopeReader",
    "HosoRead",
    "ReadError",
    "ReadResult",
    "TableRead",
    "UnsafeXmlError",
    "parse_decimal",
    "parse_int",
    "parse_table",
    "read_checkin",
    "read_envelope",
    "read_hoso",
]
