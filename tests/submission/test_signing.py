"""Enveloped XML-DSig in CHUKYDONVI: sign → verify, and every refusal with its code."""

from __future__ import annotations

import base64
from datetime import timedelta

import httpx
import pytest
import signxml
from cryptography.hazmat.primitives import serialization
from lxml import etree

from claims.exchange import signature as sig
from claims.exchange.envelope_probe import minimal_checkin, minimal_envelope, probe_document
from claims.submission.signing import (
    Pkcs12Signer,
    SignatureError,
    SigningServiceSigner,
    create_demo_certificate,
    load_certificate,
    sign_document,
    verify_document,
)
from tests.gateway_support import NOW, demo_signer, shared_dir


class _LenientSignxml(signxml.XMLVerifier):
    # signxml canonicalises SignedInfo in place and libxml2 then adds xmlns="" (signxml issue 193).
    excise_empty_xmlns_declarations = True


@pytest.mark.parametrize("exclusive", [True, False])
def test_sign_verify_round_trip_and_signxml_agrees(exclusive: bool) -> None:
    signer = demo_signer()
    signed = sign_document(minimal_envelope("01001", "LK-1"), signer, exclusive=exclusive)
    result = verify_document(signed, signer.certificate, at=NOW)
    assert result.canonicalization == (sig.C14N_EXCLUSIVE if exclusive else sig.C14N_INCLUSIVE)
    pem = signer.certificate.public_bytes(serialization.Encoding.PEM).decode()
    _LenientSignxml().verify(signed, x509_cert=pem, expect_references=1)  # an independent implementation
    slot = etree.fromstring(signed).find(sig.SIGNATURE_SLOT)
    assert slot is not None and slot[0].tag == f"{{{sig.DS_NS}}}Signature"
    assert signed.startswith(b'<?xml version="1.0" encoding="utf-8"?>')


def test_signxml_signature_verifies_with_ours() -> None:
    signer = demo_signer()
    placeholder = minimal_envelope("01001", "LK-2").replace(
        b"<CHUKYDONVI/>",
        b'<CHUKYDONVI><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="placeholder"/></CHUKYDONVI>',
    )
    signed_tree = signxml.XMLSigner(method=signxml.methods.enveloped, c14n_algorithm=sig.C14N_EXCLUSIVE).sign(
        etree.fromstring(placeholder), key=signer._key, cert=[signer.certificate]
    )
    verify_document(etree.tostring(signed_tree), signer.certificate)


def test_real_sample_envelopes_sign_and_verify() -> None:
    shared = shared_dir()
    if shared is None:
        pytest.skip("shared samples not available")
    files = sorted((shared / "samples" / "xml130").glob("*.xml"))
    assert files
    for path in files:
        signed = sign_document(path.read_bytes(), demo_signer())
        verify_document(signed, demo_signer().certificate)
        assert probe_document(sig.parse_document(signed)).signed


def test_checkin_document_is_signed_the_same_way() -> None:
    signed = sign_document(minimal_checkin("01001", "LK-3"), demo_signer())
    verify_document(signed, demo_signer().certificate)


def _code(document: bytes, **kwargs: object) -> str:
    with pytest.raises(SignatureError) as info:
        verify_document(document, kwargs.pop("cert", demo_signer().certificate), **kwargs)  # type: ignore[arg-type]
    return info.value.code


def test_tampered_envelope_is_refused_with_digest_mismatch() -> None:
    signed = sign_document(minimal_envelope("01001", "LK-4", total="150000.00"), demo_signer())
    tree = etree.fromstring(signed)
    content = tree.find("THONGTINHOSO/DANHSACHHOSO/HOSO/FILEHOSO/NOIDUNGFILE")
    table = base64.b64decode(content.text).replace(b"150000.00", b"950000.00")
    content.text = base64.b64encode(table).decode()
    assert _code(etree.tostring(tree)) == sig.DIGEST_MISMATCH
    # a change in the slot itself (text beside the signature) is caught too
    assert _code(signed.replace(b"<CHUKYDONVI>", b"<CHUKYDONVI>x")) == sig.DIGEST_MISMATCH


def test_tampered_signed_info_is_refused_as_invalid() -> None:
    signed = sign_document(minimal_envelope("01001", "LK-5"), demo_signer())
    tree = etree.fromstring(signed)
    digest = tree.find(f".//{{{sig.DS_NS}}}DigestValue")
    digest.text = base64.b64encode(b"\0" * 32).decode()
    assert _code(etree.tostring(tree)) == sig.SIGNATURE_INVALID


