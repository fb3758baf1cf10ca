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
