"""Reader tolerance and writer output, on small hand-made envelopes."""

from __future__ import annotations

import base64
from dataclasses import replace
from decimal import Decimal

import pytest

from claims.exchange.convert import convert_hoso
from claims.exchange.model import (
    ChiTietThuoc,
    GiayChuyenTuyen,
    GiayHenKhamLai,
    Hoso,
    TongHop,
    as_date,
    as_datetime,
    choose_version,
    split_list,
)
from claims.exchange.reader import EnvelopeReader, parse_decimal, read_envelope
from claims.exchange.synthetic import make_claim
from claims.exchange.validation import validate_file
from claims.exchange.writer import decimal_at, esc, money, table_documents, write_claim


def envelope(*files: tuple[str, str], wrap: int = 0, hoso_count: int = 1) -> bytes:
    parts = []
    for loai, content in files:
        if content.startswith("<") and not content.startswith("<!--b64-->"):
            body = content
        else:
            raw = base64.b64encode(content.removeprefix("<!--b64-->").encode()).decode()
            body = "\n".join(raw[i : i + wrap] for i in range(0, len(raw), wrap)) if wrap else raw
        parts.append(f"<FILEHOSO><LOAIHOSO>{loai}</LOAIHOSO><NOIDUNGFILE>{body}</NOIDUNGFILE></FILEHOSO>")
    hoso = "<HOSO>" + "".join(parts) + "</HOSO>"
    return (
        '<?xml version="1.0" encoding="utf-8"?><GIAMDINHHS>'
        "<THONGTINDONVI><MACSKCB>01999</MACSKCB></THONGTINDONVI>"
        f"<THONGTINHOSO><NGAYLAP>20260105</NGAYLAP><SOLUONGHOSO>{hoso_count}</SOLUONGHOSO><DANHSACHHOSO>"
        f"{hoso * hoso_count}</DANHSACHHOSO></THONGTINHOSO><CHUKYDONVI/></GIAMDINHHS>"
    ).encode()


XML1 = (
    '<TONG_HOP xmlns:xsi="http://www.w3.org/2001/XMLSchema instance"><MA_LK>LK1</MA_LK><STT>1</STT>'
    "<HO_TEN><![CDATA[A & B <c>]]></HO_TEN><MA_THE_BHYT>GD4010000000001;AK2010000000001</MA_THE_BHYT>"
    "<T_THUOC>7382729,4</T_THUOC><T_VTYT>39800</T_VTYT><NGAY_RA>202601051600</NGAY_RA>"
    "<MA_LK_PHU>extra</MA_LK_PHU><STT_BAD/></TONG_HOP>"
)


def test_tolerant_reading_of_quirks() -> None:
    data = b"\xef\xbb\xbf" + envelope(("XML1", "<!--b64-->" + XML1), ("XML8", ""), wrap=64)
    result = read_envelope(data)
    x1 = result.envelope.hoso[0].xml1
    assert x1 is not None
    assert x1.ho_ten == "A & B <c>"  # CDATA
    assert split_list(x1.ma_the_bhyt) == ["GD4010000000001", "AK2010000000001"]
    assert x1.t_thuoc == Decimal("7382729.4") and x1.t_vtyt == Decimal("39800.00")
    assert [e.name for e in x1.extras] == ["MA_LK_PHU", "STT_BAD"]
    codes = {(p.code, p.table, p.field) for p in result.problems}
    assert ("unknown_element", "XML1", "MA_LK_PHU") in codes  # kept and reported
    assert ("xsi_typo", "XML1", "xmlns:xsi") in codes
    assert ("empty_file", "XML8", "NOIDUNGFILE") in codes
    assert result.envelope.hoso[0].version == "3176"  # by NGAY_RA


def test_inline_table_and_out_of_order_elements() -> None:
    inline = "<TONG_HOP><STT>1</STT><T_BNTT>5</T_BNTT><MA_LK>LK2</MA_LK></TONG_HOP>"
    x1 = read_envelope(envelope(("XML1", inline))).envelope.hoso[0].xml1
    assert x1 is not None and (x1.ma_lk, x1.stt, x1.t_bntt) == ("LK2", 1, Decimal(5))


def test_unreadable_value_is_kept_raw_and_written_back() -> None:
    doc = "<TONG_HOP><MA_LK>LK3</MA_LK><T_THUOC>12a</T_THUOC><NGAY_RA>202401051600</NGAY_RA></TONG_HOP>"
    r = read_envelope(envelope(("XML1", "<!--b64-->" + doc)))
    x1 = r.envelope.hoso[0].xml1
    assert x1 is not None and x1.t_thuoc is None and x1.unparsed[0].text == "12a"
    assert r.envelope.hoso[0].version == "4750"
    again = read_envelope(write_claim(r.envelope.hoso[0], ngaylap="20260105")).envelope.hoso[0].xml1
    assert again is not None and again.unparsed == x1.unparsed


