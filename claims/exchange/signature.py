"""XML-DSig enveloped signature of a gateway document, placed in its ``CHUKYDONVI`` element.

The BHXH guide for QĐ 3176 says the facility signs the file with SHA-256 and stores the signature in
``<CHUKYDONVI>`` at the end of the document (``xml130.md`` §4.1); the exact profile is in an XSD that is not
public, so we use the plain W3C profile every signing tool produces: one ``Reference URI=""`` over the whole
document with the *enveloped-signature* transform, RSA-SHA256, SHA-256 digest, exclusive C14N 1.0 (inclusive
C14N 1.0 is also produced on request and accepted when verifying), the signer's certificate in ``KeyInfo``.
Exclusive C14N is the default because the signed bytes then do not depend on namespace declarations of the
root (``xmlns:xsi``/``xmlns:xsd`` are optional there) and every verifier agrees on it.

The same code signs the claim envelope (``GIAMDINHHS``), the check-in document (``CHI_TIEU_TRANG_THAI_KCB``)
and any other document whose root has a ``CHUKYDONVI`` child. Private keys never come here: a :class:`Signer`
signs a SHA-256 digest (PKCS#12 file, USB token or HSM service; see ``claims.submission.signing``).

All parsing is safe: no DTD, no entities, no network, a size limit.
"""

from __future__ import annotations

import base64
import copy
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast, runtime_checkable

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from lxml import etree

SIGNATURE_SLOT = "CHUKYDONVI"

DS_NS = "http://www.w3.org/2000/09/xmldsig#"
C14N_INCLUSIVE = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
C14N_EXCLUSIVE = "http://www.w3.org/2001/10/xml-exc-c14n#"
TRANSFORM_ENVELOPED = DS_NS + "enveloped-signature"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
DIGEST_SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
_C14N_METHODS = {C14N_INCLUSIVE: False, C14N_EXCLUSIVE: True}  # URI -> exclusive?

DEFAULT_MAX_BYTES = 100 * 1024 * 1024  # the gateway's largest accepted file (gateway.md §7, off-peak)


def _q(local: str) -> str:
    return f"{{{DS_NS}}}{local}"


# Stable error codes (the office maps them to gateway result codes).
ENVELOPE_MALFORMED = "envelope_malformed"
SIGNATURE_SLOT_MISSING = "signature_slot_missing"
SIGNATURE_MISSING = "signature_missing"
SIGNATURE_MALFORMED = "signature_malformed"
SIGNATURE_UNSUPPORTED = "signature_unsupported_algorithm"
SIGNATURE_INVALID = "signature_invalid"
DIGEST_MISMATCH = "digest_mismatch"
CERTIFICATE_MISMATCH = "certificate_mismatch"
CERTIFICATE_EXPIRED = "certificate_expired"


class SignatureError(Exception):
    """A document cannot be signed or its signature does not verify; ``code`` is stable."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


@runtime_checkable
class Signer(Protocol):
    """Holds (or reaches) a facility's private key. Signs SHA-256 digests with RSA PKCS#1 v1.5."""

    @property
    def certificate(self) -> x509.Certificate:
        """The certificate registered for the facility on the portal."""
        ...

    def sign_digest(self, digest: bytes) -> bytes:
        """RSA PKCS#1 v1.5 signature over a 32-byte SHA-256 digest."""
        ...


@dataclass(frozen=True, slots=True)
class VerifiedSignature:
    """What a successful verification proved."""

    certificate_sha256: str  # hex fingerprint of the certificate that verified
    canonicalization: str
    document_digest: str  # hex SHA-256 of the canonical signed content


