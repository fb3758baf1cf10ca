"""Validation on receipt: our schemas and the hospital's check catalogue, with the gateway's result codes."""

from __future__ import annotations

import base64
import dataclasses

import pytest
from lxml import etree

from claims.exchange.envelope_probe import probe_document
from claims.exchange.writer import write_claim
from claims.insurer.validation import Finding, OfficeValidator, result_code_of
from claims.portal import protocol as p
from tests.insurer.claims_support import demo_claims


def _validate(envelope: bytes) -> list[Finding]:
    tree = etree.ElementTree(etree.fromstring(envelope))
    return OfficeValidator()(tree, probe_document(tree))


def _edit_table(envelope: bytes, table: str, edit: object) -> bytes:
    root = etree.fromstring(envelope)
    for item in root.iter("FILEHOSO"):
        if item.findtext("LOAIHOSO") == table:
            content = item.find("NOIDUNGFILE")
            assert content is not None
            doc = etree.fromstring(base64.b64decode(content.text or ""))
            edit(doc)  # type: ignore[operator]
            content.text = base64.b64encode(etree.tostring(doc, encoding="utf-8", xml_declaration=True)).decode()
    return etree.tostring(root, encoding="utf-8", xml_declaration=True)


def test_claims_the_hospital_would_send_pass() -> None:
    for _hoso, envelope in demo_claims():
        assert _validate(envelope) == []


def test_a_blocking_claim_level_finding_is_a_content_error_naming_where() -> None:
    hoso, _ = demo_claims()[0]
    assert hoso.xml1 is not None
    bad = dataclasses.replace(hoso, xml1=dataclasses.replace(hoso.xml1, ngay_ra="202001010000"))
    findings = _validate(write_claim(bad, ngaylap="20261101"))
    assert [f.code for f in findings] == ["DATE_RA_BEFORE_VAO"]
    assert findings[0].where == "XML1.STT 1.NGAY_RA" and result_code_of(findings) == p.XML_CONTENT_ERROR


def test_a_schema_violation_is_a_format_error() -> None:
    _hoso, envelope = demo_claims()[0]

    def letters_in_an_amount(doc: etree._Element) -> None:
        node = next(doc.iter("THANH_TIEN_BH"))
        node.text = "một trăm"

    findings = _validate(_edit_table(envelope, "XML3", letters_in_an_amount))
    assert findings and result_code_of(findings) == p.XML_FORMAT_ERROR
    assert any("XML3" in f.where and "THANH_TIEN_BH" in f.where for f in findings), findings


def test_an_unforeseen_failure_is_a_refusal_not_a_server_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import claims.review.service

    def broken(*_args: object, **_kwargs: object) -> list[object]:
        raise RuntimeError("catalogue unavailable")

    monkeypatch.setattr(claims.review.service, "check_hoso", broken)
    _hoso, envelope = demo_claims()[0]
    findings = _validate(envelope)
    assert [(f.code, f.where, f.result_code) for f in findings] == [("UNREADABLE", "HOSO 1", p.XML_FORMAT_ERROR)]
