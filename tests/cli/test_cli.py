"""The CLI: one-line errors for bad settings, migrate, seed-demo (idempotent, every role logs in)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from claims.cli import app

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMS_")}
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "claims", *args], env={**clean, **env}, cwd=cwd, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CLAIMS_DATABASE_URL", "not a url"),
        ("CLAIMS_DATABASE_URL", "mysql://x@y/z"),
        ("CLAIMS_REDIS_URL", "http://localhost:6379"),
        ("CLAIMS_PORT", "eighty"),
        ("CLAIMS_ENV", "staging"),
        ("CLAIMS_LOG_LEVEL", "LOUD"),
    ],
)
def test_bad_setting_stops_with_one_line_naming_it(tmp_path, name, value):
    r = _run(["migrate"], {name: value}, tmp_path)
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert name in lines[0]
    assert "Traceback" not in r.stderr


def test_production_needs_a_secret_key(tmp_path):
    r = _run(["migrate"], {"CLAIMS_ENV": "production"}, tmp_path)
    assert r.returncode != 0 and "CLAIMS_SECRET_KEY" in r.stderr.strip().splitlines()[0]


def test_migrate_then_seed_demo_is_idempotent_and_every_role_logs_in(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    monkeypatch.setenv("CLAIMS_DATABASE_URL", url)
    runner = CliRunner()
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    first = runner.invoke(app, ["seed-demo", "--encounters", "12", "--seed", "7"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, ["seed-demo", "--encounters", "12", "--seed", "7"])
    assert second.exit_code == 0, second.output
    for role in ("billing", "finance", "insurer", "admin"):
        assert f"demo-{role}-2026" in first.output

    from claims.app import create_app
    from claims.settings import Settings

    with TestClient(create_app(Settings(database_url=url))) as client:
        for role in ("billing", "finance", "insurer", "admin"):
            r = client.post("/api/auth/token", json={"username": role, "password": f"demo-{role}-2026"})
            assert r.status_code == 200, role
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        users = client.get("/api/users", headers=headers).json()
        assert users["total"] == 4
        try:
            import claims.demo.generator  # noqa: F401
            from claims.demo.catalogue import sample_catalogue_items  # noqa: F401
        except ImportError:
            return
        encounters = client.get("/api/encounters", headers=headers).json()
        assert encounters["total"] == 12  # the second run added nothing


def test_seed_demo_refused_in_production(tmp_path):
    r = _run(["seed-demo"], {"CLAIMS_ENV": "production", "CLAIMS_SECRET_KEY": "x" * 32,
                             "CLAIMS_DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"}, tmp_path)  # fmt: skip
    assert r.returncode != 0 and "production" in r.stderr


def test_worker_needs_redis(tmp_path):
    r = _run(["worker"], {"CLAIMS_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}"}, tmp_path)
    assert r.returncode != 0 and "CLAIMS_REDIS_URL" in r.stderr


def test_serve_refuses_unmigrated_database(tmp_path):
    r = _run(["serve"], {"CLAIMS_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}, tmp_path)
    assert r.returncode != 0 and "claims migrate" in r.stderr


def test_domain_cli_convention_is_discovered(tmp_path):
    r = _run(["--help"], {}, tmp_path)
    assert r.returncode == 0
    for command in ("serve", "worker", "migrate", "seed-demo"):
        assert command in r.stdout


def test_domain_demo_hooks_run_in_their_own_transaction(tmp_path, monkeypatch):
    import claims.kit.discovery as discovery
    from claims.migrate import upgrade
    from claims.seed import seed
    from tests.cli import demo_hook

    real = discovery.domain_modules
    monkeypatch.setattr(discovery, "domain_modules", lambda n: ["tests.cli.demo_hook"] if n == "demo" else real(n))
    url = f"sqlite:///{tmp_path / 'hook.db'}"
    upgrade(url)
    result = seed(url, encounters=0, seed=5, facility_code="01999")
    assert demo_hook.calls == [("01999", 5)]
    assert result.notes == ["demo hook: 1 thing added"]
