"""`claims check FILE…`: run our schemas and the assessment checks over XML 130 files, print every finding.

Files are read by the streaming reader (`claims.exchange.reader`, one ``HOSO`` at a time); each ``HOSO`` is
validated against our schemas (structural errors only: the catalogue's own checks cover totals and the
tolerated real-world quirks), turned into the checks' input (`claims.exchange.checks_input`), and the
catalogue runs once over every claim of every file, so cross-claim checks see the whole batch. Codes are
matched against the demo tariff unless ``--no-catalogue`` is given.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import typer

from claims.exchange.checks_input import tables_of_read
from claims.exchange.problems import Problem
from claims.exchange.reader import EnvelopeReader, ReadError
from claims.exchange.safe import UnsafeXmlError
from claims.exchange.validation import structural_problems
from claims.review.catalogue import demo_catalogue
from rules import checks

SCHEMA_REF = "QĐ 130/QĐ-BYT (QĐ 4750, QĐ 3176): định dạng bảng XML; xsd/"


@dataclass(eq=False)
class FileResult:
    path: Path
    findings: list[checks.Finding] = field(default_factory=list)
    error: str = ""


def schema_finding(p: Problem) -> checks.Finding:
    """A structural schema error as a blocking finding (code ``SCHEMA_<problem code>``)."""
    return checks.Finding(
        code=f"SCHEMA_{p.code.upper()}",
        severity=checks.Severity.BLOCKING,
        table=p.table,
        stt=p.stt,
        ma_lk=p.ma_lk,
        field=p.field,
        value=p.value,
        message_vi=p.message_vi,
        message_en=p.message_en,
        hint="Sửa tệp cho đúng lược đồ XML của QĐ 130. / Make the file follow the QĐ 130 schema.",
        legal_ref=SCHEMA_REF,
    )


def run_files(
    paths: Sequence[Path], catalogue: checks.CatalogueLookup | None = None, *, schema: bool = True
) -> list[FileResult]:
    """Read every file, then run the catalogue once over all claims (so cross-claim checks see the batch).

    A file that cannot be read gets an error and does not stop the others.
    """
    results: list[FileResult] = []
    owners: list[tuple[FileResult, checks.Claim]] = []
    for path in paths:
        res = FileResult(path)
        results.append(res)
        mine: list[tuple[FileResult, checks.Claim]] = []
        try:
            for item in EnvelopeReader(path, keep_documents=schema):
                if schema:
                    res.findings += [
                        schema_finding(p)
                        for p in structural_problems(item) + item.problems
                        if p.category == "structural" and p.severity == "error"
                    ]
                mine.append((res, checks.claim_from_tables(tables_of_read(item))))
        except (OSError, ReadError, UnsafeXmlError) as exc:
            res.error = str(exc)
            res.findings = []
            continue
        owners += mine
    by_lk: dict[str, list[FileResult]] = {}
    for res, claim in owners:
        by_lk.setdefault(claim.ma_lk, []).append(res)
    for f in checks.run([c for _res, c in owners], catalogue):
        targets = by_lk.get(f.ma_lk) or [r for r in results if not r.error][:1]
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
        use_catalogue: bool = typer.Option(
            True, "--catalogue/--no-catalogue", help="match codes, prices and tenders against the demo tariff"
        ),
        schema: bool = typer.Option(True, "--schema/--no-schema", help="also validate against our XSDs"),
    ) -> None:
        """Run the schemas and the assessment checks over XML 130 files; exit 1 when a blocking finding
        (or an unreadable file) exists."""
        results = run_files(files, demo_catalogue() if use_catalogue else None, schema=schema)
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
