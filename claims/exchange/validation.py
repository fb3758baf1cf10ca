"""Validation of XML 130 claims: structural (our XSDs, via libxml2) and arithmetic (spec/xml130.md §7).

Every problem names the table, the record (position, ``STT``, ``MA_LK``), the field and the value, with a
message in Vietnamese and English. Structural problems come from the schema of the version the claim was
read as; a table that fails that version but passes the other one is accepted (real exporters mix them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from copy import deepcopy
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from lxml import etree

from claims.exchange.model import SPECS, VERSIONS, Hoso
from claims.exchange.problems import Problem, Severity
from claims.exchange.reader import _CODE_LABEL, FIELDS, EnvelopeReader, HosoRead, Source
from xsd import lxml_schema, xmlschema_schema

#: Sums of individually rounded lines are compared with this tolerance (checkers use 1 VND; §7.5).
TOLERANCE = Decimal(1)
ZERO = Decimal(0)
#: XML3 cost groups of medical supplies (MA_NHOM 10, 11) summed into T_VTYT.
SUPPLY_GROUPS = frozenset({10, 11})

_EXPECTED = re.compile(r"Expected is (?:one of )?\( ([^)]*) \)")
_QUOTED_VALUE = re.compile(r"The value '([^']*)'|'([^']*)' is not")


# ------------------------------------------------------------------------------------------- messages
def _messages(type_name: str, field: str, message: str) -> tuple[str, str, str]:
    """(code, vi, en) for a libxml2 schema error."""
    if "MAXLENGTH" in type_name or ("has a length of" in message and "maximum" in message):
        return "too_long", f"{field}: vượt quá độ dài tối đa", f"{field}: longer than the maximum length"
    if "MINLENGTH" in type_name:
        return "required_empty", f"{field}: trường bắt buộc nhưng để trống", f"{field}: required but empty"
    if "PATTERN" in type_name:
        return "bad_format", f"{field}: giá trị sai định dạng", f"{field}: value has the wrong form"
    if "Missing child" in message:
        return "missing_element", f"Thiếu phần tử bắt buộc {field}", f"Required element {field} is missing"
    if "not expected" in message:
        return (
            "unexpected_element",
            f"Phần tử {field} không đúng vị trí, thừa hoặc thiếu phần tử trước nó",
            f"Element {field} is out of order, extra, or a required element before it is missing",
        )
    return (
        "schema",
        f"{field}: không hợp lệ theo lược đồ ({message})",
        f"{field}: schema violation ({message})",
    )


def _record_of(el: etree._Element, record_tag: str) -> etree._Element | None:
    node: etree._Element | None = el
    while node is not None and node.tag != record_tag:
        node = node.getparent()
    return node


def _record_index(rec: etree._Element, record_tag: str, single: bool) -> int:
    if single:
        return 1
    i = 1
    prev = rec.getprevious()
    while prev is not None:
        if prev.tag == record_tag:
            i += 1
        prev = prev.getprevious()
    return i


def schema_problems(table: str, root: etree._Element, version: str, hoso: int = 0) -> list[Problem]:
    """Problems of one table document against our schema for ``version`` (empty list when valid)."""
    schema = lxml_schema(version, table)
    if schema.validate(root):
        return []
    spec = SPECS[version][table]
    doc_root = root.getroottree()
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for err in cast(Iterable[Any], schema.error_log):
        path = err.path or ""
        found: list[Any] = cast(list[Any], doc_root.xpath(path)) if path.startswith("/") else []
        el = found[0] if found and isinstance(found[0], etree._Element) else None
        if el is None and path:
            # validating an element of a bigger document: paths are relative to a fake root
            rel = "/" + "/".join(path.split("/")[2:])
            found = cast(list[Any], root.xpath(rel)) if path.count("/") > 1 else []
            el = found[0] if found and isinstance(found[0], etree._Element) else None
        rec = _record_of(el, spec.record) if el is not None else None
        field_name = ""
        value = ""
        if el is not None and rec is not None and el is not rec:
            field_name = str(el.tag)
            value = "".join(str(t) for t in el.itertext()) if len(el) else (el.text or "")
        m = _EXPECTED.search(err.message)
        if "Missing child" in err.message and m:
            wanted = [x.strip() for x in m.group(1).split(",")]
            req = [x for x in wanted if x in {f.name for f in spec.fields if f.required}]
            field_name = (req or wanted)[0]
        elif "not expected" in err.message and m and rec is not None:
            expected = [x.strip() for x in m.group(1).split(",")]
            present = {c.tag for c in rec}
            required = {f.name for f in spec.fields if f.required}
            # the element the schema wanted here and that the record lacks: the required one if any
            missing = [x for x in expected if x not in present and (x in required or len(expected) == 1)]
            if missing:
                field_name = missing[0]
                value = ""
                code, vi, en = (
                    "missing_element",
                    f"Thiếu phần tử bắt buộc {field_name}",
                    f"Required element {field_name} is missing",
                )
                key = (path, code)
                if key not in seen:
                    seen.add(key)
                    problems.append(
                        _problem(code, table, field_name, value, vi, en, rec, spec.record, spec.single, hoso)
                    )
                continue
        if not field_name and el is not None and el is not rec:
            field_name = str(el.tag)
        code, vi, en = _messages(err.type_name, field_name, err.message)
        key = (path, field_name)
        if key in seen:
            continue  # libxml2 reports a facet error and then the type error for the same value
        seen.add(key)
        problems.append(_problem(code, table, field_name, value, vi, en, rec, spec.record, spec.single, hoso))
    return problems


def _problem(
    code: str,
    table: str,
    field_name: str,
    value: str,
    vi: str,
    en: str,
    rec: etree._Element | None,
    record_tag: str,
    single: bool,
    hoso: int,
) -> Problem:
    stt = ma_lk = ""
    idx = 0
    if rec is not None:
        stt = (rec.findtext("STT") or "").strip()
        ma_lk = (rec.findtext("MA_LK") or "").strip()
        idx = _record_index(rec, record_tag, single)
    return Problem(
        "structural",
        code,
        table,
        field_name,
        value[:200],
        vi,
        en,
        stt=stt,
        ma_lk=ma_lk,
        hoso=hoso,
        record=idx,
    )


def _normalised(
    table: str, root: etree._Element, version: str, hoso: int
) -> tuple[etree._Element, list[Problem]]:
    """A copy of the table in which the deviations we tolerate are undone, and a warning for each.

    Tolerated (spec/xml130.md §3, §11): elements out of the appendix order, decimal commas, an integer
    code followed by its label, unknown elements (already reported by the reader). The schema then checks
    everything else on the copy, so a tolerated quirk never hides a real problem in the same record.
    """
    spec = SPECS[version][table]
    order = {f.name: i for i, f in enumerate(spec.fields)}
    kinds = {f.name: f.kind for f in spec.fields}
    known = FIELDS[table]
    recs = [root] if spec.single and root.tag == spec.record else list(root.iter(spec.record))
    plans: list[tuple[int, list[etree._Element], list[tuple[etree._Element, str]]]] = []
    warnings: list[Problem] = []
    out_of_order = 0
    for pos, rec in enumerate(recs):
        kids = [c for c in rec if isinstance(c.tag, str)]
        seen_tags: set[str] = set()
        keep = []  # known elements, first occurrence only (the reader kept and reported the rest)
        for c in kids:
            if c.tag in known and c.tag not in seen_tags:
                seen_tags.add(str(c.tag))
                keep.append(c)
        fixes: list[tuple[etree._Element, str]] = []
        for c in keep:
            kind = kinds.get(str(c.tag))
            text = c.text or ""
            if kind == "dec" and "," in text and "." not in text:
                fixes.append((c, text.replace(",", ".")))
                warnings.append(
                    _warn(
                        "decimal_comma",
                        table,
                        str(c.tag),
                        text,
                        rec,
                        spec,
                        hoso,
                        "Dấu phẩy thập phân; đã đọc như dấu chấm",
                        "Decimal comma; read as a decimal point",
                    )
                )
            elif kind == "int" and (m := _CODE_LABEL.match(text.strip())):
                fixes.append((c, m.group(1)))
        ranks = [order.get(str(c.tag), len(order)) for c in keep]
        reorder = ranks != sorted(ranks)
        out_of_order += reorder
        if reorder or fixes or len(keep) != len(kids):
            plans.append((pos, sorted(keep, key=lambda c: order.get(str(c.tag), len(order))), fixes))
    if out_of_order:
        warnings.append(
            Problem(
                "tolerated",
                "element_order",
                table,
                "",
                str(out_of_order),
                f"{out_of_order} bản ghi có thứ tự phần tử khác phụ lục; đọc theo tên phần tử",
                f"{out_of_order} record(s) have elements out of the appendix order; read by element name",
                hoso=hoso,
                severity="warning",
            )
        )
    if not plans:
        return root, warnings
    copy = deepcopy(root)
    copy_recs = [copy] if spec.single and copy.tag == spec.record else list(copy.iter(spec.record))
    for pos, ordered, fixes in plans:
        src, dst = recs[pos], copy_recs[pos]
        fixed = {id(c): text for c, text in fixes}
        for child in list(dst):
            dst.remove(child)
        for c in ordered:
            n = deepcopy(c)
            n.tail = None
            if id(c) in fixed:
                n.text = fixed[id(c)]
            dst.append(n)
        del src
    return copy, warnings


def _warn(
    code: str,
    table: str,
    field_name: str,
    value: str,
    rec: etree._Element,
    spec: Any,
    hoso: int,
    vi: str,
    en: str,
) -> Problem:
    p = _problem(code, table, field_name, value, vi, en, rec, spec.record, spec.single, hoso)
    return Problem(
        "tolerated",
        code,
        table,
        field_name,
        value,
        vi,
        en,
        stt=p.stt,
        ma_lk=p.ma_lk,
        hoso=hoso,
        record=p.record,
        severity="warning",
    )


def structural_problems(item: HosoRead) -> list[Problem]:
    """Schema problems of every table of one ``HOSO``, in the version it was read as (else the other)."""
    version = item.hoso.version or "3176"
    other = VERSIONS[0] if version == VERSIONS[1] else VERSIONS[1]
    out: list[Problem] = []
    for table, tr in item.tables.items():
        if tr.root is None:
            continue
        root, warnings = _normalised(table, tr.root, version, item.index)
        ps = schema_problems(table, root, version, item.index)
        if ps:
            root2, warnings2 = _normalised(table, tr.root, other, item.index)
            if lxml_schema(other, table).validate(root2):
                ps, warnings = [], warnings2
        out += ps + warnings
        out += _required_empty(table, tr.records, version, item.index)
    return out


def _required_empty(table: str, records: Sequence[Any], version: str, hoso: int) -> list[Problem]:
    spec = SPECS[version][table]
    req = [f for f in spec.fields if f.required and f.kind == "str"]
    out = []
    for pos, r in enumerate(records, 1):
        for f in req:
            if getattr(r, f.attr) == "":
                out.append(
                    Problem(
                        "structural",
                        "required_empty",
                        table,
                        f.name,
                        "",
                        f"{f.name}: trường bắt buộc nhưng để trống",
                        f"{f.name}: required but empty",
                        stt="" if getattr(r, "stt", None) is None else str(r.stt),
                        ma_lk=r.ma_lk if hasattr(r, "ma_lk") else "",
                        hoso=hoso,
                        record=pos,
                        severity="warning",
                    )
                )
    return out


# ----------------------------------------------------------------------------------------- arithmetic
def _sum(values: Iterable[Decimal | None]) -> Decimal:
    return sum((v for v in values if v is not None), ZERO)


def _arith(
    hoso: Hoso,
    index: int,
    table: str,
    field_name: str,
    got: Decimal | None,
    want: Decimal,
    vi: str,
    en: str,
    record: Any = None,
    pos: int = 0,
    code: str = "sum_mismatch",
    severity: Severity = "error",
) -> Problem | None:
    g = got if got is not None else ZERO
    if abs(g - want) <= TOLERANCE:
        return None
    rec = record if record is not None else hoso.xml1
    return Problem(
        "arithmetic",
        code,
        table,
        field_name,
        str(got if got is not None else ""),
        f"{vi}: ghi {g}, tính được {want} (lệch {g - want})",
        f"{en}: written {g}, computed {want} (difference {g - want})",
        stt="" if rec is None or rec.stt is None else str(rec.stt),
        ma_lk=hoso.ma_lk,
        hoso=index,
        record=pos or 1,
        severity=severity,
    )


def arithmetic_problems(hoso: Hoso, index: int = 0) -> list[Problem]:
    """XML1 identities and XML1 totals against the XML2/XML3 lines (spec/xml130.md §7.1–7.5)."""
    x1 = hoso.xml1
    out: list[Problem | None] = []
    if x1 is None:
        return []
    bv, bh, bntt, bncct, bhtt = x1.t_tongchi_bv, x1.t_tongchi_bh, x1.t_bntt, x1.t_bncct, x1.t_bhtt
    z = ZERO
    out.append(
        _arith(
            hoso,
            index,
            "XML1",
            "T_TONGCHI_BV",
            bv,
            (bh or z) + (bntt or z),
            "T_TONGCHI_BV phải bằng T_TONGCHI_BH + T_BNTT",
            "T_TONGCHI_BV must equal T_TONGCHI_BH + T_BNTT",
        )
    )
    out.append(
        _arith(
            hoso,
            index,
            "XML1",
            "T_TONGCHI_BH",
            bh,
            (bhtt or z) + (bncct or z),
            "T_TONGCHI_BH phải bằng T_BHTT + T_BNCCT",
            "T_TONGCHI_BH must equal T_BHTT + T_BNCCT",
        )
    )
    lines: list[Any] = [*hoso.xml2, *hoso.xml3]
    if lines:
        sums = [
            (
                "T_THUOC",
                x1.t_thuoc,
                _sum(r.thanh_tien_bv for r in hoso.xml2),
                "tổng THANH_TIEN_BV của XML2",
                "the sum of XML2 THANH_TIEN_BV",
            ),
            (
                "T_VTYT",
                x1.t_vtyt,
                _sum(r.thanh_tien_bv for r in hoso.xml3 if r.ma_nhom in SUPPLY_GROUPS),
                "tổng THANH_TIEN_BV vật tư (MA_NHOM 10, 11) của XML3",
                "the sum of XML3 supply lines (MA_NHOM 10, 11)",
            ),
            (
                "T_TONGCHI_BV",
                bv,
                _sum(r.thanh_tien_bv for r in lines),
                "tổng THANH_TIEN_BV của XML2 + XML3",
                "the sum of THANH_TIEN_BV over XML2 + XML3",
            ),
            (
                "T_TONGCHI_BH",
                bh,
                _sum(r.thanh_tien_bh for r in lines),
                "tổng THANH_TIEN_BH của XML2 + XML3",
                "the sum of THANH_TIEN_BH over XML2 + XML3",
            ),
            ("T_BNTT", bntt, _sum(r.t_bntt for r in lines), "tổng T_BNTT các dòng", "the sum of line T_BNTT"),
            (
                "T_BNCCT",
                bncct,
                _sum(r.t_bncct for r in lines),
                "tổng T_BNCCT các dòng",
                "the sum of line T_BNCCT",
            ),
            (
                "T_NGUONKHAC",
                x1.t_nguonkhac,
                _sum(r.t_nguonkhac for r in lines),
                "tổng T_NGUONKHAC các dòng",
                "the sum of line T_NGUONKHAC",
            ),
        ]
        if _sum(r.t_nguonkhac for r in lines) == ZERO:
            sums.append(
                (
                    "T_BHTT",
                    bhtt,
                    _sum(r.t_bhtt for r in lines),
                    "tổng T_BHTT các dòng",
                    "the sum of line T_BHTT",
                )
            )
        for name, got, want, vi, en in sums:
            out.append(
                _arith(
                    hoso, index, "XML1", name, got, want, f"{name} phải bằng {vi}", f"{name} must equal {en}"
                )
            )
    if lines:
        # §7.5: fee-for-service part. One real exporter writes 0 here whatever the lines say, so this is
        # a warning: it matters for capitation/DRG settlement, not for the claim's own totals.
        out.append(
            _arith(
                hoso,
                index,
                "XML1",
                "T_BHTT_GDV",
                x1.t_bhtt_gdv,
                _sum(r.t_bhtt for r in lines if r.ma_pttt == 1),
                "T_BHTT_GDV phải bằng tổng T_BHTT các dòng có MA_PTTT = 1",
                "T_BHTT_GDV should equal the sum of line T_BHTT where MA_PTTT = 1",
                code="gdv_mismatch",
                severity="warning",
            )
        )
    line_tables: tuple[tuple[str, tuple[Any, ...]], ...] = (("XML2", hoso.xml2), ("XML3", hoso.xml3))
    for table, recs in line_tables:
        for pos, r in enumerate(recs, 1):
            parts = (r.t_bhtt or z) + (r.t_bncct or z) + (r.t_bntt or z) + (r.t_nguonkhac or z)
            out.append(
                _arith(
                    hoso,
                    index,
                    table,
                    "THANH_TIEN_BV",
                    r.thanh_tien_bv,
                    parts,
                    "THANH_TIEN_BV phải bằng T_BHTT + T_BNCCT + T_BNTT + T_NGUONKHAC",
                    "THANH_TIEN_BV must equal T_BHTT + T_BNCCT + T_BNTT + T_NGUONKHAC",
                    r,
                    pos,
                )
            )
    return [p for p in out if p is not None]


# ------------------------------------------------------------------------------------------- reports
@dataclass(slots=True)
class Report:
    """The outcome of validating one file."""

    source: str
    problems: list[Problem]
    hoso_count: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def valid(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "valid": self.valid,
            "hoso": self.hoso_count,
            "problems": [p.to_dict() for p in self.problems],
        }


def _dedupe(problems: Sequence[Problem]) -> list[Problem]:
    out: list[Problem] = []
    seen: set[tuple[Any, ...]] = set()
    for p in problems:
        key = (p.hoso, p.table, p.record, p.field, p.category)
        if p.category == "structural" and key in seen:
            continue
        seen.add(key)
        out.append(p)
    return out


def ma_lk_problems(hoso: Hoso, index: int = 0) -> list[Problem]:
    """Every record of every table carries the episode key of XML1 (spec/xml130.md §3, §5)."""
    key = hoso.ma_lk
    out = []
    if hoso.xml1 is None:
        return [
            Problem(
                "structural",
                "missing_table",
                "XML1",
                "",
                "",
                "Hồ sơ thiếu bảng XML1",
                "The claim has no XML1 table",
                hoso=index,
            )
        ]
    for table, recs in hoso.tables().items():
        for pos, r in enumerate(recs, 1):
            lk = getattr(r, "ma_lk", key)
            if lk.strip() != key.strip():
                out.append(
                    Problem(
                        "structural",
                        "ma_lk_mismatch",
                        table,
                        "MA_LK",
                        lk,
                        f"MA_LK khác với XML1 ({key})",
                        f"MA_LK differs from XML1's ({key})",
                        stt="" if getattr(r, "stt", None) is None else str(r.stt),
                        ma_lk=lk,
                        hoso=index,
                        record=pos,
                    )
                )
    return out


def validate_item(item: HosoRead) -> list[Problem]:
    """All problems of one ``HOSO``: reading, schema, episode key and arithmetic."""
    found = (
        structural_problems(item)
        + item.problems
        + ma_lk_problems(item.hoso, item.index)
        + arithmetic_problems(item.hoso, item.index)
    )
    return _dedupe(found)


def validate_file(source: Source, name: str = "") -> Report:
    """Validate a whole envelope, one ``HOSO`` at a time (constant memory)."""
    reader = EnvelopeReader(source)
    problems: list[Problem] = []
    for item in reader:
        problems += validate_item(item)
    problems += reader.problems
    return Report(name or str(source if not isinstance(source, bytes) else "<bytes>"), problems, reader.count)


def readable_errors(table: str, root: etree._Element, version: str) -> list[str]:
    """xmlschema's account of the schema errors of one table: path and reason (slow; for humans)."""
    schema = xmlschema_schema(version, table)
    return [f"{e.path}: {e.reason}" for e in schema.iter_errors(etree.tostring(root).decode("utf-8"))]


