"""`claims import`: import encounter files into the database and print each import's report;
`claims hl7-listen`: receive HL7 v2 over MLLP and store what arrives.

Each file is an import run (kept in the import log, committed after every batch), exactly as an upload
through the API; pricing and checks are queued through the outbox. ``--dry-run`` only reads, maps and
reports, keeping encounters in memory.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from claims.intake.mapping import EMPTY_MAPPING, CodeMapping
from claims.intake.report import ImportReport
from claims.intake.sources import FORMATS, import_file


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
    app.command("hl7-listen")(listen_command)


def import_command(
    files: Annotated[
        list[Path], typer.Argument(help="Encounter files: FHIR JSON/NDJSON, HL7 v2, XML 130, CSV or XLSX.")
    ],
    fmt: Annotated[str, typer.Option("--format", help=f"auto or one of {', '.join(FORMATS)}.")] = "auto",
    facility: Annotated[str | None, typer.Option("--facility", help="Facility code (MA_CSKCB) importing.")] = None,
    mapping_file: Annotated[
        Path | None, typer.Option("--mapping", help="CSV kind,his_code,insurer_code[,group,cost_group].")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the reports as JSON.")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Read, map and report only; store nothing (no database needed).")
    ] = False,
) -> None:
    """Import encounter files and print what was imported, updated, unchanged and what failed, and why."""
    if fmt != "auto" and fmt not in FORMATS:
        raise typer.BadParameter(f"--format must be auto or one of {', '.join(FORMATS)}")
    mapping = CodeMapping.from_csv(mapping_file, facility or "") if mapping_file else None
    if dry_run:
        from claims.intake.service import InMemoryRepository

        repository = InMemoryRepository(keep_encounters=False)
        reports = [
            import_file(path, repository, fmt=fmt, facility_code=facility, mapping=mapping or EMPTY_MAPPING)
            for path in files
        ]
    else:
        reports = _import_into_database(files, fmt, facility, mapping)
    if as_json:
        typer.echo(json.dumps([report.as_dict() for report in reports], ensure_ascii=False, indent=2))
    else:
        for report in reports:
            typer.echo(report.summary())
            for error in report.file_errors:
                typer.echo(f"  file: {error}")
            for failure in report.failures:
                typer.echo(f"  failed {failure.record}: {failure.reason}")
            for note in report.notes:
                typer.echo(f"  ignored {note}")
            for finding in report.findings[:50]:
                typer.echo(f"  finding {finding.code} {finding.record}: {finding.message}")
            total = sum(report.finding_counts.values())
            if total > 50:
                counts = ", ".join(f"{code} {count}" for code, count in sorted(report.finding_counts.items()))
                typer.echo(f"  … {total} findings in all ({counts}; use --json)")
    if any(not report.ok for report in reports):
        raise typer.Exit(code=1)


def _import_into_database(
    files: list[Path], fmt: str, facility: str | None, mapping: CodeMapping | None
) -> list[ImportReport]:
    from sqlalchemy import select

    from claims.auth.scope import system_principal
    from claims.catalogue.models import Facility
    from claims.intake.runs import create_run, run_import
    from claims.kit.db import make_engine, make_session_factory
    from claims.settings import load_settings

    engine = make_engine(load_settings().database_url)
    factory = make_session_factory(engine)
    actor = system_principal("import")
    reports = []
    try:
        facility_id = None
        if facility:
            with factory() as session:
                facility_id = session.scalar(select(Facility.id).where(Facility.ma_cskcb == facility))
            if facility_id is None:
                raise typer.BadParameter(f"--facility {facility} is not a registered facility")
        for path in files:
            with factory() as session:
                run = create_run(session, actor, source=path.name, fmt=fmt, facility_id=facility_id)
                try:
                    handle = path.open("rb")
                except OSError as exc:
                    from claims.intake.runs import finish_run

                    report = ImportReport(path.name, fmt)
                    report.file_errors.append(str(exc))
                    reports.append(finish_run(session, actor, run, report))
                    session.commit()
                    continue
                with handle:
                    run.size_bytes = path.stat().st_size
                    reports.append(run_import(session, actor, run, handle, session.commit, mapping=mapping))
                session.commit()
    finally:
        engine.dispose()
    return reports


def listen_command(
    port: Annotated[int, typer.Option("--port", help="TCP port for MLLP.")] = 2575,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    facility: Annotated[str | None, typer.Option("--facility", help="Facility code (MA_CSKCB) sending.")] = None,
    mapping_file: Annotated[Path | None, typer.Option("--mapping", help="Facility code mapping CSV.")] = None,
) -> None:
    """Receive HL7 v2 ADT/DFT messages over MLLP, store each completed visit (committed before the ACK) and
    answer every message with ACK/NAK."""
    import asyncio

    from sqlalchemy import select

    from claims.auth.scope import system_principal
    from claims.catalogue.models import Facility
    from claims.intake.hl7v2 import VisitAssembler
    from claims.intake.listener import DbIntakeHandler
    from claims.intake.mllp import start_server
    from claims.kit.db import make_engine, make_session_factory
    from claims.settings import load_settings

    factory = make_session_factory(make_engine(load_settings().database_url))
    facility_id = None
    if facility:
        with factory() as session:
            facility_id = session.scalar(select(Facility.id).where(Facility.ma_cskcb == facility))
        if facility_id is None:
            raise typer.BadParameter(f"--facility {facility} is not a registered facility")
    mapping = CodeMapping.from_csv(mapping_file, facility or "") if mapping_file else None
    if mapping is None and facility:
        from claims.intake.repository import DbMappings

        with factory() as session:  # the facility's table as it is now (restart the listener after changing it)
            mapping = DbMappings(session)(facility)
    handler = DbIntakeHandler(
        factory, system_principal("mllp"), VisitAssembler(facility, mapping or EMPTY_MAPPING), facility_id, mapping
    )

    async def run() -> None:
        server = await start_server(handler, host, port)
        typer.echo(f"listening for MLLP on {host}:{port}")
        async with server:
            await server.serve_forever()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        typer.echo("stopped")
