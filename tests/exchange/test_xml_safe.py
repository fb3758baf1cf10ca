"""Safe parsing: DTDs (billion laughs, external entities) refused with a clear error; size limits."""

from __future__ import annotations

import base64
import io

import pytest

from claims.exchange.reader import EnvelopeReader, ReadError, read_envelope
from claims.exchange.safe import BAD_XSI, SafeStream, UnsafeXmlError, parse_document

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<GIAMDINHHS><THONGTINDONVI><MACSKCB>&lol3;</MACSKCB></THONGTINDONVI></GIAMDINHHS>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<GIAMDINHHS><THONGTINDONVI><MACSKCB>&x;</MACSKCB></THONGTINDONVI></GIAMDINHHS>"""


def _envelope(table_doc: bytes, loai: str = "XML5") -> bytes:
    b64 = base64.b64encode(table_doc).decode()
    return (
        "<GIAMDINHHS><THONGTINDONVI><MACSKCB>01001</MACSKCB></THONGTINDONVI><THONGTINHOSO>"
        "<NGAYLAP>20260101</NGAYLAP><SOLUONGHOSO>1</SOLUONGHOSO><DANHSACHHOSO><HOSO><FILEHOSO>"
        f"<LOAIHOSO>{loai}</LOAIHOSO><NOIDUNGFILE>{b64}</NOIDUNGFILE></FILEHOSO></HOSO></DANHSACHHOSO>"
        "</THONGTINHOSO><CHUKYDONVI/></GIAMDINHHS>"
    ).encode()


@pytest.mark.parametrize("doc", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "external-entity"])
def test_envelope_with_dtd_is_refused(doc: bytes) -> None:
    with pytest.raises(UnsafeXmlError, match="DTD"):
        read_envelope(doc)


def test_table_with_dtd_is_reported_not_expanded() -> None:
    inner = XXE.replace(b"GIAMDINHHS", b"CHITIEU_CHITIET_DIENBIENLAMSANG")
    result = read_envelope(_envelope(inner))
    codes = [(p.code, p.table, p.field) for p in result.problems]
    assert ("unsafe_xml", "XML5", "NOIDUNGFILE") in codes
    assert result.envelope.hoso[0].xml5 == ()


def test_parse_document_refuses_dtd_and_oversize() -> None:
    with pytest.raises(UnsafeXmlError):
        parse_document(BILLION_LAUGHS)
    from claims.exchange import safe

    with pytest.raises(UnsafeXmlError, match="limit"):
        safe.clean_document(b"<a/>" + b" " * 100, limit=50)


def test_envelope_size_limit() -> None:
    data = _envelope(b"<CHITIEU_CHITIET_DIENBIENLAMSANG/>") + b" " * 5000
    with pytest.raises(UnsafeXmlError, match="limit"):
        list(EnvelopeReader(data, limit=1000))


def test_undeclared_entity_is_a_read_error() -> None:
    with pytest.raises(ReadError):
        read_envelope(b"<GIAMDINHHS><THONGTINDONVI><MACSKCB>&x;</MACSKCB></THONGTINDONVI></GIAMDINHHS>")


@pytest.mark.parametrize("split", range(1, len(BAD_XSI) + 3))
def test_xsi_typo_repaired_across_chunk_boundaries(split: int) -> None:
    doc = b'<?xml version="1.0"?><GIAMDINHHS xmlns:xsi=' + BAD_XSI + b"><A/></GIAMDINHHS>"

    class Chunky(io.RawIOBase):
        def __init__(self) -> None:
            self.pos = 0

        def read(self, n: int = -1) -> bytes:
            step = split if self.pos == 0 else 7
            out = doc[self.pos : self.pos + step]
            self.pos += len(out)
            return out

    stream = SafeStream(Chunky())  # type: ignore[arg-type]
    out = b""
    while chunk := stream.read(16):
        out += chunk
    assert out == doc.replace(b"XMLSchema instance", b"XMLSchema-instance")
    assert stream.repaired_xsi
