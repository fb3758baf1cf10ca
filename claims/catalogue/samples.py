"""A small, safe reader of the XML1/XML2/XML3 tables of QĐ 130 envelopes (demo catalogue and tests).

Not the exchange layer (that is ``claims.exchange``): it only pulls the flat rows of XML1, XML2 and XML3
out of a ``GIAMDINHHS`` envelope whose tables are inline, base64 or line-wrapped base64. No entities, no
network, no DTD, size-limited.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

from lxml import etree

MAX_BYTES = 20 * 1024 * 1024
_XSI_TYPO = b"http://www.w3.org/2001/XMLSchema instance"
_XSI = b"http://www.w3.org/2001/XMLSchema-instance"
_TABLES = {"XML1": None, "XML2": "CHI_TIET_THUOC", "XML3": "CHI_TIET_DVKT"}


class SampleReadError(ValueError):
    """The file is not a readable QĐ 130 envelope."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
    )


def _parse(data: bytes) -> etree._Element:
    # real exports declare the xsi namespace with a space instead of a hyphen; libxml2 refuses that URI
    data = data.replace(_XSI_TYPO, _XSI)
    try:
        return etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise SampleReadError(str(exc)) from exc


def _row(elem: etree._Element) -> dict[str, str]:
    return {str(child.tag): (child.text or "").strip() for child in elem if isinstance(child.tag, str)}


def read_envelope(path: Path) -> dict[str, list[dict[str, str]]]:
    """Rows of XML1 (one), XML2 and XML3 of an envelope, keyed by table name; values are stripped strings."""
    data = path.read_bytes()
    if len(data) > MAX_BYTES:
        raise SampleReadError(f"{path.name}: larger than {MAX_BYTES} bytes")
    root = _parse(data.removeprefix(b"\xef\xbb\xbf"))
    out: dict[str, list[dict[str, str]]] = {name: [] for name in _TABLES}
    for fh in root.iter("FILEHOSO"):
        kind = (fh.findtext("LOAIHOSO") or "").strip()
        if kind not in _TABLES:
            continue
        content = fh.find("NOIDUNGFILE")
        if content is None:
            continue
        elems = [c for c in content if isinstance(c.tag, str)]
        if elems:
            table = elems[0]
        else:
            text = (content.text or "").strip()
            if not text:
                continue
            try:
                raw = base64.b64decode("".join(text.split()), validate=True)
            except (binascii.Error, ValueError) as exc:
                raise SampleReadError(f"{path.name} {kind}: bad base64") from exc
            table = _parse(raw.removeprefix(b"\xef\xbb\xbf"))
        row_tag = _TABLES[kind]
        if row_tag is None:
            out[kind].append(_row(table))
        else:
            out[kind].extend(_row(r) for r in table.iter(row_tag))
    return out
