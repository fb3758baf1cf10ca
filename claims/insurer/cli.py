"""``claims insurer …``: run the office gateway, make demo certificates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

DEMO_FACILITY = "01001"
DEMO_PASSWORD = "demo-password"  # noqa: S105 - the documented demo account, refused nowhere but useless outside demos
DEMO_CERT_PASSWORD = "demo"  # noqa: S105 - protects the demo PKCS#12 file only


def register(app: typer.Typer) -> None:
    """Add the ``insurer`` command group to the ``claims`` CLI."""
    insurer = typer.Typer(no_args_is_help=True, help="The insurer's office gateway (receiving side).")
    app.add_typer(insurer, name="insurer")

    @insurer.command("serve")
    def serve(
        host: Annotated[str, typer.Option(help="address to bind")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="port to listen on")] = 8090,
        accounts: Annotated[
            Path | None,
            typer.Option(help="JSON list of {username, password|password_md5, facility_code, certificate(PEM path)}"),
        ] = None,
        cert_dir: Annotated[Path, typer.Option(help="where the demo certificate lives")] = Path("var/certs"),
        require_signature: Annotated[bool, typer.Option(help="refuse unsigned files")] = True,
        fault_seed: Annotated[int, typer.Option(help="seed of the injected faults")] = 0,
        error_rate: Annotated[float, typer.Option(help="share of HTTP 500 before storing")] = 0.0,
        error_after_rate: Annotated[float, typer.Option(help="share of HTTP 500 after storing")] = 0.0,
        timeout_rate: Annotated[float, typer.Option(help="share of answers later than the client waits")] = 0.0,
        reject_rate: Annotated[float, typer.Option(help="share of refusals (maKetQua 202)")] = 0.0,
        slow_rate: Annotated[float, typer.Option(help="share of slow answers")] = 0.0,
        slow_seconds: Annotated[float, typer.Option(help="delay of a slow answer")] = 2.0,
        timeout_seconds: Annotated[float, typer.Option(help="delay of a timed-out answer")] = 35.0,
    ) -> None:
        """Serve the office gateway (the real gateway's endpoints + our /api/ext/ extension)."""
        import uvicorn

        from claims.insurer import FaultConfig, InMemoryGatewayStore, create_gateway_app

        store = InMemoryGatewayStore()
        for facility in _load_accounts(accounts, cert_dir):
            store.add_facility(facility)
            typer.echo(f"registered facility {facility.facility_code} as {facility.username}")
        faults = FaultConfig(
            seed=fault_seed,
            error_rate=error_rate,
            error_after_rate=error_after_rate,
            timeout_rate=timeout_rate,
            reject_rate=reject_rate,
            slow_rate=slow_rate,
            slow_seconds=slow_seconds,
            timeout_seconds=timeout_seconds,
        )
        gateway_app = create_gateway_app(store, faults=faults, require_signature=require_signature)
        uvicorn.run(gateway_app, host=host, port=port, log_level="warning")

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
    from claims.submission.signing import load_certificate, write_demo_certificate

    if path is None:
        # The demo account: 01001_BV / demo-password, signing with var/certs/01001.p12 (password "demo").
        _p12, pem = write_demo_certificate(cert_dir, DEMO_FACILITY, password=DEMO_CERT_PASSWORD)
        return [
            RegisteredFacility(
                f"{DEMO_FACILITY}_BV", password_hash(DEMO_PASSWORD), DEMO_FACILITY, load_certificate(pem.read_bytes())
            )
        ]
    facilities = []
    for entry in json.loads(path.read_text(encoding="utf-8")):
        md5 = entry.get("password_md5") or password_hash(entry["password"])
        cert_path = entry.get("certificate")
        certificate = load_certificate((path.parent / cert_path).read_bytes()) if cert_path else None
        facilities.append(RegisteredFacility(entry["username"], md5.upper(), entry["facility_code"], certificate))
    return facilities