def safe_parser(*, recover: bool = False) -> etree.XMLParser:
    """A parser that never expands entities, loads a DTD or touches the network (one per call: not thread-safe)."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        recover=recover,
    )


def parse_document(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._ElementTree:
    """Parse untrusted XML bytes safely; a DOCTYPE is refused outright."""
    if len(data) > max_bytes:
        raise SignatureError(ENVELOPE_MALFORMED, f"document larger than {max_bytes} bytes")
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as exc:
        # Real exports declare xmlns:xsi="http://www.w3.org/2001/XMLSchema instance" (a space, not a URI);
        # libxml2 reports it as an error although the document is well-formed: tolerate exactly that. The
        # exception's own log may hold stale entries of earlier parses, so judge a fresh parser's log.
        lenient = safe_parser(recover=True)
        try:
            recovered = etree.fromstring(data, lenient)
        except etree.XMLSyntaxError:
            recovered = None
        entries: list[Any] = list(cast(Any, lenient.error_log))
        if recovered is None or not entries or any(entry.type_name != "WAR_NS_URI" for entry in entries):
            raise SignatureError(ENVELOPE_MALFORMED, f"not well-formed XML: {exc}") from None
        root = recovered
    tree = root.getroottree()
    if cast(Any, tree.docinfo).doctype:
        raise SignatureError(ENVELOPE_MALFORMED, "a DOCTYPE is not allowed")
    return tree


def _slot(root: etree._Element) -> etree._Element:
    for child in root:
        if child.tag == SIGNATURE_SLOT:
            return child
    raise SignatureError(SIGNATURE_SLOT_MISSING, f"the document root has no {SIGNATURE_SLOT} element")


def _c14n(node: etree._ElementTree, exclusive: bool) -> bytes:
    return etree.tostring(node, method="c14n", exclusive=exclusive, with_comments=False)


def _c14n_subtree(element: etree._Element, exclusive: bool) -> bytes:
    """C14N of one element with its in-scope namespaces, as if it were the apex of a document subset.

    Rebuilt on a detached copy because libxml2 (2.14, via lxml 6) emits spurious ``xmlns=""`` when it
    canonicalises a subtree in place below a default namespace (found by verifying with signxml).
    """
    attributes: dict[str, str] = {str(k): str(v) for k, v in element.attrib.items()}
    apex = etree.Element(element.tag, attrib=attributes, nsmap=cast(Any, element.nsmap))
    apex.text = element.text
    for child in element:
        apex.append(copy.deepcopy(child))
    return etree.tostring(apex, method="c14n", exclusive=exclusive, with_comments=False)


def _serialize(tree: etree._ElementTree) -> bytes:
    # Double quotes in the declaration as the standard writes it (lxml would use single quotes).
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + etree.tostring(tree.getroot(), encoding="utf-8")


def sign_document(document: bytes, signer: Signer, *, exclusive: bool = True) -> bytes:
    """Return ``document`` with an enveloped XML-DSig signature in its ``CHUKYDONVI`` (replacing any content)."""
    tree = parse_document(document)
    slot = _slot(tree.getroot())
    for child in list(slot):
        slot.remove(child)
    slot.text = None
    # With the slot empty, the document is exactly what the enveloped transform yields after signing.
    digest = hashlib.sha256(_c14n(tree, exclusive)).digest()
    c14n_uri = C14N_EXCLUSIVE if exclusive else C14N_INCLUSIVE

    signature = etree.SubElement(slot, _q("Signature"), nsmap=cast(Any, {None: DS_NS}))
    signed_info = etree.SubElement(signature, _q("SignedInfo"))
    etree.SubElement(signed_info, _q("CanonicalizationMethod"), Algorithm=c14n_uri)
    etree.SubElement(signed_info, _q("SignatureMethod"), Algorithm=RSA_SHA256)
    reference = etree.SubElement(signed_info, _q("Reference"), URI="")
    transforms = etree.SubElement(reference, _q("Transforms"))
    etree.SubElement(transforms, _q("Transform"), Algorithm=TRANSFORM_ENVELOPED)
    etree.SubElement(transforms, _q("Transform"), Algorithm=c14n_uri)
    etree.SubElement(reference, _q("DigestMethod"), Algorithm=DIGEST_SHA256)
    etree.SubElement(reference, _q("DigestValue")).text = base64.b64encode(digest).decode("ascii")
    value = etree.SubElement(signature, _q("SignatureValue"))
    key_info = etree.SubElement(signature, _q("KeyInfo"))
    x509_data = etree.SubElement(key_info, _q("X509Data"))
    der = signer.certificate.public_bytes(serialization.Encoding.DER)
    etree.SubElement(x509_data, _q("X509Certificate")).text = base64.b64encode(der).decode("ascii")

    # SignedInfo is canonicalised with its inherited namespaces (xmlns:xsi on the root), as on verify.
    signed_info_digest = hashlib.sha256(_c14n_subtree(signed_info, exclusive)).digest()
    value.text = base64.b64encode(signer.sign_digest(signed_info_digest)).decode("ascii")
    return _serialize(tree)


@contextmanager
def _detached(element: etree._Element) -> Iterator[None]:
    """Temporarily remove ``element`` (the enveloped transform), keeping its tail text in the document."""
    parent = element.getparent()
    assert parent is not None
    index = parent.index(element)
    tail, element.tail = element.tail, None
    previous = element.getprevious()
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)
    try:
        yield
    finally:
        if tail:
            if previous is not None:
                previous.tail = (previous.tail or "")[: -len(tail)] or None
            else:
                parent.text = (parent.text or "")[: -len(tail)] or None
        parent.insert(index, element)
        element.tail = tail


def _one(parent: etree._Element, local: str) -> etree._Element:
    found = parent.findall(_q(local))
    if len(found) != 1:
        raise SignatureError(SIGNATURE_MALFORMED, f"expected exactly one ds:{local}, found {len(found)}")
    return found[0]


def _b64(element: etree._Element, what: str) -> bytes:
    try:
        return base64.b64decode("".join((element.text or "").split()), validate=True)
    except ValueError:
        raise SignatureError(SIGNATURE_MALFORMED, f"{what} is not base64") from None


def _algorithm(parent: etree._Element, local: str, allowed: set[str]) -> str:
    uri = _one(parent, local).get("Algorithm", "")
    if uri not in allowed:
        raise SignatureError(SIGNATURE_UNSUPPORTED, f"ds:{local} {uri!r} is not supported")
    return uri


def verify_document(
    document: bytes | etree._ElementTree,
    certificate: x509.Certificate,
    *,
    at: datetime | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> VerifiedSignature:
    """Check the enveloped signature in ``CHUKYDONVI`` against the facility's registered ``certificate``.

    ``at`` (an aware date-time, e.g. the reception time) also checks the certificate's validity period.
    Raises :class:`SignatureError` with one of the module's codes.
    """
    tree = document if isinstance(document, etree._ElementTree) else parse_document(document, max_bytes=max_bytes)
    slot = _slot(tree.getroot())
    children = [c for c in slot if isinstance(c.tag, str)]
    if not children:
        raise SignatureError(SIGNATURE_MISSING, f"{SIGNATURE_SLOT} holds no signature")
    if len(children) != 1 or children[0].tag != _q("Signature"):
        raise SignatureError(SIGNATURE_MALFORMED, f"{SIGNATURE_SLOT} must hold exactly one ds:Signature")
    signature = children[0]

    signed_info = _one(signature, "SignedInfo")
    c14n_uri = _algorithm(signed_info, "CanonicalizationMethod", set(_C14N_METHODS))
    _algorithm(signed_info, "SignatureMethod", {RSA_SHA256})
    reference = _one(signed_info, "Reference")
    if reference.get("URI") != "":
        raise SignatureError(SIGNATURE_UNSUPPORTED, 'the reference must cover the whole document (URI="")')
    transforms = [t.get("Algorithm", "") for t in _one(reference, "Transforms").findall(_q("Transform"))]
    if not transforms or transforms[0] != TRANSFORM_ENVELOPED or len(transforms) > 2:
        raise SignatureError(SIGNATURE_UNSUPPORTED, "expected the enveloped-signature transform then C14N")
    ref_c14n = transforms[1] if len(transforms) == 2 else C14N_INCLUSIVE
    if ref_c14n not in _C14N_METHODS:
        raise SignatureError(SIGNATURE_UNSUPPORTED, f"transform {ref_c14n!r} is not supported")
    _algorithm(reference, "DigestMethod", {DIGEST_SHA256})
    digest_value = _b64(_one(reference, "DigestValue"), "DigestValue")
    signature_value = _b64(_one(signature, "SignatureValue"), "SignatureValue")

    registered_der = certificate.public_bytes(serialization.Encoding.DER)
    for element in signature.iter(_q("X509Certificate")):
        if _b64(element, "X509Certificate") != registered_der:
            raise SignatureError(CERTIFICATE_MISMATCH, "signed with a certificate not registered for the facility")
    if at is not None and not (certificate.not_valid_before_utc <= at <= certificate.not_valid_after_utc):
        raise SignatureError(CERTIFICATE_EXPIRED, "the registered certificate is not valid at the reception time")

    public_key = certificate.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise SignatureError(SIGNATURE_UNSUPPORTED, "only RSA certificates are supported")
    signed_info_digest = hashlib.sha256(_c14n_subtree(signed_info, _C14N_METHODS[c14n_uri])).digest()
    try:
        public_key.verify(signature_value, signed_info_digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))
    except InvalidSignature:
        raise SignatureError(SIGNATURE_INVALID, "the signature value does not match the certificate") from None

    with _detached(signature):
        canonical = _c14n(tree, _C14N_METHODS[ref_c14n])
    document_digest = hashlib.sha256(canonical).digest()
    if document_digest != digest_value:
        raise SignatureError(DIGEST_MISMATCH, "the document was changed after it was signed")
    return VerifiedSignature(
        certificate_sha256=certificate.fingerprint(hashes.SHA256()).hex(),
        canonicalization=c14n_uri,
        document_digest=document_digest.hex(),
    )
