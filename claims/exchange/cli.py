"""``claims xml …``: validate, show and convert XML 130 envelopes."""

from __future__ import annotations

import json
import sys
from dataclasses import fields
from pathlib import Path
from typing import Annotated, Any

import typer

from claims.exchange.convert import convert_hoso
from claims.exchange.model import SPECS
from claims.exchange.reader import EnvelopeReader, ReadError, read_envelope
from claims.exchange.safe import UnsafeXmlError
from claims.exchange.validation import Report, readable_errors, validate_file
from claims.exchange.writer import envelope_frame, hoso_fragment, table_documents

xml_app = typer.Typer(no_args_is_help=True, help="XML 130 claim files: validate, show, convert.")


def register(app: typer.Typer) -> None:
    """Add the ``xml`` sub-commands to the ``claims`` command line."""
    app.add_typer(xml_app, name="xml")


@xml_app.command("validate")
def validate_cmd(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, help="Envelope files")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
    warnings: Annotated[bool, typer.Option("--warnings/--no-warnings", help="List warnings too")] = True,
    explain: Annotated[
        bool,
        typer.Option("--explain", help="Also print xmlschema's path and reason for schema errors (slow)"),
    ] = False,
) -> None:
    """Check files against our schemas and the arithmetic rules; exit 1 when any file has an error."""
    reports: list[Report] = []
    for path in files:
        try:
            reports.append(validate_file(path, str(path)))
        except (ReadError, UnsafeXmlError) as exc:
            from claims.exchange.problems import Problem

            reports.append(
                Report(
                    str(path), [Problem("structural", "unreadable", "ENVELOPE", "", "", str(exc), str(exc))]
                )
            )
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in reports], ensure_ascii=False, indent=2))
    else:
        for r in reports:
            status = "OK" if r.valid else "INVALID"
            n_warn = len(r.problems) - len(r.errors)
            typer.echo(
                f"{r.source}: {status} ({r.hoso_count} HOSO, {len(r.errors)} errors, {n_warn} warnings)"
            )
            for p in r.problems:
                if p.severity == "error" or warnings:
                    typer.echo(f"  {p}")
    if explain and not as_json:
        for r in reports:
            _explain(r)
    if any(not r.valid for r in reports):
        raise typer.Exit(1)


def _explain(report: Report) -> None:
    tables = {
        (p.hoso, p.table) for p in report.errors if p.category == "structural" and p.table != "ENVELOPE"
    }
    if not tables:
        return
    for item in EnvelopeReader(Path(report.source)):
        for table, tr in item.tables.items():
            if (item.index, table) in tables and tr.root is not None:
                typer.echo(f"{report.source}: HOSO {item.index + 1} {table} (xmlschema):")
                for line in readable_errors(table, tr.root, item.hoso.version or "3176"):
                    typer.echo(f"    {line}")


def _value(v: Any) -> str:
    return "" if v is None else str(v)


@xml_app.command("show")
def show_cmd(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Readable dump of every table of every HOSO."""
    result = read_envelope(file)
    env = result.envelope
    typer.echo(
        f"MACSKCB {env.macskcb}  NGAYLAP {env.ngaylap}  SOLUONGHOSO {env.soluonghoso}  HOSO {len(env.hoso)}"
    )
    for i, h in enumerate(env.hoso, 1):
        typer.echo(f"\n=== HOSO {i}  MA_LK {h.ma_lk}  version {h.version}")
        for table, recs in h.tables().items():
            spec = SPECS[h.version or "3176"][table]
            typer.echo(f"--- {table} {spec.root} ({len(recs)} record(s))")
            for n, r in enumerate(recs, 1):
                typer.echo(f"  [{n}]")
                names = {f.attr: f.name for f in spec.fields}
                for f in fields(r):
                    v = getattr(r, f.name)
                    if f.name in names and v not in (None, ""):
                        typer.echo(f"    {names[f.name]:<20} {_value(v)}")
                for x in r.extras:
                    typer.echo(f"    + {x.name:<18} {x.text}  (unknown element, kept)")
                for x in r.unparsed:
                    typer.echo(f"    ! {x.name:<18} {x.text}  (not readable as its type, kept raw)")
    if result.problems:
        typer.echo(f"\n{len(result.problems)} problem(s) noticed while reading:")
        for p in result.problems:
            typer.echo(f"  {p}")


@xml_app.command("convert")
def convert_cmd(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    to: Annotated[str, typer.Option("--to", help="Target version: 3176 or 4750")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (default: stdout)")
    ] = None,
) -> None:
    """Rewrite an envelope in the 3176 or the 4750 shape (streamed: one HOSO at a time).

    The output is unsigned: a signature of the source does not cover the rewritten content.
    """
    if to not in ("3176", "4750"):
        typer.echo("--to must be 3176 or 4750", err=True)
        raise typer.Exit(2)
    reader = EnvelopeReader(file, keep_documents=False)
    sink = sys.stdout.buffer if output is None else output.open("wb")
    count = 0
    head_done = False
    tail = b""
    try:
        for item in reader:
            if not head_done:
                head, tail = envelope_frame(reader.macskcb, reader.ngaylap, reader.soluonghoso or 0)
                sink.write(head)
                head_done = True
            new, notes = convert_hoso(item.hoso, to)
            for note in notes:
                typer.echo(f"note: HOSO {item.index + 1}: {note}", err=True)
            sink.write(hoso_fragment(table_documents(new, to)))
            count += 1
        if not head_done:
            head, tail = envelope_frame(reader.macskcb, reader.ngaylap, 0)
            sink.write(head)
        sink.write(tail)
    finally:
        if output is not None:
            sink.close()
    if reader.soluonghoso != count:
        typer.echo(f"note: source SOLUONGHOSO {reader.soluonghoso} but {count} HOSO were present", err=True)
    if reader.chukydonvi.strip():
        typer.echo(
            "note: the source signature (CHUKYDONVI) was not carried over; sign the new file", err=True
        )
    if output is not None:
        typer.echo(f"wrote {output} ({count} HOSO, version {to})", err=True)


__all__ = ["register", "xml_app"]
