import json
from pathlib import Path

from typer.testing import CliRunner

from claims.cli import app
from claims.insurer.cli import _load_accounts
from claims.portal import password_hash
from claims.submission.signing import Pkcs12Signer


def test_demo_cert_is_created_once(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["insurer", "demo-cert", "--facility", "04004", "--cert-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    p12 = (tmp_path / "04004.p12").read_bytes()
    assert Pkcs12Signer.from_bytes(p12, "demo").certificate is not None
    runner.invoke(app, ["insurer", "demo-cert", "--facility", "04004", "--cert-dir", str(tmp_path)])
    assert (tmp_path / "04004.p12").read_bytes() == p12  # not overwritten


def test_accounts_file_and_demo_default(tmp_path: Path) -> None:
    demo = _load_accounts(None, tmp_path)
    assert demo[0].username == "01999_BV" and demo[0].certificate is not None
    (tmp_path / "accounts.json").write_text(
        json.dumps(
            [
                {"username": "05005_BV", "password": "pw", "facility_code": "05005", "certificate": "01999.pem"},
                {"username": "06006_BV", "password_md5": password_hash("x").lower(), "facility_code": "06006"},
            ]
        )
    )
    loaded = _load_accounts(tmp_path / "accounts.json", tmp_path)
    assert loaded[0].password_md5 == password_hash("pw") and loaded[0].certificate == demo[0].certificate
    assert loaded[1].password_md5 == password_hash("x") and loaded[1].certificate is None


def test_office_administration_commands(tmp_path: Path) -> None:
    """register → (claims received) → assess → advance → settle, on the office's own database."""
    import asyncio

    from claims.exchange.signature import sign_document
    from claims.insurer.office import create_office_app
    from claims.kit.db import make_engine
    from tests.gateway_support import client_for, demo_signer
    from tests.insurer.claims_support import demo_claims

    url = f"sqlite:///{tmp_path / 'office.db'}"
    runner = CliRunner()
    pem = tmp_path / "01999.pem"
    from cryptography.hazmat.primitives.serialization import Encoding

    pem.write_bytes(demo_signer("01999").certificate.public_bytes(Encoding.PEM))
    command = ["insurer", "register", "--facility", "01999", "--password", "pw", "--certificate", str(pem)]
    result = runner.invoke(app, [*command, "--hospital-class", "II", "--level", "tỉnh", "--database-url", url])
    assert result.exit_code == 0 and "with its certificate" in result.output, result.output

    engine = make_engine(url)
    office = create_office_app(engine)
    from claims.portal import FacilityAccount

    account = FacilityAccount.from_password("01999_BV", "pw", "01999")

    async def send() -> None:
        async with client_for(office) as client:
            for hoso, envelope in demo_claims()[:4]:
                receipt = await client.submit(account, sign_document(envelope, demo_signer("01999")), ma_lk=hoso.ma_lk)
                assert receipt.ok, receipt

    asyncio.run(send())
    engine.dispose()
    assessed = runner.invoke(app, ["insurer", "assess", "--database-url", url])
    assert assessed.exit_code == 0 and "assessed 4 claims; disallowed 0" in assessed.output, assessed.output
    advance = runner.invoke(app, ["insurer", "advance", "--facility", "01999", "--period", "2026-10", "--amount",
                                  "1000", "--database-url", url])  # fmt: skip
    assert advance.exit_code == 0 and "TU-01999-2026-10-1: advance 1000 on 4 claims" in advance.output
    settle = runner.invoke(app, ["insurer", "settle", "--period", "2026-10", "--database-url", url])
    assert settle.exit_code == 0 and "QT-01999-2026-10" in settle.output and "advances 1000" in settle.output
