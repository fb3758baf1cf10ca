from decimal import Decimal

import pytest

from claims.exchange.envelope_probe import EnvelopeShapeError, minimal_checkin, minimal_envelope, probe_document
from claims.exchange.signature import parse_document
from tests.gateway_support import shared_dir


def _probe(data: bytes):
    return probe_document(parse_document(data))


def test_real_samples() -> None:
    shared = shared_dir()
    if shared is None:
        pytest.skip("shared samples not available")
    folder = shared / "samples" / "xml130"
    inline = _probe((folder / "qd130_20999_inpatient_inline_unencoded_all_tables.xml").read_bytes())
    assert (inline.facility_code, inline.ma_lk) == ("20999", "8053187")
    assert "XML8" not in inline.tables and "XML1" in inline.tables  # <NOIDUNGFILE/> means absent
    wrapped = _probe((folder / "qd130_20999_inpatient_long_stay_wrapped_base64_xml1-2-3-4-5-7.xml").read_bytes())
    assert wrapped.tables == ("XML1", "XML2", "XML3", "XML4", "XML5", "XML7")
    assert wrapped.total_claimed == Decimal("47288592.59") and wrapped.fund_amount == Decimal("39905863.19")
    bad_uri = _probe((folder / "qd130_94999_emergency_transfer_xml1-3-4-13.xml").read_bytes())
    assert bad_uri.ma_lk == "PL96507149" and not bad_uri.signed


def test_minimal_documents() -> None:
    claim = _probe(minimal_envelope("01001", "LK1"))
    assert (claim.kind, claim.ma_lk, claim.payment_time, claim.tables) == ("claim", "LK1", "202610311000", ("XML1",))
    checkin = _probe(minimal_checkin("01001", "LK1"))
    assert (checkin.kind, checkin.facility_code, checkin.ma_lk) == ("checkin", "01001", "LK1")


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda e: e.replace(b"GIAMDINHHS", b"OTHER"), "root"),
        (lambda e: e.replace(b"<CHUKYDONVI/>", b""), "GIAMDINHHS"),
        (lambda e: e.replace(b"<MACSKCB>01001</MACSKCB>", b"<MACSKCB/>"), "THONGTINDONVI.MACSKCB"),
        (lambda e: e.replace(b"<HOSO>", b"<HOSO></HOSO><HOSO>"), "THONGTINHOSO.DANHSACHHOSO"),
        (lambda e: e.replace(b"<LOAIHOSO>XML1", b"<LOAIHOSO>XML2"), "HOSO"),
        (lambda e: e.replace(b"<NOIDUNGFILE>", b"<NOIDUNGFILE>!!"), "FILEHOSO[1](XML1)"),
    ],
)
def test_wrong_shapes_name_where(mutate, where: str) -> None:
    with pytest.raises(EnvelopeShapeError) as info:
        _probe(mutate(minimal_envelope("01001", "LK1")))
    assert info.value.where == where