def test_both_xml13_and_xml14_shapes() -> None:
    root = "CHI_TIEU_GIAYCHUYENTUYEN"
    d4750 = f"<{root}><MA_LK>L</MA_LK><MA_NOI_DI>01001</MA_NOI_DI><TEN_DICH_VU>x</TEN_DICH_VU></{root}>"
    d3176 = f"<{root}><MA_LK>L</MA_LK><MA_CSKCB_DI>01001;01002</MA_CSKCB_DI></{root}>"
    h4 = read_envelope(envelope(("XML13", d4750))).envelope.hoso[0]
    h3 = read_envelope(envelope(("XML13", d3176))).envelope.hoso[0]
    assert (h4.version, h4.xml13.ma_noi_di) == ("4750", "01001")  # type: ignore[union-attr]
    assert (h3.version, h3.xml13.ma_cskcb_di) == ("3176", "01001;01002")  # type: ignore[union-attr]
    k = read_envelope(
        envelope(
            (
                "XML14",
                "<CHI_TIEU_GIAYHEN_KHAMLAI><NGAY_HEN_KL>202602061030</NGAY_HEN_KL></CHI_TIEU_GIAYHEN_KHAMLAI>",
            )
        )
    )
    assert k.envelope.hoso[0].version == "4750"


def test_convert_between_shapes() -> None:
    h = Hoso(
        xml1=TongHop(ma_lk="L", ngay_ra="202601051600"),
        xml13=GiayChuyenTuyen(ma_lk="L", ma_noi_di="01001", ma_noi_den="01002", ten_dich_vu="Khám"),
        xml14=GiayHenKhamLai(ma_lk="L", ngay_hen_kl="202602061030"),
    )
    h3, notes = convert_hoso(h, "3176")
    assert h3.xml13 is not None and (h3.xml13.ma_cskcb_di, h3.xml13.ma_cskcb_den, h3.xml13.ma_noi_di) == (
        "01001",
        "01002",
        "",
    )
    assert h3.xml14 is not None and h3.xml14.ngay_hen_kl == "20260206"
    assert any("TEN_DICH_VU" in n for n in notes) and any("NGAY_HEN_KL" in n for n in notes)
    back, _ = convert_hoso(h3, "4750")
    assert (
        back.xml13 is not None
        and back.xml13.ma_noi_di == "01001"
        and back.xml14.ngay_hen_kl == "202602060000"
    )  # type: ignore[union-attr]
    with pytest.raises(ValueError):
        convert_hoso(h, "130")


def test_many_hoso_streamed_one_at_a_time() -> None:
    data = envelope(("XML1", "<!--b64-->" + XML1), hoso_count=50)
    reader = EnvelopeReader(data, keep_documents=False)
    seen = 0
    for item in reader:
        assert item.tables == {} and item.hoso.xml1 is not None
        seen += 1
    assert (
        seen == 50 and reader.soluonghoso == 50 and not [p for p in reader.problems if p.severity == "error"]
    )


def test_soluonghoso_mismatch_is_structural() -> None:
    data = envelope(("XML1", "<!--b64-->" + XML1)).replace(b"<SOLUONGHOSO>1<", b"<SOLUONGHOSO>2<")
    probs = validate_file(data).problems
    assert any((p.table, p.field, p.code) == ("ENVELOPE", "SOLUONGHOSO", "count_mismatch") for p in probs)


# ------------------------------------------------------------------------------------------------ writer
def test_number_and_text_formatting() -> None:
    assert money(Decimal("101476")) == "101476.00" and money(Decimal("0.005")) == "0.01" and money(None) == ""
    assert decimal_at(Decimal("0.5000"), 3) == "0.5" and decimal_at(Decimal("1.2345"), 3) == "1.235"
    assert decimal_at(Decimal(100), 2) == "100"
    assert esc("a&b<c>\r") == "a&amp;b&lt;c&gt;&#13;"
    assert parse_decimal("2073,6") == Decimal("2073.6") and parse_decimal("1,234.5") is None
    assert parse_decimal("NaN") is None


def test_only_tables_that_apply_every_element_in_order() -> None:
    h = make_claim(lines=3)
    docs = dict(table_documents(h, "3176"))
    assert list(docs) == ["XML1", "XML2", "XML3", "XML5"]
    text = docs["XML2"].decode()
    assert "<DANG_BAO_CHE></DANG_BAO_CHE>" in text  # empty elements are written
    assert text.index("<MA_LK>") < text.index("<STT>") < text.index("<MA_THUOC>")
    assert "<THANH_TIEN_BV>12500.00</THANH_TIEN_BV>" in text
    assert "&amp; &lt;viên&gt;" in text


