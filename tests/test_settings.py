from __future__ import annotations

import pytest

from claims.settings import Settings, SettingsError, load_settings


def test_defaults_work_on_a_fresh_machine():
    s = Settings()
    assert s.database_url.startswith("sqlite:///") and s.redis_url is None and s.env == "dev"


def test_environment_prefix(monkeypatch):
    monkeypatch.setenv("CLAIMS_PORT", "9000")
    monkeypatch.setenv("CLAIMS_REDIS_URL", "redis://127.0.0.1:6379/3")
    s = load_settings()
    assert s.port == 9000 and s.redis_url == "redis://127.0.0.1:6379/3"


@pytest.mark.parametrize(
    ("env", "value"),
    [("CLAIMS_DATABASE_URL", "::::"), ("CLAIMS_REDIS_URL", "redis://h:notaport/0"), ("CLAIMS_SECRET_KEY", "short"),
     ("CLAIMS_PORT", "70000")],
)  # fmt: skip
def test_bad_value_is_one_line_naming_the_variable(monkeypatch, env, value):
    monkeypatch.setenv(env, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    message = str(info.value)
    assert "\n" not in message and env in message


def test_empty_redis_url_means_none(monkeypatch):
    monkeypatch.setenv("CLAIMS_REDIS_URL", "")
    assert load_settings().redis_url is None


def test_bare_postgresql_url_uses_psycopg(monkeypatch):
    monkeypatch.setenv("CLAIMS_DATABASE_URL", "postgresql://u:p%40ss@db:5432/claims")
    assert load_settings().database_url == "postgresql+psycopg://u:p%40ss@db:5432/claims"
