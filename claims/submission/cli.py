"""`claims submit`: batch the approved claims of a period and queue them for sending."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def submit(
        period: str = typer.Option(..., help="settlement month, yyyy-mm (e.g. 2026-10)"),
        facility: str | None = typer.Option(None, help="MA_CSKCB; default: every facility"),
    ) -> None:
        """Put the approved claims of PERIOD in a batch per facility; workers send them exactly once."""
        from sqlalchemy import select

        from claims.auth.scope import system_principal
        from claims.catalogue.models import Facility
        from claims.kit.db import begin_write, make_engine, make_session_factory
        from claims.settings import load_settings
        from claims.submission.service import ClaimsBlocked, NothingToBatch, create_batch

        digits = period.replace("-", "")
        if len(digits) != 6 or not digits.isdigit():
            raise typer.BadParameter("expected yyyy-mm", param_hint="--period")
        settings = load_settings()
        actor = system_principal("cli-submit")
        factory = make_session_factory(make_engine(settings.database_url))
        failed = False
        with factory() as session:
            query = select(Facility).order_by(Facility.ma_cskcb)
            if facility:
                query = query.where(Facility.ma_cskcb == facility)
            for fac in session.scalars(query).all():
                begin_write(session)
                try:
                    batch = create_batch(session, actor, fac.id, digits)
                    session.commit()
                    typer.echo(f"{fac.ma_cskcb}: batch {batch.id} with {batch.claim_count} claims queued")
                except NothingToBatch:
                    session.rollback()
                    typer.echo(f"{fac.ma_cskcb}: no approved claim in {period}")
                except ClaimsBlocked as exc:
                    session.rollback()
                    failed = True
                    typer.echo(f"{fac.ma_cskcb}: blocked by {len(exc.details['findings'])} findings", err=True)
                    for finding in exc.details["findings"][:20]:
                        typer.echo(f"  claim {finding['claim_id']} {finding['code']}: {finding['message']}", err=True)
        raise typer.Exit(1 if failed else 0)
