"""Safe XML parsing for untrusted files: no entities, no DTD, no network, size limits.

A document with a ``<!DOCTYPE`` (the carrier of billion-laughs and external-entity attacks) is refused
outright: no XML 130 document has one. One real exporter declares
``xmlns:xsi="http://www.w3.org/2001/XMLSchema instance"`` (a space instead of a hyphen), which libxml2
refuses as an invalid URI; we repair exactly that declaration before parsing.
"""

from __future__ import annotations

import re
from typing import IO

from lxml import etree

#: Largest envelope we read (bytes); the reader streams, so this bounds time, not memory.
MAX_ENVELOPE_BYTES = 2 * 1024**3
#: Largest decoded table document (bytes).
MAX_TABLE_BYTES = 64 * 1024**2

BAD_XSI = b'"http://www.w3.org/2001/XMLSchema instance"'
GOOD_XSI = b'"http://www.w3.org/2001/XMLSchema-instance"'
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
_BOM = b"\xef\xbb\xbf"


class UnsafeXmlError(ValueError):
    """The document was refused before parsing (DTD / entity declarations, or too large)."""


def parser() -> etree.XMLParser:
    """A parser with entity expansion, DTD loading, network access and huge trees off."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )


def check_prolog(head: bytes, what: str = "document") -> None:
    """Refuse a document whose prolog declares a DTD or entities."""
    if _DOCTYPE.search(head):
        raise UnsafeXmlError(
            f"{what} declares a DTD/entities (<!DOCTYPE>); refused: XML 130 files never carry one "
            "(possible billion-laughs or external-entity attack)"
        )


def clean_document(data: bytes, what: str = "table", limit: int = MAX_TABLE_BYTES) -> tuple[bytes, bool]:
    """Check a whole (small) document and repair the xsi typo; returns (bytes, repaired?)."""
    if len(data) > limit:
        raise UnsafeXmlError(f"{what} is {len(data)} bytes, above the {limit}-byte limit")
    start = data.find(b"<", 0, 4096)
    root_at = _root_start(data)
    check_prolog(data[: root_at + 10 if root_at >= 0 else 4096], what)
    if start < 0:
        return data, False
    if BAD_XSI in data:
        return data.replace(BAD_XSI, GOOD_XSI), True
    return data, False


def parse_document(data: bytes, what: str = "table") -> tuple[etree._Element, bool]:
    """Parse a small document safely; returns (root element, xsi typo repaired?)."""
    clean, repaired = clean_document(data, what)
    return etree.fromstring(clean, parser()), repaired


def _root_start(data: bytes) -> int:
    """Offset of the root element's '<' (skipping BOM, declaration, comments, PIs); -1 if not found."""
    i = 3 if data.startswith(_BOM) else 0
    n = len(data)
    while i < n:
        j = data.find(b"<", i)
        if j < 0:
            return -1
        if data.startswith(b"<?", j):
            k = data.find(b"?>", j)
            i = k + 2 if k >= 0 else n
        elif data.startswith(b"<!--", j):
            k = data.find(b"-->", j)
            i = k + 3 if k >= 0 else n
        elif data.startswith(b"<!", j):
            return j  # a DOCTYPE: the prolog check looks a few bytes past this point
        else:
            return j
    return -1


class SafeStream:
    """A read-only byte stream for iterparse: refuses DTDs, repairs the xsi typo, enforces a size limit.

    The typo is repaired across chunk boundaries by holding back the last few bytes of each chunk.
    """

    def __init__(self, raw: IO[bytes], limit: int = MAX_ENVELOPE_BYTES, what: str = "envelope") -> None:
        self._raw = raw
        self._limit = limit
        self._what = what
        self._seen = 0
        self._tail = b""
        self._started = False
        self._eof = False
        self.repaired_xsi = False

    def read(self, size: int = -1) -> bytes:
        if self._eof and not self._tail:
            return b""
        want = 1 << 16 if size is None or size < 0 else max(size, len(BAD_XSI) * 2)
        chunk = b"" if self._eof else self._raw.read(want)
        if not chunk:
            self._eof = True
        self._seen += len(chunk)
        if self._seen > self._limit:
            raise UnsafeXmlError(f"{self._what} is larger than the {self._limit}-byte limit")
        data = self._tail + chunk
        keep = len(BAD_XSI) - 1
        while not self._eof and len(data) <= keep:
            more = self._raw.read(want)
            if not more:
                self._eof = True
            self._seen += len(more)
            data += more
        if not self._started:
            # read enough to see the prolog before letting the parser start
            while not self._eof and _root_start(data) < 0 and len(data) < 1 << 20:
                more = self._raw.read(want)
                if not more:
                    self._eof = True
                    break
                self._seen += len(more)
                data += more
            at = _root_start(data)
            check_prolog(data[: at + 10 if at >= 0 else len(data)], self._what)
            self._started = True
        if BAD_XSI in data:
            data = data.replace(BAD_XSI, GOOD_XSI)
            self.repaired_xsi = True
        if self._eof:
            self._tail = b""
            return data
        self._tail = data[-keep:]
        return data[:-keep]


__all__ = [
    "MAX_ENVELOPE_BYTES",
    "MAX_TABLE_BYTES",
    "SafeStream",
    "UnsafeXmlError",
    "check_prolog",
    "clean_document",
    "parse_document",
    "parser",
]