# ------------------------------------------------------------------------------------ writer support
#: Our own output: same safety settings, and no ID collection (faster; the tables have no IDs).
_WRITTEN_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, collect_ids=False
)


def check_written(files: Sequence[tuple[str, bytes]], version: str, hoso: int = 0) -> list[Problem]:
    """Schema problems of table documents we wrote (parsed with the safe parser, validated by libxml2)."""
    p = _WRITTEN_PARSER
    out: list[Problem] = []
    for table, doc in files:
        root = etree.fromstring(doc, p)
        if not lxml_schema(version, table).validate(root):
            out += schema_problems(table, root, version, hoso)
    return out


def check_written_envelope(data: bytes, version: str) -> list[Problem]:
    """Schema problems of an envelope we wrote."""
    root = etree.fromstring(data, _WRITTEN_PARSER)
    schema = lxml_schema(version, "ENVELOPE")
    if schema.validate(root):
        return []
    return [
        Problem(
            "structural",
            "schema",
            "ENVELOPE",
            "",
            "",
            f"Phong bì không hợp lệ: {e.message}",
            f"Envelope fails the schema: {e.message}",
        )
        for e in cast(Iterable[Any], schema.error_log)
    ]


__all__ = [
    "Report",
    "arithmetic_problems",
    "check_written",
    "check_written_envelope",
    "ma_lk_problems",
    "readable_errors",
    "schema_problems",
    "structural_problems",
    "validate_file",
    "validate_item",
]
