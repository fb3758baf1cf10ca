"""Which adapter reads a file: by the ``--format`` asked for, else by extension, else by its first bytes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from claims.intake.fhir import read_fhir
from claims.intake.hl7v2 import read_hl7
from claims.intake.mapping import EMPTY_MAPPING, CodeMapping
from claims.intake.records import IntakeFileError, IntakeItem
from claims.intake.report import ImportReport
from claims.intake.service import EncounterRepository, ImportLog, MappingLookup, import_items
from claims.intake.tabular import read_csv, read_xlsx

FORMATS = ("fhir", "hl7", "csv", "xlsx")
_BY_SUFFIX = {".json": "fhir", ".ndjson": "fhir", ".hl7": "hl7", ".er7": "hl7", ".csv": "csv", ".xlsx": "xlsx"}


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in _BY_SUFFIX:
        return _BY_SUFFIX[suffix]
    if suffix == ".xml":
        raise IntakeFileError(f"{path.name}: XML 130 files are read by the exchange reader (claims.exchange)")
    with path.open("rb") as handle:
        head = handle.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"PK"):
        return "xlsx"
    if head.startswith((b"{", b"[")):
        return "fhir"
    if head.startswith((b"MSH", b"FHS", b"BHS", b"\x0b")):
        return "hl7"
    return "csv"


def read_items(
    path: Path, fmt: str = "auto", facility_code: str | None = None, mapping: CodeMapping = EMPTY_MAPPING
) -> Iterator[IntakeItem]:
    """The stream of parsed records of one file."""
    fmt = detect_format(path) if fmt == "auto" else fmt
    if fmt == "xlsx":
        yield from read_xlsx(path, source=path.name, facility_code=facility_code)
        return
    with path.open(encoding="utf-8-sig", newline="") as raw:
        if fmt == "fhir":
            yield from read_fhir(raw, source=path.name, facility_code=facility_code, mapping=mapping)
        elif fmt == "hl7":
            yield from read_hl7(raw, source=path.name, facility_code=facility_code, mapping=mapping)
        elif fmt == "csv":
            yield from read_csv(raw, source=path.name, facility_code=facility_code)
        else:
            raise IntakeFileError(f"{path.name}: unknown format {fmt!r} (one of {', '.join(FORMATS)})")


def import_file(
    path: Path,
    repository: EncounterRepository,
    *,
    fmt: str = "auto",
    facility_code: str | None = None,
    mapping: CodeMapping = EMPTY_MAPPING,
    mappings: MappingLookup | None = None,
    log: ImportLog | None = None,
) -> ImportReport:
    """Import one file; a file that cannot be read at all gives a report with the reason in ``file_errors``."""
    try:
        shown = detect_format(path) if fmt == "auto" else fmt
    except (IntakeFileError, OSError) as exc:
        report = ImportReport(path.name, fmt)
        report.file_errors.append(str(exc))
        return report
    report = ImportReport(path.name, shown)
    try:
        items = read_items(path, shown, facility_code, mapping)
        import_items(items, repository, report, mappings or (lambda _: mapping))
    except (IntakeFileError, OSError, UnicodeDecodeError) as exc:
        report.file_errors.append(str(exc))
    if log is not None:
        log.keep(report)
    return report
