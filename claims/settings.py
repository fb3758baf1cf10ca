"""Service settings: one pydantic-settings class, environment prefix ``CLAIMS_``.

Defaults are safe for a single machine (SQLite under ./var, no Redis, in-process worker) so
``claims serve`` works on a fresh clone; production sets CLAIMS_DATABASE_URL and CLAIMS_REDIS_URL.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_DEV_SECRET = "dev-insecure-secret-key-change-me"  # noqa: S105 - refused in production below


def _default_shared_dir() -> Path:
    # The shared reference folder sits beside the clone (../shared); this file is claims/settings.py.
    return Path(__file__).resolve().parents[1] / ".." / "shared"


class Settings(BaseSettings):
    """Every ``CLAIMS_*`` environment variable the service reads (also read from ./.env)."""

    model_config = SettingsConfigDict(
        env_prefix="CLAIMS_", env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    env: Literal["dev", "production"] = Field("dev", description="dev or production")
    database_url: str = Field("sqlite:///./var/claims.db", description="SQLAlchemy database URL")
    db_pool_size: int = Field(5, ge=1, le=200, description="connection pool size (PostgreSQL)")
    redis_url: str | None = Field(None, description="Redis URL for the broker; unset = in-process broker")
    secret_key: str = Field(_DEV_SECRET, min_length=16, description="key signing tokens and cookies")
    token_ttl_seconds: int = Field(8 * 3600, ge=60, description="lifetime of bearer tokens and sessions")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    host: str = Field("127.0.0.1", description="address `claims serve` binds to")
    port: int = Field(8000, ge=1, le=65535, description="port `claims serve` listens on")
    web_workers: int = Field(1, ge=1, le=64, description="uvicorn processes started by `claims serve`")
    worker_processes: int = Field(2, ge=1, le=64, description="dramatiq processes for `claims worker`")
    worker_threads: int = Field(4, ge=1, le=64, description="threads per dramatiq process")
    relay_interval_seconds: float = Field(1.0, gt=0, le=3600, description="outbox relay polling period")
    shared_dir: Path = Field(default_factory=_default_shared_dir, description="spec and samples folder")
    language: Literal["vi", "en"] = Field("vi", description="default language of the web UI")
    cookie_secure: bool = Field(False, description="mark the session cookie Secure (behind HTTPS)")
    gateway_url: str = Field(
        "http://127.0.0.1:8000/gateway", description="the social insurance office gateway claims are sent to"
    )
    gateway_password: str = Field(
        "demo-gateway-2026", description="password of the facilities' gateway accounts (`<MA_CSKCB>_BV`)"
    )
    signing_p12: Path | None = Field(None, description="PKCS#12 file of the facility's signing certificate")
    signing_p12_password: str = Field("", description="password of the PKCS#12 file")

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"not a database URL: {exc}") from None
        if url.get_backend_name() not in {"sqlite", "postgresql"}:
            raise ValueError("only sqlite:// and postgresql+psycopg:// are supported")
        if url.drivername in {"postgresql", "postgres"}:
            # psycopg (3) is the driver we ship; a bare postgresql:// would ask for psycopg2.
            return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        return value

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        from urllib.parse import urlsplit

        parts = urlsplit(value)
        if parts.scheme not in {"redis", "rediss", "unix"}:
            raise ValueError("must start with redis://, rediss:// or unix://")
        try:
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError:
            raise ValueError("bad port") from None
        return value

    @model_validator(mode="after")
    def _refuse_dev_secret_in_production(self) -> Settings:
        if self.env == "production" and self.secret_key == _DEV_SECRET:
            raise ValueError("secret_key: set CLAIMS_SECRET_KEY in production")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


class SettingsError(SystemExit):
    """Start-up refused because of a bad setting; the message is one line naming the setting."""


def describe_error(exc: ValidationError) -> str:
    """One line naming each bad setting by its environment variable."""
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        if not loc and ":" in msg:
            loc, msg = (s.strip() for s in msg.split(":", 1))
        name = f"CLAIMS_{loc.upper()}" if loc else "CLAIMS_*"
        parts.append(f"{name}: {msg}")
    return "invalid setting " + "; ".join(parts)


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment; a bad value raises SettingsError with one line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(describe_error(exc)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings (cached)."""
    return load_settings()


def shared_dir() -> Path:
    """The shared spec/samples folder (CLAIMS_SHARED_DIR or ../shared beside the clone)."""
    env = os.environ.get("CLAIMS_SHARED_DIR")
    return Path(env) if env else _default_shared_dir()
