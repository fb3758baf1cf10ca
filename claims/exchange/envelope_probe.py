"""The few facts the office gateway reads from a received document before the full XML 130 reader runs.

Shape only (``xml130.md`` §4): root, sending facility, one ``HOSO``, the episode key ``MA_LK`` and the dates and
totals of XML1. Also :func:`minimal_envelope`, a tiny but well-formed claim envelope used by the gateway's own
tests and benchmark (real envelopes come from the XML 130 writer).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from lxml import etree

from claims.exchange.signature import SIGNATURE_SLOT, SignatureError, parse_document

CLAIM_ROOT = "GIAMDINHHS"
CHECKIN_ROOT = "CHI_TIEU_TRANG_THAI_KCB"
_MAX_TABLE_BYTES = 50 * 1024 * 1024


class EnvelopeShapeError(ValueError):
    """The document is well-formed XML but not the expected envelope; ``where`` names the element."""

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True, slots=True)
class EnvelopeFacts:
    """What the office needs to route, de-duplicate and file a received document."""

    kind: str  # "claim" | "checkin"
    facility_code: str
    ma_lk: str
    tables: tuple[str, ...]  # LOAIHOSO values present with content, e.g. ("XML1", "XML2")
    payment_time: str | None  # NGAY_TTOAN (yyyyMMddHHmm) when present
    discharge_time: str | None  # NGAY_RA
    total_claimed: Decimal | None  # T_TONGCHI_BH (amount asked of the insurer side)
    fund_amount: Decimal | None  # T_BHTT
    signed: bool


def _text(parent: etree._Element, path: str) -> str | None:
    found = parent.find(path)
    if found is None or found.text is None:
        return None
    value = found.text.strip()
    return value or None


def _decimal(value: str | None, where: str) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        raise EnvelopeShapeError(where, "not a number") from None


def _table_root(content: etree._Element, where: str) -> etree._Element | None:
    """The table document inside ``NOIDUNGFILE``: base64 (possibly wrapped) or inline XML (seen in real files)."""
    inline = [c for c in content if isinstance(c.tag, str)]
    if inline:
        return inline[0]
    text = "".join((content.text or "").split())
    if not text:
        return None
    if text.startswith("<"):
        data = text.encode("utf-8")
    else:
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise EnvelopeShapeError(where, "NOIDUNGFILE is neither base64 nor XML") from None
    if len(data) > _MAX_TABLE_BYTES:
        raise EnvelopeShapeError(where, "table document too large")
    try:
        return parse_document(data).getroot()
    except SignatureError as exc:
        raise EnvelopeShapeError(where, exc.message) from None


def probe_document(tree: etree._ElementTree) -> EnvelopeFacts:
    """Facts of a parsed claim envelope or check-in document; :class:`EnvelopeShapeError` when the shape is wrong."""
    root = tree.getroot()
    slot = root.find(SIGNATURE_SLOT)
    signed = slot is not None and any(isinstance(c.tag, str) for c in slot)
    if root.tag == CHECKIN_ROOT:
        rows = root.findall("DSACH_TRANG_THAI_KCB/TRANG_THAI_KCB")
        if not rows:
            raise EnvelopeShapeError(CHECKIN_ROOT, "no TRANG_THAI_KCB record")
        row = rows[0]
        ma_lk, facility = _text(row, "MA_LK"), _text(row, "MA_CSKCB")
        if not ma_lk or not facility:
            raise EnvelopeShapeError("XML0.TRANG_THAI_KCB", "MA_LK and MA_CSKCB are required")
        return EnvelopeFacts("checkin", facility, ma_lk, ("XML0",), None, None, None, None, signed)
    if root.tag != CLAIM_ROOT:
        raise EnvelopeShapeError("root", f"expected {CLAIM_ROOT} or {CHECKIN_ROOT}, found {root.tag!r}")
    if slot is None:
        raise EnvelopeShapeError(CLAIM_ROOT, f"{SIGNATURE_SLOT} is missing")
    facility = _text(root, "THONGTINDONVI/MACSKCB")
    if not facility:
        raise EnvelopeShapeError("THONGTINDONVI.MACSKCB", "missing")
    records = root.findall("THONGTINHOSO/DANHSACHHOSO/HOSO")
    if len(records) != 1:
        raise EnvelopeShapeError("THONGTINHOSO.DANHSACHHOSO", f"expected one HOSO, found {len(records)}")
    tables: list[str] = []
    summary: etree._Element | None = None
    for index, item in enumerate(records[0].findall("FILEHOSO"), start=1):
        kind = _text(item, "LOAIHOSO") or ""
        content = item.find("NOIDUNGFILE")
        if content is None or not (len(content) or (content.text or "").strip()):
            continue  # empty NOIDUNGFILE: real files carry them; they mean "table absent"
        tables.append(kind)
        if kind == "XML1":  # only the summary is decoded here; the full reader handles the other tables
            summary = _table_root(content, f"FILEHOSO[{index}](XML1)")
    if summary is None:
        raise EnvelopeShapeError("HOSO", "XML1 (encounter summary) is missing")
    ma_lk = _text(summary, "MA_LK")
    if not ma_lk:
        raise EnvelopeShapeError("XML1.MA_LK", "missing")
    return EnvelopeFacts(
        kind="claim",
        facility_code=facility,
        ma_lk=ma_lk,
        tables=tuple(tables),
        payment_time=_text(summary, "NGAY_TTOAN"),
        discharge_time=_text(summary, "NGAY_RA"),
        total_claimed=_decimal(_text(summary, "T_TONGCHI_BH"), "XML1.T_TONGCHI_BH"),
        fund_amount=_decimal(_text(summary, "T_BHTT"), "XML1.T_BHTT"),
        signed=signed,
    )


def minimal_envelope(
    facility_code: str,
    ma_lk: str,
    *,
    created: str = "20261031",
    payment_time: str = "202610311000",
    total: str = "150000.00",
    fund: str = "120000.00",
) -> bytes:
    """A small unsigned ``GIAMDINHHS`` envelope with an XML1 holding only key fields (tests and benchmarks)."""
    summary = etree.Element("TONG_HOP")
    for name, value in (
        ("MA_LK", ma_lk),
        ("STT", "1"),
        ("MA_CSKCB", facility_code),
        ("NGAY_RA", payment_time),
        ("NGAY_TTOAN", payment_time),
        ("T_TONGCHI_BH", total),
        ("T_BHTT", fund),
    ):
        etree.SubElement(summary, name).text = value
    table = base64.b64encode(etree.tostring(summary, encoding="utf-8")).decode("ascii")
    root = etree.Element("GIAMDINHHS")
    etree.SubElement(etree.SubElement(root, "THONGTINDONVI"), "MACSKCB").text = facility_code
    info = etree.SubElement(root, "THONGTINHOSO")
    etree.SubElement(info, "NGAYLAP").text = created
    etree.SubElement(info, "SOLUONGHOSO").text = "1"
    item = etree.SubElement(etree.SubElement(etree.SubElement(info, "DANHSACHHOSO"), "HOSO"), "FILEHOSO")
    etree.SubElement(item, "LOAIHOSO").text = "XML1"
    etree.SubElement(item, "NOIDUNGFILE").text = table
    etree.SubElement(root, SIGNATURE_SLOT)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + etree.tostring(root, encoding="utf-8")


def minimal_checkin(facility_code: str, ma_lk: str) -> bytes:
    """A small unsigned XML0 check-in document (tests and benchmarks)."""
    root = etree.Element(CHECKIN_ROOT)
    row = etree.SubElement(etree.SubElement(root, "DSACH_TRANG_THAI_KCB"), "TRANG_THAI_KCB")
    for name, value in (("MA_LK", ma_lk), ("STT", "1"), ("MA_CSKCB", facility_code)):
        etree.SubElement(row, name).text = value
    etree.SubElement(root, SIGNATURE_SLOT)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + etree.tostring(root, encoding="utf-8")
