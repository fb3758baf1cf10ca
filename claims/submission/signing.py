"""Signing the envelopes a facility sends: where the private key lives.

The XML part (where the signature goes, what it covers) is in ``claims.exchange.signature``; this module
provides the :class:`Signer` implementations:

- :class:`Pkcs12Signer` — the key and certificate from a PKCS#12 (``.p12``/``.pfx``) file;
- :class:`SigningServiceSigner` — hospitals that sign with a USB token or an HSM run a local signing
  service; we send it the SHA-256 digest and receive the RSA signature (the key never leaves the device);
- :func:`create_demo_certificate` — a self-signed certificate for demos (``make run``) and tests.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from claims.exchange.signature import (
    SignatureError,
    Signer,
    VerifiedSignature,
    sign_document,
    verify_document,
)

__all__ = [
    "Pkcs12Signer",
    "SignatureError",
    "Signer",
    "SigningServiceSigner",
    "VerifiedSignature",
    "create_demo_certificate",
    "load_certificate",
    "sign_document",
    "verify_document",
]

_SHA256_LEN = 32


class Pkcs12Signer:
    """Signs with an RSA key held in a PKCS#12 file (or its bytes)."""

    def __init__(self, key: rsa.RSAPrivateKey, certificate: x509.Certificate) -> None:
        self._key = key
        self._certificate = certificate

    @classmethod
    def from_bytes(cls, data: bytes, password: str | bytes | None) -> Pkcs12Signer:
        secret = password.encode("utf-8") if isinstance(password, str) else password
        key, cert, _chain = pkcs12.load_key_and_certificates(data, secret)
        if not isinstance(key, rsa.RSAPrivateKey) or cert is None:
            raise ValueError("the PKCS#12 file must hold an RSA private key and its certificate")
        return cls(key, cert)

    @classmethod
    def from_file(cls, path: str | Path, password: str | bytes | None) -> Pkcs12Signer:
        return cls.from_bytes(Path(path).read_bytes(), password)

    @property
    def certificate(self) -> x509.Certificate:
        return self._certificate

    def sign_digest(self, digest: bytes) -> bytes:
        if len(digest) != _SHA256_LEN:
            raise ValueError("expected a SHA-256 digest")
        return self._key.sign(digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))


class SigningServiceSigner:
    """Client of a facility signing service (USB token / HSM) that signs a digest over HTTP.

    Contract (ours; vendors' services differ, adapt here): ``POST {base_url}/sign`` with JSON
    ``{"keyId": ..., "algorithm": "RSA-SHA256", "digest": <base64 SHA-256>}`` answers
    ``{"signature": <base64 PKCS#1 v1.5 signature>}``. The certificate is registered with the signer
    (it is public). Pass ``transport`` to test against a fake service.
    """

    def __init__(
        self,
        base_url: str,
        key_id: str,
        certificate: x509.Certificate,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._client = httpx.Client(base_url=base_url, transport=transport, timeout=timeout)
        self._key_id = key_id
        self._certificate = certificate

    @property
    def certificate(self) -> x509.Certificate:
        return self._certificate

    def sign_digest(self, digest: bytes) -> bytes:
        if len(digest) != _SHA256_LEN:
            raise ValueError("expected a SHA-256 digest")
        response = self._client.post(
            "/sign",
            json={"keyId": self._key_id, "algorithm": "RSA-SHA256", "digest": base64.b64encode(digest).decode()},
        )
        response.raise_for_status()
        signature = base64.b64decode(response.json()["signature"], validate=True)
        # A wrong key in the device must fail here, not at the office.
        public_key = self._certificate.public_key()
        assert isinstance(public_key, rsa.RSAPublicKey)
        public_key.verify(signature, digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))
        return signature

    def close(self) -> None:
        self._client.close()


def load_certificate(data: bytes) -> x509.Certificate:
    """A certificate from PEM or DER bytes (what a facility registers on the portal)."""
    if data.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_certificate(data)
    return x509.load_der_x509_certificate(data)


def create_demo_certificate(
    facility_code: str,
    *,
    password: str,
    now: datetime,
    days: int = 3650,
    key_size: int = 2048,
    name: str | None = None,
) -> tuple[bytes, bytes]:
    """A self-signed RSA certificate for ``facility_code``: returns ``(pkcs12_bytes, certificate_pem)``.

    ``now`` is passed in (no hidden clock). Demo only: production certificates come from a licensed CA.
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name or f"Demo facility {facility_code}"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{facility_code} demo signing"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    p12 = pkcs12.serialize_key_and_certificates(
        f"{facility_code}".encode(),
        key,
        cert,
        None,
        serialization.BestAvailableEncryption(password.encode("utf-8")),
    )
    return p12, cert.public_bytes(serialization.Encoding.PEM)


def write_demo_certificate(directory: Path, facility_code: str, *, password: str) -> tuple[Path, Path]:
    """Write ``<code>.p12`` and ``<code>.pem`` under ``directory`` unless they exist (for ``make run``)."""
    directory.mkdir(parents=True, exist_ok=True)
    p12_path, pem_path = directory / f"{facility_code}.p12", directory / f"{facility_code}.pem"
    if not (p12_path.exists() and pem_path.exists()):
        p12, pem = create_demo_certificate(facility_code, password=password, now=datetime.now(UTC))
        p12_path.write_bytes(p12)
        p12_path.chmod(0o600)
        pem_path.write_bytes(pem)
    return p12_path, pem_path
