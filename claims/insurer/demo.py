"""``claims seed-demo`` hook: the demo facility's account at the embedded office (``<code>_BV`` with the
gateway password of the settings and, when the hospital signs, its certificate), so that the hospital can
send to ``/gateway`` straight away. Idempotent: re-running updates the account."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from claims.auth.scope import Principal
from claims.catalogue.models import Facility
from claims.insurer.models import OfficeFacility
from claims.insurer.office import demo_account


def seed_demo(session: Session, actor: Principal, facility: Facility, seed: int) -> str | None:
    from cryptography.hazmat.primitives.serialization import Encoding

    from claims.settings import get_settings

    settings = get_settings()
    account = demo_account(
        facility.ma_cskcb, settings.gateway_password, p12=settings.signing_p12,
        p12_password=settings.signing_p12_password, hospital_class=facility.hospital_class, level=facility.level,
    )  # fmt: skip
    row: Any = session.scalar(select(OfficeFacility).where(OfficeFacility.username == account.username))
    if row is None:
        row = OfficeFacility(username=account.username)
        session.add(row)
    row.password_md5, row.facility_code = account.password_md5, account.facility_code
    row.hospital_class, row.level = account.hospital_class, account.level
    row.certificate_pem = (
        account.certificate.public_bytes(Encoding.PEM).decode("ascii") if account.certificate is not None else None
    )
    signed = "with its signing certificate" if account.certificate is not None else "without a certificate"
    return f"office gateway account {account.username} registered {signed}"
