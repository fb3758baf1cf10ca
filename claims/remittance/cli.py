"""``claims reconcile --period 2026-10``: match the office's answers of a period and show the figures;
``claims remittance import``: import an assessment or notice file."""

from __future__ import annotations

from pathlib import Path

import typer


def _period(value: str) -> str:
    digits = value.replace("-", "")
    if len(digits) != 6 or not digits.isdigit() or not 1 <= int(digits[4:]) <= 12:
        raise typer.BadParameter("expected yyyy-mm", param_hint="--period")
    return digits


def register(app: typer.Typer) -> None:
    @app.command()
    def reconcile(
        period: str = typer.Option(..., help="settlement month, yyyy-mm (e.g. 2026-10)"),
        facility: str | None = typer.Option(None, help="MA_CSKCB; default: every facility"),
        close: bool = typer.Option(False, "--close", help="close the period afterwards (freezes its totals)"),
    ) -> None:
        """Match the answers and payments of PERIOD to the claims sent, rebuild variances and denials."""
        from sqlalchemy import select

        from claims.auth.scope import system_principal
        from claims.catalogue.models import Facility
        from claims.kit.db import begin_write, make_engine, make_session_factory
        from claims.remittance import service
        from claims.settings import load_settings
        from claims.settlement import service as settlement

        digits = _period(period)
        actor = system_principal("cli-reconcile")
        factory = make_session_factory(make_engine(load_settings().database_url))
        failed = False
        with factory() as session:
            query = select(Facility).order_by(Facility.ma_cskcb)
            if facility:
                query = query.where(Facility.ma_cskcb == facility)
            for fac in session.scalars(query).all():
                begin_write(session)
                counts = service.reconcile(session, actor, fac.id, digits)
                if close and not counts["closed"]:
                    settlement.close_period(session, actor, fac.id, digits)
                session.commit()
                s = settlement.summary(session, actor, fac.id, digits)
                session.rollback()
                typer.echo(
                    f"{fac.ma_cskcb} {period}{' (closed)' if s.closed else ''}: {s.claims} claims; lines matched "
                    f"{counts['lines_exact']} exact, {counts['lines_moved']} by rule, "
                    f"{counts['lines_unmatched']} unmatched"
                )
                typer.echo(
                    f"  claimed {s.claimed}  approved {s.approved}  disallowed {s.disallowed}  paid {s.paid}  "
                    f"outstanding {s.outstanding}  not assessed {s.not_assessed}"
                )
                for code, amount in s.disallowed_by_reason.items():
                    typer.echo(f"  disallowed {code}: {amount}")
                typer.echo(f"  adds up to the claimed total: {'yes' if s.adds_up else 'NO'}")
                failed = failed or not s.adds_up
        raise typer.Exit(1 if failed else 0)

    remittance = typer.Typer(no_args_is_help=True, help="The office's answers: assessment results, payment notices.")
    app.add_typer(remittance, name="remittance")

    @remittance.command("import")
    def import_(
        path: Path = typer.Argument(..., exists=True, dir_okay=False, help="JSON, CSV or (notices) XLSX file"),
        kind: str = typer.Option(..., help="assessment | notice"),
        entered_by: str | None = typer.Option(None, help="who keyed a notice in by hand (manual files)"),
    ) -> None:
        """Import an office file; importing the same file twice changes nothing."""
        from claims.auth.scope import system_principal
        from claims.kit.db import begin_write, make_engine, make_session_factory
        from claims.remittance import service
        from claims.settings import load_settings

        factory = make_session_factory(make_engine(load_settings().database_url))
        with factory() as session:
            begin_write(session)
            outcome = service.import_file(
                session, system_principal("cli-import"), kind, path.name, path.read_bytes(),
                source="manual" if entered_by else "file", entered_by=entered_by,
            )  # fmt: skip
            session.commit()
        state = "already imported" if outcome.duplicate else f"{outcome.records} records"
        typer.echo(f"{path.name}: import {outcome.import_id}, {state}, {len(outcome.errors)} errors")
        for error in outcome.errors[:20]:
            typer.echo(f"  {error['where']}: {error['field']}: {error['message']}", err=True)

    @remittance.command("fetch")
    def fetch(
        period: str = typer.Option(..., help="settlement month, yyyy-mm"),
        facility: str | None = typer.Option(None, help="MA_CSKCB; default: every facility"),
        gateway_url: str | None = typer.Option(None, help="office gateway; default CLAIMS_GATEWAY_URL"),
    ) -> None:
        """Fetch the office's assessment results and payment notices of PERIOD by API, store and reconcile them
        (fetching twice stores nothing new)."""
        from sqlalchemy import select

        from claims.catalogue.models import Facility
        from claims.kit.db import make_engine, make_session_factory
        from claims.portal.sync import SyncGateway
        from claims.settings import load_settings
        from workers.results import run

        _period(period)
        settings = load_settings()
        factory = make_session_factory(make_engine(settings.database_url))
        gateway = SyncGateway(gateway_url or settings.gateway_url)
        try:
            with factory() as session:
                query = select(Facility.id).order_by(Facility.ma_cskcb)
                if facility:
                    query = query.where(Facility.ma_cskcb == facility)
                ids = list(session.scalars(query))
            for facility_id in ids:
                outcome = run(factory, gateway, settings.gateway_password, facility_id, period)
                if outcome is None:
                    continue
                state = "new answers stored" if outcome.new_answers else "nothing new"
                statuses = outcome.reconciled.get("statuses", {})
                typer.echo(
                    f"{outcome.facility_code} {outcome.period}: {outcome.results} results, {outcome.notices} notices "
                    f"({state}); claims moved: {statuses}"
                )
        finally:
            gateway.close()
