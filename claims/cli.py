"""The `claims` command line. Each domain registers its own sub-commands here.

Convention: a domain with commands has ``claims/<domain>/cli.py`` defining
``register(app: typer.Typer) -> None``; it is found and called automatically. Keep module-level
imports light there (import heavy things inside the command functions) so the CLI starts fast.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(no_args_is_help=True, help="bhyt-claims: BHYT claims from encounters to payment.")


@app.callback()
def main() -> None:
    """bhyt-claims command line."""


def _settings():  # type: ignore[no-untyped-def]
    """Settings from the environment; a bad CLAIMS_ value exits with one line naming it."""
    from claims.logging import configure_logging
    from claims.settings import load_settings

    settings = load_settings()
    configure_logging(settings.env, settings.log_level)
    return settings


@app.command()
def migrate(revision: str = typer.Option("head", help="target revision")) -> None:
    """Create or upgrade the database schema (Alembic migrations shipped with the package)."""
    from claims.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url, revision)
    typer.echo(f"database at revision {revision}: {_safe_url(settings.database_url)}")


@app.command("make-migration")
def make_migration(message: str = typer.Argument(..., help="what the migration changes")) -> None:
    """(developers) Autogenerate a migration by comparing the models with the database."""
    from claims.migrate import revision

    revision(_settings().database_url, message)


@app.command()
def serve(
    host: str | None = typer.Option(None, help="default CLAIMS_HOST"),
    port: int | None = typer.Option(None, help="default CLAIMS_PORT"),
    workers: int | None = typer.Option(None, help="uvicorn processes; default CLAIMS_WEB_WORKERS"),
) -> None:
    """Run the API and web UI (with the outbox relay, and an in-process worker when no Redis is set)."""
    import uvicorn

    settings = _settings()
    _require_migrated(settings.database_url)
    host, port = host or settings.host, port or settings.port
    mode = "Redis broker" if settings.redis_url else "in-process worker"
    typer.echo(f"bhyt-claims on http://{host}:{port}/  (API docs /docs, {mode})")
    uvicorn.run(
        "workers.embedded:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers or settings.web_workers,
        log_config=None,
        proxy_headers=True,
    )


@app.command()
def worker(
    processes: int | None = typer.Option(None, help="default CLAIMS_WORKER_PROCESSES"),
    threads: int | None = typer.Option(None, help="default CLAIMS_WORKER_THREADS"),
) -> None:
    """Run dramatiq worker processes (production, needs CLAIMS_REDIS_URL) and the outbox relay."""
    import signal
    import subprocess
    import sys

    settings = _settings()
    if not settings.redis_url:
        raise SystemExit(
            "CLAIMS_REDIS_URL: not set; `claims worker` needs Redis (without it `claims serve` runs the worker)"
        )
    _require_migrated(settings.database_url)
    from claims.kit.db import make_engine, make_session_factory
    from claims.submission import outbox
    from workers.broker import setup_broker
    from workers.relay import RelayLoop

    cmd = [
        sys.executable, "-m", "dramatiq", "workers.actors",
        "--processes", str(processes or settings.worker_processes),
        "--threads", str(threads or settings.worker_threads),
    ]  # fmt: skip
    child = subprocess.Popen(cmd)  # noqa: S603 - fixed argv, our own interpreter
    broker = setup_broker(settings.redis_url)
    relay = RelayLoop(make_session_factory(make_engine(settings.database_url)), broker, settings.relay_interval_seconds)
    outbox.on_commit(relay.wake)
    relay.start()

    def stop(signum: int, _frame: object) -> None:
        child.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    code = child.wait()
    relay.stop()
    raise typer.Exit(code)


@app.command("seed-demo")
def seed_demo(
    encounters: int = typer.Option(40, "--encounters", min=0, max=1_000_000, help="how many encounters"),
    seed: int = typer.Option(1, "--seed", help="random seed (same seed, same data)"),
    facility: str = typer.Option("01999", "--facility", help="MA_CSKCB of the demo facility"),
) -> None:
    """Load demo data: a facility, one user per role (passwords printed) and synthetic encounters."""
    from claims.seed import seed as run_seed

    settings = _settings()
    if settings.env == "production":
        raise SystemExit("CLAIMS_ENV: seed-demo refuses to run in production")
    result = run_seed(settings.database_url, encounters=encounters, seed=seed, facility_code=facility)
    typer.echo(
        f"demo facility {result.facility_code} (id {result.facility_id}); "
        f"{result.encounters_added} new encounters ({result.encounters_total} in total), "
        f"{result.claims_priced} claims priced"
    )
    for note in result.notes:
        typer.echo(note)
    if result.warning:
        typer.echo(result.warning, err=True)
    typer.echo("demo logins (username / password):")
    for username, password in result.logins:
        typer.echo(f"  {username:<10} {password}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _require_migrated(url: str) -> None:
    from claims.migrate import is_current

    if not is_current(url):
        raise SystemExit("CLAIMS_DATABASE_URL: database schema is not current; run `claims migrate` first")


def _register_domains() -> None:
    """Call ``register(app)`` of every ``claims/<domain>/cli.py``."""
    from claims.kit.discovery import domain_modules

    for name in domain_modules("cli"):
        register = getattr(importlib.import_module(name), "register", None)
        if callable(register):
            register(app)


_register_domains()

if __name__ == "__main__":  # pragma: no cover
    app()
