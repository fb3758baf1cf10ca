"""Which adapter reads an input: by the format asked for, else by the file name's extension, else by its
first bytes. Inputs are binary streams read once, front to back (uploads are read from the database in
chunks), so every format streams."""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from claims.intake.fhir import read_fhir
from claims.intake.hl7v2 import read_hl7
from claims.intake.mapping import EMPTY_MAPPING, CodeMapping
from claims.intake.records import IntakeFileError, IntakeItem
from claims.intake.report import ImportReport
from claims.intake.service import BATCH_SIZE, EncounterRepository, ImportLog, MappingLookup, Progress, import_items
from claims.intake.tabular import read_csv, read_xlsx
from claims.intake.xml130 import read_xml130

FORMATS = ("fhir", "hl7", "xml130", "csv", "xlsx")
_BY_SUFFIX = {
    ".json": "fhir", ".ndjson": "fhir", ".hl7": "hl7", ".er7": "hl7", ".xml": "xml130", ".csv": "csv",
    ".xlsx": "xlsx",
}  # fmt: skip


def format_of(name: str, head: bytes) -> str:
    """The format of an input called ``name`` whose first bytes are ``head``."""
    suffix = Path(name).suffix.lower()
    if suffix in _BY_SUFFIX:
        return _BY_SUFFIX[suffix]
    head = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"PK"):
        return "xlsx"
    if head.startswith((b"{", b"[")):
        return "fhir"
    if head.startswith((b"MSH", b"FHS", b"BHS", b"\x0b")):
        return "hl7"
    if head.startswith(b"<"):
        return "xml130"
    return "csv"


def detect_format(path: Path) -> str:
    with path.open("rb") as handle:
        return format_of(path.name, handle.read(512))


def buffered(raw: IO[bytes]) -> io.BufferedReader:
    """``raw`` with a buffer that can peek at the first bytes."""
    if isinstance(raw, io.BufferedReader):
        return raw
    return io.BufferedReader(raw)  # type: ignore[arg-type]


def sniff(handle: io.BufferedReader, name: str, fmt: str = "auto") -> str:
    if fmt != "auto":
        if fmt not in FORMATS:
            raise IntakeFileError(f"{name}: unknown format {fmt!r} (one of {', '.join(FORMATS)})")
        return fmt
    return format_of(name, handle.peek(512)[:512])


def read_stream(
    handle: IO[bytes],
    fmt: str,
    *,
    source: str,
    facility_code: str | None = None,
    mapping: CodeMapping = EMPTY_MAPPING,
) -> Iterator[IntakeItem]:
    """The stream of parsed records of one input already known to be of format ``fmt``."""
    if fmt == "xml130":
        yield from read_xml130(handle, source=source, facility_code=facility_code)
        return
    if fmt == "xlsx":
        seekable = handle.seekable() if hasattr(handle, "seekable") else False
        if seekable:
            yield from read_xlsx(handle, source=source, facility_code=facility_code)
            return
        with tempfile.SpooledTemporaryFile(max_size=16 << 20) as spool:  # a workbook is a zip: it needs seeking
            shutil.copyfileobj(handle, spool)
            spool.seek(0)
            yield from read_xlsx(spool, source=source, facility_code=facility_code)  # type: ignore[arg-type]
        return
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
    try:
        if fmt == "fhir":
            yield from read_fhir(text, source=source, facility_code=facility_code, mapping=mapping)
        elif fmt == "hl7":
            yield from read_hl7(text, source=source, facility_code=facility_code, mapping=mapping)
        elif fmt == "csv":
            yield from read_csv(text, source=source, facility_code=facility_code)
        else:
            raise IntakeFileError(f"{source}: unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    finally:
        text.detach()


def read_items(
    path: Path, fmt: str = "auto", facility_code: str | None = None, mapping: CodeMapping = EMPTY_MAPPING
) -> Iterator[IntakeItem]:
    """The stream of parsed records of one file."""
    with path.open("rb") as raw:
        handle = buffered(raw)
        shown = sniff(handle, path.name, fmt)
        yield from read_stream(handle, shown, source=path.name, facility_code=facility_code, mapping=mapping)


def import_stream(
    handle: IO[bytes],
    name: str,
    repository: EncounterRepository,
    *,
    fmt: str = "auto",
    facility_code: str | None = None,
    mapping: CodeMapping = EMPTY_MAPPING,
    mappings: MappingLookup | None = None,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Import one input; one that cannot be read at all gives a report with the reason in ``file_errors``."""
    buffer = buffered(handle)
    try:
        shown = sniff(buffer, name, fmt)
    except (IntakeFileError, OSError) as exc:
        report = ImportReport(name, fmt)
        report.file_errors.append(str(exc))
        return report
    report = ImportReport(name, shown)
    try:
        items = read_stream(buffer, shown, source=name, facility_code=facility_code, mapping=mapping)
        import_items(
            items, repository, report, mappings or (lambda _: mapping), progress=progress, batch_size=batch_size
        )
    except (IntakeFileError, OSError, UnicodeDecodeError) as exc:
        report.file_errors.append(str(exc))
    return report


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
    """Import one file (see :func:`import_stream`)."""
    try:
        raw = path.open("rb")
    except OSError as exc:
        report = ImportReport(path.name, fmt)
        report.file_errors.append(str(exc))
    else:
        with raw:
            report = import_stream(
                raw, path.name, repository, fmt=fmt, facility_code=facility_code, mapping=mapping, mappings=mappings
            )
    if log is not None:
        log.keep(report)
    return report
