"""``claims price`` and ``claims price-vectors``."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

import rules
from claims.pricing.vectors import run_vectors
from rules.shape import LINE_FIELDS, TOTAL_FIELDS, claim_to_dict


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        typer.echo(f"error: cannot read {path}: {exc}", err=True)
        raise typer.Exit(2) from exc


def _fmt(value: object) -> str:
    return "-" if value is None else str(value)


def _print_claim(out: dict[str, Any], trace: bool, lang: str) -> None:
    params = out["parameters"]
    typer.echo("parameters: " + ", ".join(f"{k}={_fmt(v)}" for k, v in params.items() if v is not None))
    header = ["STT", "CODE", *LINE_FIELDS]
    typer.echo("  ".join(header))
    for line in out["lines"]:
        typer.echo("  ".join([str(line["stt"]), line["code"], *(_fmt(line[f]) for f in LINE_FIELDS)]))
        if trace:
            for step in line.get("trace", []):
                typer.echo(f"      [{step['rule']}] {step['text_' + lang]}  ({step['legal_ref']})")
    typer.echo("totals: " + ", ".join(f"{f}={_fmt(out['totals'][f])}" for f in TOTAL_FIELDS))
    for rej in out["rejected_lines"]:
        typer.echo(f"rejected: line {rej['stt']} {rej['code']} {rej['field']}: {rej['reason']}")
    for f in out["findings"]:
        typer.echo(f"finding ({f['severity']}): {f['field']}: {f['reason']}")
    if trace:
        typer.echo("claim trace:")
        for step in out.get("trace", []):
            typer.echo(f"  [{step['rule']}] {step['text_' + lang]}  ({step['legal_ref']})")


def _tariff(path: Path | None, demo: bool) -> rules.Tariff | None:
    if demo:
        from claims.catalogue.demo import demo_tariff

        return demo_tariff()
    if path is None:
        return None
    from claims.catalogue.loader import build_tariff, load_catalogue

    result = load_catalogue(path)
    for err in result.errors:
        typer.echo(f"catalogue {result.source} row {err.row} {err.field}: {err.reason}", err=True)
    if not result.ok:
        raise typer.Exit(2)
    try:
        return build_tariff([result])
    except rules.TariffError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def price_command(
    file: Annotated[Path, typer.Argument(help="One encounter in the vectors' input shape (or a vector).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the priced claim as JSON.")] = False,
    no_trace: Annotated[bool, typer.Option("--no-trace", help="Leave the trace out.")] = False,
    lang: Annotated[str, typer.Option("--lang", help="Trace language: vi or en.")] = "en",
    tariff_file: Annotated[
        Path | None,
        typer.Option("--tariff", help="Catalogue file (G1/G2, XLSX or CSV) to check codes and prices."),
    ] = None,
    demo_tariff: Annotated[
        bool, typer.Option("--demo-tariff", help="Check against the demo catalogue.")
    ] = False,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Anchor date of the rules (default: the admission date).")
    ] = None,
) -> None:
    """Price one encounter and print the lines, totals, rejected lines and trace."""
    data = _load(file)
    if isinstance(data, dict) and "inputs" in data:
        data = data["inputs"]
    try:
        enc = rules.encounter_from_dict(data)
    except rules.EncounterShapeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    tariff = _tariff(tariff_file, demo_tariff)
    try:
        anchor = date.fromisoformat(as_of) if as_of else None
    except ValueError as exc:
        typer.echo(f"error: --as-of {as_of!r} is not an ISO date", err=True)
        raise typer.Exit(2) from exc
    out = claim_to_dict(rules.price(enc, tariff, anchor), with_trace=not no_trace)
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        _print_claim(out, not no_trace, "vi" if lang == "vi" else "en")


def price_vectors_command(
    file: Annotated[Path, typer.Argument(help="A file in the shape of shared/spec/vectors.json.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print results as JSON.")] = False,
) -> None:
    """Price every vector and print PASS/FAIL against ``expected``; exit 1 on any FAIL."""
    data = _load(file)
    if not isinstance(data, dict):
        typer.echo("error: expected an object with a 'vectors' list", err=True)
        raise typer.Exit(2)
    results = run_vectors(data)
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "id": r.vector_id,
                        "passed": r.passed,
                        "mismatches": r.mismatches,
                        "error": r.error,
                        "computed": r.computed,
                    }
                    for r in results
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for r in results:
            typer.echo(f"{'PASS' if r.passed else 'FAIL'} {r.vector_id} {r.name}")
            if r.computed:
                for line in r.computed["lines"]:
                    typer.echo(
                        "    line "
                        + str(line["stt"])
                        + ": "
                        + ", ".join(f"{f}={_fmt(line[f])}" for f in LINE_FIELDS)
                    )
                typer.echo(
                    "    totals: " + ", ".join(f"{f}={_fmt(r.computed['totals'][f])}" for f in TOTAL_FIELDS)
                )
                for rej in r.computed["rejected_lines"]:
                    typer.echo(f"    rejected line {rej['stt']}: {rej['reason']}")
            if r.error:
                typer.echo(f"    error: {r.error}")
            for m in r.mismatches:
                typer.echo(f"    mismatch: {m}")
        failed = sum(not r.passed for r in results)
        typer.echo(f"{len(results) - failed} passed, {failed} failed")
    if not results or any(not r.passed for r in results):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the pricing commands to the ``claims`` CLI."""
    app.command("price")(price_command)
    app.command("price-vectors")(price_vectors_command)
