"""`claims import`: read encounter files and print the import report.

Until the database is wired, encounters are kept in memory for the run: the command validates,
maps codes and reports (imported, updated, unchanged, failed with reasons, findings).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from claims.intake.mapping import EMPTY_MAPPING, CodeMapping
from claims.intake.sources import FORMATS, import_file


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
    app.command("hl7-listen")(listen_command)


def import_command(
    files: Annotated[list[Path], typer.Argument(help="Encounter files: FHIR JSON/NDJSON, HL7 v2, CSV or XLSX.")],
    fmt: Annotated[str, typer.Option("--format", help=f"auto or one of {', '.join(FORMATS)}.")] = "auto",
    facility: Annotated[str | None, typer.Option("--facility", help="Facility code (MA_CSKCB) importing.")] = None,
    mapping_file: Annotated[
        Path | None, typer.Option("--mapping", help="CSV kind,his_code,insurer_code[,group,cost_group].")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the reports as JSON.")] = False,
) -> None:
    """Import encounter files and print what was imported, updated, unchanged and what failed, and why."""
    from claims.intake.service import InMemoryRepository

    if fmt != "auto" and fmt not in FORMATS:
        raise typer.BadParameter(f"--format must be auto or one of {', '.join(FORMATS)}")
    mapping = CodeMapping.from_csv(mapping_file, facility or "") if mapping_file else EMPTY_MAPPING
    repository = InMemoryRepository(keep_encounters=False)
    reports = [import_file(path, repository, fmt=fmt, facility_code=facility, mapping=mapping) for path in files]
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


def listen_command(
    port: Annotated[int, typer.Option("--port", help="TCP port for MLLP.")] = 2575,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    facility: Annotated[str | None, typer.Option("--facility", help="Facility code (MA_CSKCB) sending.")] = None,
    mapping_file: Annotated[Path | None, typer.Option("--mapping", help="Facility code mapping CSV.")] = None,
) -> None:
    """Receive HL7 v2 ADT/DFT messages over MLLP and answer each with ACK/NAK (encounters kept in memory)."""
    import asyncio

    from claims.intake.hl7v2 import VisitAssembler
    from claims.intake.mllp import IntakeHandler, start_server
    from claims.intake.service import InMemoryRepository

    mapping = CodeMapping.from_csv(mapping_file, facility or "") if mapping_file else EMPTY_MAPPING
    handler = IntakeHandler(InMemoryRepository(), VisitAssembler(facility, mapping), mappings=lambda _: mapping)

    async def run() -> None:
        server = await start_server(handler, host, port)
        typer.echo(f"listening for MLLP on {host}:{port}")
        async with server:
            await server.serve_forever()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        typer.echo("stopped")
