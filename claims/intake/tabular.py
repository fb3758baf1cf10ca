"""CSV and XLSX encounters in the documented column layout (docs/csv-layout.md), for hospitals with no interface.

One row per claim line; the encounter's columns are repeated on each of its rows, and the rows of one
encounter are contiguous. Column names are the canonical field names (``patient_`` / ``card_`` /
``line_`` prefixed), so the layout follows :mod:`claims.encounter.schemas` exactly. Both readers
stream: the csv module and openpyxl in read-only mode, one encounter in memory at a time.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import IO, Any, TextIO

from claims.encounter.schemas import VIETNAM_TZ, Card, Encounter, EncounterLine, Patient
from claims.intake.records import (
    DeclaredCount,
    Draft,
    IntakeFileError,
    IntakeItem,
    ParsedRecord,
    parse_compact_date,
    parse_compact_datetime,
)

LIST_SEPARATOR = ";"
_ENCOUNTER_SKIP = {"patient", "cards", "lines", "clinical_tables"}


def _column(prefix: str, name: str) -> str:
    return name if name.startswith(prefix) else prefix + name


ENCOUNTER_COLUMNS: tuple[str, ...] = tuple(name for name in Encounter.model_fields if name not in _ENCOUNTER_SKIP)
PATIENT_COLUMNS: dict[str, str] = {_column("patient_", name): name for name in Patient.model_fields}
CARD_COLUMNS: dict[str, str] = {_column("card_", name): name for name in Card.model_fields}
LINE_COLUMNS: dict[str, str] = {_column("line_", name): name for name in EncounterLine.model_fields}
ALL_COLUMNS: tuple[str, ...] = ENCOUNTER_COLUMNS + tuple(PATIENT_COLUMNS) + tuple(CARD_COLUMNS) + tuple(LINE_COLUMNS)
REQUIRED_COLUMNS = ("claim_key",)
LIST_FIELDS = ("secondary_icds", "procedure_codes")
_DECLARED = re.compile(r"^#\s*encounters\s*[=:]\s*(\d+)\s*$", re.IGNORECASE)


def _kinds(model: Any) -> tuple[set[str], set[str]]:
    datetimes, dates = set(), set()
    for name, info in model.model_fields.items():
        text = str(info.metadata) + str(info.annotation)
        if "datetime.datetime" in text or "_as_vietnam_time" in text:
            datetimes.add(name)
        elif "datetime.date" in text:
            dates.add(name)
    return datetimes, dates


_DATETIMES: dict[str, set[str]] = {}
_DATES: dict[str, set[str]] = {}
for _model in (Encounter, Patient, Card, EncounterLine):
    _DATETIMES[_model.__name__], _DATES[_model.__name__] = _kinds(_model)


def _value(model: str, name: str, raw: str) -> Any:
    """A cell as the schema expects it; compact XML-style dates are expanded so they are never read as numbers."""
    if name in _DATETIMES[model]:
        return parse_compact_datetime(raw) or raw
    if name in _DATES[model]:
        return parse_compact_date(raw) or raw
    if name == "extras":
        return json.loads(raw)
    return raw


def _pick(model: str, row: dict[str, str], columns: dict[str, str]) -> dict[str, Any]:
    # rows hold only their non-empty cells (see _Layout.row), usually far fewer than the model's columns;
    # only date, time and JSON cells need converting (the rest are validated by the schema as text)
    converting = _CONVERTING[model]
    picked: dict[str, Any] = {}
    for column, cell in row.items():
        field = columns.get(column)
        if field is not None:
            picked[field] = _value(model, field, cell) if field in converting else cell
    return picked


_CONVERTING = {model: _DATETIMES[model] | _DATES[model] | {"extras"} for model in _DATETIMES}


class _Layout:
    """Checks a header against the layout and turns rows into drafts."""

    def __init__(self, header: Sequence[str], source: str) -> None:
        self.header = [name.strip().lower() for name in header]
        unknown = [name for name in self.header if name and name not in ALL_COLUMNS]
        if unknown:
            raise IntakeFileError(f"{source}: unknown columns {', '.join(unknown)} (see docs/csv-layout.md)")
        missing = [name for name in REQUIRED_COLUMNS if name not in self.header]
        if missing:
            raise IntakeFileError(f"{source}: missing required columns {', '.join(missing)}")
        duplicated = sorted({name for name in self.header if name and self.header.count(name) > 1})
        if duplicated:
            raise IntakeFileError(f"{source}: columns given twice: {', '.join(duplicated)}")
        self.key_index = self.header.index("claim_key")
        converting = _CONVERTING["EncounterLine"]
        #: (cell index, line field, whether it needs converting): a line is read straight from its cells
        self.line_at = [
            (index, LINE_COLUMNS[name], LINE_COLUMNS[name] in converting)
            for index, name in enumerate(self.header)
            if name in LINE_COLUMNS
        ]

    def key(self, cells: Sequence[str]) -> str:
        return cells[self.key_index].strip() if self.key_index < len(cells) else ""

    def line(self, cells: Sequence[str]) -> dict[str, Any]:
        """The line fields of a row (only the first row of an encounter is read for the encounter's fields)."""
        line: dict[str, Any] = {}
        count = len(cells)
        for index, field, converting in self.line_at:
            if index < count and (cell := cells[index]) and (cell := cell.strip()):
                line[field] = _value("EncounterLine", field, cell) if converting else cell
        return line

    def row(self, cells: Sequence[str]) -> dict[str, str]:
        """The row's non-empty cells by column (an empty cell is as good as an absent one)."""
        # compress/filter pick the non-empty cells in C: a line row fills a few of the ~90 columns
        pairs = zip(itertools.compress(self.header, cells), filter(None, cells), strict=False)
        return {name: value for name, cell in pairs if name and (value := cell.strip())}


def _encounter_draft(label: str, first: dict[str, str], lines: list[dict[str, Any]], facility: str | None) -> Draft:
    draft = Draft(label)
    data = {name: _value("Encounter", name, first[name]) for name in ENCOUNTER_COLUMNS if first.get(name)}
    for name in LIST_FIELDS:
        if name in data:
            data[name] = tuple(code.strip() for code in first[name].split(LIST_SEPARATOR) if code.strip())
    if facility:
        given = data.get("facility_code")
        if given and given != facility:
            raise ValueError(f"facility_code {given!r} is not the importing facility {facility!r}")
        data["facility_code"] = facility
    data["patient"] = _pick("Patient", first, PATIENT_COLUMNS)
    data["cards"] = _cards(first)
    data["lines"] = [line for line in (_line(picked) for picked in lines) if line]
    _number_lines(data["lines"])
    draft.data = data
    return draft


def _cards(row: dict[str, str]) -> list[dict[str, Any]]:
    split = {column: row.get(column, "").split(LIST_SEPARATOR) for column in CARD_COLUMNS if row.get(column)}
    count = max((len(parts) for parts in split.values()), default=0)
    cards = []
    for index in range(count):
        card = {}
        for column, parts in split.items():
            if index < len(parts) and parts[index].strip():
                field = CARD_COLUMNS[column]
                card[field] = _value("Card", field, parts[index].strip())
        cards.append(card)
    return cards


def _line(line: dict[str, Any]) -> dict[str, Any] | None:
    if not line.get("code") and not line.get("his_code"):
        return None  # an encounter row with no line
    if not line.get("code"):
        line["code"] = line["his_code"]  # to be mapped to the insurer code (claims.intake.mapping)
    return line


def _number_lines(lines: list[dict[str, Any]]) -> None:
    """Number lines left without ``line_stt`` after the last number of their table."""
    last = {True: 0, False: 0}
    for line in lines:
        drug = str(line.get("group", "")) in ("drug", "blood")
        if line.get("stt"):
            last[drug] = max(last[drug], int(line["stt"]) if str(line["stt"]).isdigit() else 0)
        else:
            last[drug] += 1
            line["stt"] = last[drug]


def _records(
    rows: Iterator[tuple[int, Sequence[str]]], layout: _Layout, facility: str | None
) -> Iterator[IntakeItem]:
    """Group contiguous rows of one ``claim_key`` into one record each."""
    finished: set[str] = set()
    for key, group in itertools.groupby(rows, key=lambda numbered: layout.key(numbered[1])):
        members = list(group)
        first_row, last_row = members[0][0], members[-1][0]
        label = f"rows {first_row}-{last_row}" if first_row != last_row else f"row {first_row}"
        if not key:
            yield ParsedRecord(label, error="claim_key (MA_LK) is empty")
            continue
        label = f"{label} (MA_LK {key})"
        if key in finished:
            yield ParsedRecord(label, error=f"rows of MA_LK {key} are not contiguous: it appeared earlier in the file")
            continue
        finished.add(key)
        try:
            first = layout.row(members[0][1])
            lines = [layout.line(cells) for _, cells in members]
            draft = _encounter_draft(label, first, lines, facility)
        except ValueError as exc:
            yield ParsedRecord(label, error=str(exc))
            continue
        yield draft.build()


def read_csv(handle: TextIO, *, source: str = "csv", facility_code: str | None = None) -> Iterator[IntakeItem]:
    """Stream encounters from CSV text (UTF-8; a first line ``# encounters=N`` declares the count)."""
    first = handle.readline()
    if first.startswith("\ufeff"):
        first = first[1:]
    declared = _DECLARED.match(first.strip())
    if declared:
        yield DeclaredCount(int(declared.group(1)), f"{source} line 1")
        first = handle.readline()
    elif first.startswith("#"):
        raise IntakeFileError(f"{source} line 1: a leading comment must read '# encounters=N'")
    reader = csv.reader(itertools.chain([first], handle))
    try:
        header = next(reader)
    except StopIteration:
        raise IntakeFileError(f"{source}: empty file") from None
    layout = _Layout(header, source)
    offset = 2 if declared else 1
    rows = ((index + offset + 1, cells) for index, cells in enumerate(reader) if any(cells))
    yield from _records(rows, layout, facility_code)


def read_xlsx(
    path: Path | IO[bytes], *, source: str | None = None, facility_code: str | None = None
) -> Iterator[IntakeItem]:
    """Stream encounters from the first sheet of a workbook in the same layout (openpyxl read-only;
    ``path`` may be a seekable binary file)."""
    from openpyxl import load_workbook

    source = source or str(getattr(path, "name", "xlsx"))
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook["encounters"] if "encounters" in workbook.sheetnames else workbook.worksheets[0]
        values = sheet.iter_rows(values_only=True)
        number = 0
        header: list[str] | None = None
        for cells in values:
            number += 1
            texts = [_cell_text(cell) for cell in cells]
            if header is None and texts and texts[0].startswith("#"):
                declared = _DECLARED.match(texts[0].strip())
                if not declared:
                    raise IntakeFileError(f"{source} row 1: a leading comment must read '# encounters=N'")
                yield DeclaredCount(int(declared.group(1)), f"{source} row 1")
                continue
            header = texts
            break
        if header is None:
            raise IntakeFileError(f"{source}: empty sheet")
        layout = _Layout(header, source)
        rows = (
            (index, [_cell_text(cell) for cell in cells])
            for index, cells in enumerate(values, start=number + 1)
            if any(cell not in (None, "") for cell in cells)
        )
        yield from _records(rows, layout, facility_code)
    finally:
        workbook.close()


def _cell_text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    if isinstance(cell, float):
        # Excel keeps numbers as binary floats: the shortest repr is what the user typed (≤ 15 digits).
        text = repr(cell)
        return text[:-2] if text.endswith(".0") else text
    return str(cell)


# --- writing (templates, round trips, benchmarks) ---------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        local = value.astimezone(VIETNAM_TZ).replace(tzinfo=None)
        return local.isoformat(timespec="minutes" if not (local.second or local.microsecond) else "seconds")
    if isinstance(value, date | Decimal | int):
        return str(value) if not isinstance(value, date) else value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""
    if isinstance(value, tuple | list):
        return LIST_SEPARATOR.join(_text(item) for item in value)
    return str(value)


def encounter_rows(encounter: Encounter) -> Iterator[list[str]]:
    """The rows of one encounter in :data:`ALL_COLUMNS` order."""
    head = [_text(getattr(encounter, name)) for name in ENCOUNTER_COLUMNS]
    head += [_text(getattr(encounter.patient, field)) for field in PATIENT_COLUMNS.values()]
    head += [
        LIST_SEPARATOR.join(_text(getattr(card, field)) for card in encounter.cards) for field in CARD_COLUMNS.values()
    ]
    if not encounter.lines:
        yield head + [""] * len(LINE_COLUMNS)
    for line in encounter.lines:
        yield head + [_text(getattr(line, field)) for field in LINE_COLUMNS.values()]


def write_csv(encounters: Iterable[Encounter], handle: TextIO, declared: int | None = None) -> int:
    """Write encounters in the layout; returns how many were written."""
    if declared is not None:
        handle.write(f"# encounters={declared}\n")
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(ALL_COLUMNS)
    count = 0
    for encounter in encounters:
        writer.writerows(encounter_rows(encounter))
        count += 1
    return count


def write_xlsx(encounters: Iterable[Encounter], path: Path, declared: int | None = None) -> int:
    """Write encounters to a one-sheet workbook (openpyxl write-only); text cells, so nothing is rounded."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("encounters")
    if declared is not None:
        sheet.append([f"# encounters={declared}"])
    sheet.append(list(ALL_COLUMNS))
    count = 0
    for encounter in encounters:
        for row in encounter_rows(encounter):
            sheet.append(row)
        count += 1
    workbook.save(path)
    return count
