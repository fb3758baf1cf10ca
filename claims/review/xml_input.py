"""TEMPORARY minimal reader of XML 130 envelopes into the plain-mapping input of `rules.checks`.

Switch to `claims.exchange.reader` when it lands (it owns element names and the full model); this module exists
only so that `claims check FILE…` works before then. Safe parsing: no entities, no DTD, no network, size limits.
Handles inline, base64 and wrapped base64 `NOIDUNGFILE` (see ../shared/samples/xml130/README.md).
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

from lxml import etree

from rules.checks import Tables

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_TABLE_BYTES = 64 * 1024 * 1024
_SINGLE_RECORD = frozenset({"XML1", "XML7", "XML8", "XML10", "XML11", "XML13", "XML14"})


class XmlInputError(ValueError):
    """The file is not a readable XML 130 envelope; the message says where."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _records(kind: str, root: etree._Element) -> list[dict[str, str]]:
    children = [c for c in root if isinstance(c.tag, str)]
    if kind in _SINGLE_RECORD:
        return [{c.tag: (c.text or "") for c in children if isinstance(c.tag, str)}]
    out: list[dict[str, str]] = []
    for lst in children:
        for rec in lst:
            if isinstance(rec.tag, str):
                out.append({f.tag: (f.text or "") for f in rec if isinstance(f.tag, str)})
    return out


def _table(kind: str, content: etree._Element) -> etree._Element | None:
    inner = [c for c in content if isinstance(c.tag, str)]
    if inner:
        return inner[0]
    text = "".join((content.text or "").split())
    if not text:
        return None
    if text.startswith("<"):
        raw = text.encode()
    else:
        if len(text) > MAX_TABLE_BYTES * 4 // 3 + 4:
            raise XmlInputError(f"{kind}: NOIDUNGFILE too large")
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise XmlInputError(f"{kind}: NOIDUNGFILE is neither XML nor base64") from exc
    # Known exporter typo (samples README): a space instead of a hyphen in the xsi namespace URI.
    raw = raw.replace(b"XMLSchema instance", b"XMLSchema-instance")
    try:
        return etree.fromstring(raw, _parser())
    except etree.XMLSyntaxError as exc:
        raise XmlInputError(f"{kind}: {exc}") from exc


def read_envelope(data: bytes) -> list[Tables]:
    """One `{table: [record, ...]}` mapping per HOSO of a GIAMDINHHS envelope."""
    if len(data) > MAX_FILE_BYTES:
        raise XmlInputError("file too large")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise XmlInputError(f"envelope: {exc}") from exc
    claims: list[Tables] = []
    for hoso in root.iter("HOSO"):
        tables: dict[str, list[dict[str, str]]] = {}
        for fh in hoso.iter("FILEHOSO"):
            kind = (fh.findtext("LOAIHOSO") or "").strip()
            content = fh.find("NOIDUNGFILE")
            if not kind or content is None:
                continue
            table = _table(kind, content)
            if table is not None:
                tables[kind] = _records(kind, table)
        claims.append(tables)
    return claims


def read_file(path: Path) -> list[Tables]:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise XmlInputError("file too large")
    return read_envelope(path.read_bytes())
