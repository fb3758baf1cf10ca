"""``claims insurer …``: run the office gateway on its own database, register accounts, assess, issue
payment notices, make demo certificates."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer

DEMO_FACILITY = "01999"  # the facility `claims seed-demo` creates
DEMO_CERT_PASSWORD = "demo"  # noqa: S105 - protects the demo PKCS#12 file only
OFFICE_DB_ENV = "CLAIMS_OFFICE_DATABASE_URL"
DEFAULT_OFFICE_DB = "sqlite:///./var/office.db"

DatabaseOption = Annotated[
    str | None,
    typer.Option("--database-url", help=f"the office's database; default ${OFFICE_DB_ENV} or {DEFAULT_OFFICE_DB}"),
]


def _engine(database_url: str | None) -> Any:
    from claims.kit.db import make_engine
    from claims.migrate import upgrade

    url = database_url or os.environ.get(OFFICE_DB_ENV) or DEFAULT_OFFICE_DB
    upgrade(url)  # the office's tables come with the one migration chain
    return make_engine(url)


def _store(database_url: str | None) -> Any:
    from claims.insurer.sqlstore import SqlGatewayStore

    return SqlGatewayStore(_engine(database_url))


def register(app: typer.Typer) -> None:
    """Add the ``insurer`` command group to the ``claims`` CLI."""
    insurer = typer.Typer(no_args_is_help=True, help="The insurer's office gateway (receiving side).")
    app.add_typer(insurer, name="insurer")

    @insurer.command("serve")
    def serve(
        database_url: DatabaseOption = None,
        host: Annotated[str, typer.Option(help="address to bind")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="port to listen on")] = 8090,
        accounts: Annotated[
            Path | None,
            typer.Option(help="JSON list of {username, password|password_md5, facility_code, certificate(PEM path)}"),
        ] = None,
        cert_dir: Annotated[Path, typer.Option(help="where the demo certificate lives")] = Path("var/certs"),
        require_signature: Annotated[bool, typer.Option(help="refuse unsigned files")] = True,
        validate: Annotated[bool, typer.Option(help="schemas + check catalogue on receipt")] = True,
        fault_seed: Annotated[int, typer.Option(help="seed of the injected faults")] = 0,
        error_rate: Annotated[float, typer.Option(help="share of HTTP 500 before storing")] = 0.0,
        error_after_rate: Annotated[float, typer.Option(help="share of HTTP 500 after storing")] = 0.0,
        timeout_rate: Annotated[float, typer.Option(help="share of answers later than the client waits")] = 0.0,
        reject_rate: Annotated[float, typer.Option(help="share of refusals (maKetQua 202)")] = 0.0,
        slow_rate: Annotated[float, typer.Option(help="share of slow answers")] = 0.0,
        slow_seconds: Annotated[float, typer.Option(help="delay of a slow answer")] = 2.0,
        timeout_seconds: Annotated[float, typer.Option(help="delay of a timed-out answer")] = 35.0,
        workers: Annotated[int, typer.Option(help="processes (receiving is CPU-bound: one per core)")] = 1,
        assess_every: Annotated[
            float, typer.Option(help="assess arriving claims every N seconds (0: when asked)")
        ] = 5.0,
    ) -> None:
        """Serve the office gateway (the real gateway's endpoints + our /api/ext/ extension) on its database."""
        import uvicorn

        from claims.insurer import FaultConfig
        from claims.insurer.office import CONFIG_ENV
        from claims.insurer.sqlstore import SqlGatewayStore

        url = database_url or os.environ.get(OFFICE_DB_ENV) or DEFAULT_OFFICE_DB
        store = SqlGatewayStore(_engine(url))
        for facility in _load_accounts(accounts, cert_dir):
            store.add_facility(facility)
            typer.echo(f"registered facility {facility.facility_code} as {facility.username}")
        faults = dict(
            seed=fault_seed, error_rate=error_rate, error_after_rate=error_after_rate, timeout_rate=timeout_rate,
            reject_rate=reject_rate, slow_rate=slow_rate, slow_seconds=slow_seconds, timeout_seconds=timeout_seconds,
        )  # fmt: skip
        FaultConfig(**faults)  # type: ignore[arg-type] # refuse bad rates before starting
        os.environ[CONFIG_ENV] = json.dumps(
            {
                "database_url": url,
                "faults": faults,
                "require_signature": require_signature,
                "validate": validate,
                "assess_every": assess_every or None,
            }
        )
        uvicorn.run(
            "claims.insurer.office:app_from_env", factory=True, host=host, port=port, workers=workers,
            log_level="warning",
        )  # fmt: skip

    @insurer.command("assess")
    def assess(
        database_url: DatabaseOption = None,
        facility: Annotated[str | None, typer.Option(help="MA_CSKCB; default every facility")] = None,
    ) -> None:
        """Assess every received claim version that has no result yet (re-priced with the office tariff)."""
        from datetime import UTC, datetime

        from claims.insurer.assessment import assess_pending
        from claims.insurer.office import tariff_assessor

        store = _store(database_url)
        results = assess_pending(store, tariff_assessor(store), datetime.now(UTC), facility)
        disallowed = sum((r.disallowed for r in results), start=0)
        typer.echo(f"assessed {len(results)} claims; disallowed {disallowed}")

    @insurer.command("advance")
    def advance(
        facility: Annotated[str, typer.Option(help="MA_CSKCB")],
        period: Annotated[str, typer.Option(help="yyyy-mm")],
        amount: Annotated[str, typer.Option(help="amount advanced (VND, exact)")],
        notice_id: Annotated[str | None, typer.Option(help="default TU-<facility>-<period>-<n>")] = None,
        database_url: DatabaseOption = None,
    ) -> None:
        """Record an advance payment (tạm ứng) notice for the facility's period."""
        from datetime import UTC, datetime
        from decimal import Decimal

        from claims.insurer.assessment import record_advance

        store = _store(database_url)
        n = len([x for x in store.notices(facility, period) if x.kind == "advance"]) + 1
        notice = record_advance(store, facility, period, Decimal(amount), datetime.now(UTC).date(),
                                notice_id or f"TU-{facility}-{period}-{n}")  # fmt: skip
        typer.echo(f"{notice.notice_id}: advance {notice.amount} on {notice.claims} claims received")

    @insurer.command("settle")
    def settle(
        period: Annotated[str, typer.Option(help="yyyy-mm")],
        facility: Annotated[str | None, typer.Option(help="MA_CSKCB; default every facility with claims")] = None,
        notice_id: Annotated[str | None, typer.Option(help="default QT-<facility>-<period>")] = None,
        database_url: DatabaseOption = None,
    ) -> None:
        """Assess what is pending, then issue the settlement (quyết toán) notice of the period per facility."""
        from datetime import UTC, datetime

        from claims.insurer.assessment import assess_pending, settle_period
        from claims.insurer.office import tariff_assessor

        store = _store(database_url)
        now = datetime.now(UTC)
        assess_pending(store, tariff_assessor(store), now, facility)
        codes = [facility] if facility else sorted({f.facility_code for f in store.facilities()})
        for code in codes:
            if not store.assessments(code, period):
                continue
            notice = settle_period(store, code, period, now.date(), notice_id or f"QT-{code}-{period}")
            typer.echo(
                f"{notice.notice_id}: {notice.claims} claims, approved {notice.approved}, "
                f"advances {notice.advances}, paid {notice.amount}"
            )

    @insurer.command("register")
    def register_account(
        facility: Annotated[str, typer.Option(help="MA_CSKCB")],
        password: Annotated[str, typer.Option(help="the account's password")],
        certificate: Annotated[Path | None, typer.Option(help="PEM certificate the facility signs with")] = None,
        hospital_class: Annotated[str | None, typer.Option(help="hospital class (sets the price class)")] = None,
        level: Annotated[str | None, typer.Option(help="facility level (tỉnh, huyện …)")] = None,
        database_url: DatabaseOption = None,
    ) -> None:
        """Register (or update) the facility's gateway account <code>_BV."""
        from claims.insurer import RegisteredFacility
        from claims.portal import password_hash
        from claims.submission.signing import load_certificate

        cert = load_certificate(certificate.read_bytes()) if certificate else None
        _store(database_url).add_facility(
            RegisteredFacility(f"{facility}_BV", password_hash(password), facility, cert, hospital_class, level)
        )
        typer.echo(f"registered {facility}_BV{' with its certificate' if cert else ''}")

    @insurer.command("demo-cert")
    def demo_cert(
        facility: Annotated[str, typer.Option(help="facility code")] = DEMO_FACILITY,
        cert_dir: Annotated[Path, typer.Option(help="output folder")] = Path("var/certs"),
        password: Annotated[str, typer.Option(help="PKCS#12 password")] = DEMO_CERT_PASSWORD,
    ) -> None:
        """Create a self-signed demo signing certificate (<code>.p12 + <code>.pem) unless it exists."""
        from claims.submission.signing import write_demo_certificate

        p12, pem = write_demo_certificate(cert_dir, facility, password=password)
        typer.echo(f"{p12}\n{pem}")


def _load_accounts(path: Path | None, cert_dir: Path) -> list:  # type: ignore[type-arg]
    from claims.insurer import RegisteredFacility
    from claims.portal import password_hash
    from claims.settings import get_settings
    from claims.submission.signing import load_certificate, write_demo_certificate

    if path is None:
        # The demo account, as the hospital's demo sends: <01999>_BV with CLAIMS_GATEWAY_PASSWORD, signing with
        # var/certs/01999.p12 (password "demo"; created when missing), priced as a class II provincial hospital.
        _p12, pem = write_demo_certificate(cert_dir, DEMO_FACILITY, password=DEMO_CERT_PASSWORD)
        return [
            RegisteredFacility(
                f"{DEMO_FACILITY}_BV",
                password_hash(get_settings().gateway_password),
                DEMO_FACILITY,
                load_certificate(pem.read_bytes()),
                "II",
                "tỉnh",
            )
        ]
    facilities = []
    for entry in json.loads(path.read_text(encoding="utf-8")):
        md5 = entry.get("password_md5") or password_hash(entry["password"])
        cert_path = entry.get("certificate")
        certificate = load_certificate((path.parent / cert_path).read_bytes()) if cert_path else None
        facilities.append(
            RegisteredFacility(
                entry["username"],
                md5.upper(),
                entry["facility_code"],
                certificate,
                entry.get("hospital_class"),
                entry.get("level"),
            )
        )
    return facilities