def test_wrong_certificate_is_refused() -> None:
    signed = sign_document(minimal_envelope("01001", "LK-6"), demo_signer("01001"))
    assert _code(signed, cert=demo_signer("02002").certificate) == sig.CERTIFICATE_MISMATCH
    # without KeyInfo the value itself fails against the registered key
    tree = etree.fromstring(signed)
    key_info = tree.find(f".//{{{sig.DS_NS}}}KeyInfo")
    key_info.getparent().remove(key_info)
    assert _code(etree.tostring(tree), cert=demo_signer("02002").certificate) == sig.SIGNATURE_INVALID


def test_missing_signature_and_slot_are_refused() -> None:
    assert _code(minimal_envelope("01001", "LK-7")) == sig.SIGNATURE_MISSING
    no_slot = minimal_envelope("01001", "LK-7").replace(b"<CHUKYDONVI/>", b"")
    assert _code(no_slot) == sig.SIGNATURE_SLOT_MISSING
    assert _code(b"<GIAMDINHHS><CHUKYDONVI><x/></CHUKYDONVI></GIAMDINHHS>") == sig.SIGNATURE_MALFORMED


def test_expired_certificate_is_refused_at_reception_time() -> None:
    signed = sign_document(minimal_envelope("01001", "LK-8"), demo_signer())
    assert _code(signed, at=NOW + timedelta(days=4000)) == sig.CERTIFICATE_EXPIRED


def test_unsafe_xml_is_refused() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xx">]><GIAMDINHHS>&x;<CHUKYDONVI/></GIAMDINHHS>'
    assert _code(bomb) == sig.ENVELOPE_MALFORMED
    assert _code(b"<GIAMDINHHS>") == sig.ENVELOPE_MALFORMED
    assert _code(minimal_envelope("01001", "x"), max_bytes=10) == sig.ENVELOPE_MALFORMED


def test_resigning_replaces_previous_signature() -> None:
    once = sign_document(minimal_envelope("01001", "LK-9"), demo_signer("01001"))
    twice = sign_document(once, demo_signer("02002"))
    verify_document(twice, demo_signer("02002").certificate)
    assert twice.count(b"SignatureValue>") == 2  # one open and one close tag: a single signature


def test_signing_service_signer_signs_the_digest_remotely() -> None:
    local = demo_signer()
    seen: list[dict[str, str]] = []

    def service(request: httpx.Request) -> httpx.Response:
        import json

        body = json.loads(request.content)
        seen.append(body)
        signature = local.sign_digest(base64.b64decode(body["digest"]))
        return httpx.Response(200, json={"signature": base64.b64encode(signature).decode()})

    transport = httpx.MockTransport(service)
    remote = SigningServiceSigner("http://hsm.local", "key-1", local.certificate, transport=transport)
    signed = sign_document(minimal_envelope("01001", "LK-10"), remote)
    verify_document(signed, local.certificate)
    assert seen and seen[0]["keyId"] == "key-1" and len(base64.b64decode(seen[0]["digest"])) == 32

    wrong = SigningServiceSigner(
        "http://hsm.local", "key-1", demo_signer("02002").certificate, transport=httpx.MockTransport(service)
    )
    with pytest.raises(Exception):  # the device holds another key: caught before anything leaves
        sign_document(minimal_envelope("01001", "LK-11"), wrong)


def test_demo_certificate_files_load() -> None:
    p12, pem = create_demo_certificate("03003", password="pw", now=NOW, key_size=2048)
    signer = Pkcs12Signer.from_bytes(p12, "pw")
    assert load_certificate(pem) == signer.certificate
    assert load_certificate(signer.certificate.public_bytes(serialization.Encoding.DER)) == signer.certificate
    with pytest.raises(ValueError):
        Pkcs12Signer.from_bytes(p12, "wrong")


def test_invalid_xsi_uri_of_real_exports_is_tolerated_even_after_a_failed_parse() -> None:
    with pytest.raises(SignatureError):
        sig.parse_document(b"<a><unclosed></a>")  # leaves errors in lxml's thread-local log
    doc = b'<TONG_HOP xmlns:xsi="http://www.w3.org/2001/XMLSchema instance"><MA_LK>1</MA_LK></TONG_HOP>'
    assert sig.parse_document(doc).getroot().findtext("MA_LK") == "1"
    with pytest.raises(SignatureError):  # the same flaw plus a real error is still refused
        sig.parse_document(doc.replace(b"</MA_LK>", b""))