def test_version_chosen_by_dates_and_forceable() -> None:
    h = make_claim(lines=2)
    assert choose_version(h) == "3176"
    old = replace(h, xml1=replace(h.xml1, ngay_ra="202407011200", ngay_vao="202407010800"))  # type: ignore[type-var]
    assert choose_version(old) == "4750"
    k = GiayHenKhamLai(ma_lk="SYN00000000", ngay_hen_kl="20260206")
    forced = write_claim(replace(h, xml14=k), ngaylap="20260105", version="4750")
    doc = base64.b64decode(forced.split(b"<LOAIHOSO>XML14</LOAIHOSO><NOIDUNGFILE>")[1].split(b"<")[0])
    assert b"<MA_TTDV>" in doc and b"<NGAY_HEN_KL>20260206</NGAY_HEN_KL>" in doc


def test_date_helpers() -> None:
    assert as_date("20260105") is not None and as_date("197100000000") is None
    assert as_datetime("202601051630") is not None and as_datetime("2026010516") is None
    assert as_datetime("20260105").hour == 0  # type: ignore[union-attr]


def test_written_line_amounts_are_at_scale() -> None:
    line = ChiTietThuoc(ma_lk="L", stt=1, thanh_tien_bv=Decimal("27"), don_gia=Decimal("13.5"))
    text = table_documents(Hoso(xml1=TongHop(ma_lk="L"), xml2=(line,)), "3176")[1][1].decode()
    assert "<THANH_TIEN_BV>27.00</THANH_TIEN_BV>" in text and "<DON_GIA>13.5</DON_GIA>" in text


def test_readable_errors_from_xmlschema() -> None:
    from lxml import etree

    from claims.exchange.validation import readable_errors

    doc = b"<TONG_HOP><MA_LK>L</MA_LK><STT>x</STT></TONG_HOP>"
    errors = readable_errors("XML1", etree.fromstring(doc), "3176")
    assert errors and any("STT" in e for e in errors)


def test_checkin_document_round_trip() -> None:
    from lxml import etree

    from claims.exchange.model import CheckIn, TrangThaiKcb
    from claims.exchange.reader import read_checkin
    from claims.exchange.writer import write_checkin
    from xsd import lxml_schema

    rec = TrangThaiKcb(
        ma_lk="L1",
        stt=1,
        ma_bn="BN1",
        ho_ten="A",
        ngay_sinh="198001010000",
        gioi_tinh=1,
        ma_doituong_kcb="1.1",
        ngay_vao="202601050800",
        ma_loai_kcb="01",
        ma_cskcb="01999",
        ma_dich_vu="01.0001.0001",
        ten_dich_vu="Khám",
        ngay_yl="202601050805",
    )
    data = write_checkin(CheckIn(records=(rec,)), "3176")
    assert lxml_schema("3176", "XML0").validate(etree.fromstring(data))
    back, problems = read_checkin(data)
    assert back.records == (rec,) and back.version == "3176" and not problems


def test_base64_without_padding_is_tolerated_and_junk_is_not() -> None:
    doc = "<TONG_HOP><MA_LK>LK9</MA_LK><NGAY_RA>202601051600</NGAY_RA></TONG_HOP>"
    raw = base64.b64encode(doc.encode()).decode()
    assert raw.endswith("=")
    good = envelope(("XML1", "<!--b64-->" + doc))
    assert raw.encode() in good
    data = good.replace(raw.encode(), raw.rstrip("=").encode())
    r = read_envelope(data)
    assert r.envelope.hoso[0].xml1 is not None and r.envelope.hoso[0].xml1.ma_lk == "LK9"
    assert [p.code for p in r.problems] == ["base64_padding"]
    r2 = read_envelope(good.replace(raw.encode(), raw[:-4].encode() + b"*!"))
    assert r2.envelope.hoso[0].xml1 is None and [p.code for p in r2.problems] == ["base64"]


def test_duplicate_element_is_kept_and_reported_once() -> None:
    h = make_claim(lines=2)
    data = write_claim(h, ngaylap="20260105")
    start = data.index(b"<LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>") + len(
        b"<LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>"
    )
    end = data.index(b"</NOIDUNGFILE>", start)
    doc = base64.b64decode(data[start:end]).replace(b"</GHI_CHU>", b"</GHI_CHU><GHI_CHU>again</GHI_CHU>")
    data = data[:start] + base64.b64encode(doc) + data[end:]
    report = validate_file(data)
    dup = [p for p in report.problems if p.field == "GHI_CHU"]
    assert [(p.code, p.severity) for p in dup] == [("unknown_element", "warning")]
    x1 = read_envelope(data).envelope.hoso[0].xml1
    assert x1 is not None and x1.extras[0].text == "again"
