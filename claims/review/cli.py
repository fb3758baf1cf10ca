"""`claims check FILE…`: run the assessment checks over XML 130 files and print every finding.

The XML is read by the temporary `claims.review.xml_input`; switch to `claims.exchange.reader` when it lands.
Schema validation (xsd/) is not run here yet.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import typer

from claims.review.xml_input import XmlInputError, read_file
from rules import checks


@dataclass(eq=False)
class FileResult:
    path: Path
    findings: list[checks.Finding] = field(default_factory=list)
    error: str = ""


def run_files(paths: Sequence[Path], catalogue: checks.CatalogueLookup | None = None) -> list[FileResult]:
    """Read every file, then run the catalogue once over all claims (so cross-claim checks see the batch).

    A file that cannot be read gets an error and does not stop the others.
    """
    results: list[FileResult] = []
    owners: list[tuple[FileResult, checks.Claim]] = []
    for path in paths:
        res = FileResult(path)
        results.append(res)
        try:
            tables = read_file(path)
        except (OSError, XmlInputError) as exc:
            res.error = str(exc)
            continue
        owners.extend((res, checks.claim_from_tables(t)) for t in tables)
    by_lk: dict[str, list[FileResult]] = {}
    for res, claim in owners:
        by_lk.setdefault(claim.ma_lk, []).append(res)
    findings = checks.run([c for _res, c in owners], catalogue)
    for f in findings:
        targets = by_lk.get(f.ma_lk) or [results[0]]
        for res in dict.fromkeys(targets):
            res.findings.append(f)
    return results


def _line(path: Path, f: checks.Finding, lang: str) -> str:
    msg = f.message_vi if lang == "vi" else f.message_en
    return (
        f"{path.name}: {f.severity.value.upper()} {f.code} {f.table} STT={f.stt} MA_LK={f.ma_lk} "
        f"{f.field}={f.value!r}: {msg}"
    )


def register(app: typer.Typer) -> None:
    @app.command("check")
    def check(
        files: list[Path] = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="XML 130 files"),
        as_json: bool = typer.Option(False, "--json", help="machine-readable output"),
        lang: str = typer.Option("vi", "--lang", help="message language: vi or en"),
    ) -> None:
        """Run the assessment checks over XML 130 files; exit 1 when a blocking finding (or an unreadable file)
        exists."""
        results = run_files(files)
        blocking = any(r.error for r in results) or any(
            f.severity is checks.Severity.BLOCKING for r in results for f in r.findings
        )
        if as_json:
            payload = [
                {"file": str(r.path), "error": r.error, "findings": [f.as_dict() for f in r.findings]}
                for r in results
            ]
            typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        else:
            for r in results:
                if r.error:
                    typer.echo(f"{r.path.name}: ERROR {r.error}")
                for f in r.findings:
                    typer.echo(_line(r.path, f, lang))
                if not r.error and not r.findings:
                    typer.echo(f"{r.path.name}: OK")
        raise typer.Exit(1 if blocking else 0)
