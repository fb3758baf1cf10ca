"""Load facility catalogue files (G1 gateway downloads, G2 templates Mẫu 01/DM–06/DM; XLSX or CSV).

The header is searched in the first rows and matched by normalised name and aliases (catalogues.md §1.4); the
catalogue kind is picked by the share of its key columns present. A row that does not parse is reported with
its row number and the rest load. Rows of one key must not overlap in time (catalogues.md §1.2).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from claims.catalogue.layouts import LAYOUTS, TARIFF_KINDS, Layout, norm
from rules import Tariff, TariffRow

HEADER_SCAN_ROWS = 20
MIN_KEY_SHARE = 0.6
MAX_FILE_BYTES = 50 * 1024 * 1024
_EXCEL_EPOCH = date(1899, 12, 30)
# one "." as decimal point, nothing else; "15,000" and "1.234.567" are refused. A G2 checker also refuses
# "15.000", but real prices carry three decimals (589.999 in the samples), so that form is accepted here.
_PLAIN_NUMBER = re.compile(r"^\d+(\.\d+)?$")
_EXAM_CODE = re.compile(r"^\d{2}\.\d{1,3}$")
_BED_CODE = re.compile(r"^K\d{2}")


@dataclass(frozen=True)
class RowError:
    """A problem with one row (``row`` is the spreadsheet row number, 1-based) or with the file (row 0)."""

    row: int
    field: str
    reason: str
    severity: str = "error"


@dataclass(frozen=True)
class CatalogueRow:
    """A parsed catalogue row: canonical fields plus every column of the file as text."""

    row: int
    kind: str
    code: str
    name: str
    valid_from: date | None
    valid_to: date | None
    facility: str = ""
    price: Decimal | None = None
    price_bh: Decimal | None = None
    payment_ratio: Decimal | None = None
    unit: str = ""
    conditions: str = ""
    variant: str = ""
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class LoadResult:
    """Outcome of loading one file."""

    source: str
    kind: str | None
    generation: str | None
    header_row: int | None
    rows: list[CatalogueRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    skipped_other_facility: int = 0

    @property
    def ok(self) -> bool:
        return self.kind is not None and not any(e.row == 0 and e.severity == "error" for e in self.errors)


class CatalogueFileError(ValueError):
    """The file cannot be read at all (format, size)."""


# ------------------------------------------------------------------------------------------------ reading
def read_cells(path: Path) -> list[list[object]]:
    """All rows of the first sheet (XLSX) or of a CSV file, as lists of cell values."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise CatalogueFileError(f"{path.name}: larger than {MAX_FILE_BYTES} bytes")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            ws = wb.worksheets[0]
            return [list(r) for r in ws.iter_rows(values_only=True)]
        finally:
            wb.close()
    if suffix in (".csv", ".txt"):
        text = path.read_bytes().decode("utf-8-sig")
        try:
            dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        return [list(r) for r in csv.reader(io.StringIO(text), dialect)]
    raise CatalogueFileError(f"{path.name}: unsupported file type {suffix or '(none)'}")


def _find_header(
    cells: Sequence[Sequence[object]], kind: str | None
) -> tuple[int, Layout, dict[str, int], dict[str, int]] | None:
    """(row index, layout, canonical field → column, column name → column) of the best header row."""
    best: tuple[float, int, Layout] | None = None
    layouts = [LAYOUTS[kind]] if kind else list(LAYOUTS.values())
    for i, row in enumerate(cells[:HEADER_SCAN_ROWS]):
        names = {norm(c) for c in row if c not in (None, "")}
        if not names:
            continue
        for lay in layouts:
            share = sum(norm(k) in names for k in lay.key_columns) / len(lay.key_columns)
            resolved = all(any(norm(a) in names for a in lay.fields[f]) for f in lay.required)
            score = share if share >= MIN_KEY_SHARE else (0.5 if kind and resolved else 0.0)
            if score > 0 and (best is None or score > best[0]):
                best = (score, i, lay)
    if best is None:
        return None
    _, i, lay = best
    header = cells[i]
    by_norm: dict[str, int] = {}
    columns: dict[str, int] = {}
    for j, c in enumerate(header):
        if c in (None, ""):
            continue
        key = norm(c)
        by_norm.setdefault(key, j)
        columns.setdefault(str(c).strip(), j)
    # exact names first: G1 drug files carry both DEN_NGAY and the gateway's DENNGAY, equal once normalised
    exact = {str(c).strip().upper(): j for j, c in enumerate(header) if c not in (None, "")}
    fmap: dict[str, int] = {}
    for fname, aliases in lay.fields.items():
        for alias in aliases:
            if alias.upper() in exact:
                fmap[fname] = exact[alias.upper()]
                break
    taken = set(fmap.values())
    for fname, aliases in lay.fields.items():
        if fname in fmap:
            continue
        for alias in aliases:
            col = by_norm.get(norm(alias))
            if col is not None and col not in taken:
                fmap[fname] = col
                taken.add(col)
                break
    return i, lay, fmap, columns


def _generation(lay: Layout, columns: dict[str, int]) -> str:
    names = {norm(c) for c in columns}
    g2 = sum(norm(c) in names for c in lay.g2_columns) / max(1, len(lay.g2_columns))
    g1 = (
        sum(norm(c) in names for c in lay.g1_columns) / max(1, len(lay.g1_columns)) if lay.g1_columns else 0.0
    )
    if max(g1, g2) < 0.5:
        return "other"
    return "G2" if g2 >= g1 else "G1"


# ------------------------------------------------------------------------------------------------ values
def parse_date(value: object) -> date | None:
    """Parse ``yyyymmdd``, an Excel serial (< 80 000), ``dd/mm/yyyy``, ``yyyy-mm-dd`` or a date cell."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        n = int(value)
        if n < 80000:
            return _EXCEL_EPOCH + timedelta(days=n)
        value = str(n)
    text = str(value).strip()
    try:
        return _parse_date_text(text)
    except ValueError as exc:
        raise ValueError(f"not a date: {text!r}") from exc


def _parse_date_text(text: str) -> date:
    if re.fullmatch(r"\d{8}", text):
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    if re.fullmatch(r"\d{1,5}", text):
        return _EXCEL_EPOCH + timedelta(days=int(text))
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if m:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}([ T].*)?", text):
        return date.fromisoformat(text[:10])
    raise ValueError(f"not a date: {text!r}")


def parse_number(value: object) -> Decimal | None:
    """Plain non-negative number (``.`` decimal point, no thousands separators); ValueError if bad."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, int | Decimal):
        out = Decimal(value)
    elif isinstance(value, float):
        out = Decimal(repr(value))
    else:
        text = str(value).strip()
        if not text:
            return None
        if not _PLAIN_NUMBER.match(text):
            raise ValueError(f"not a plain number: {text!r}")
        out = Decimal(text)
    if out < 0:
        raise ValueError("negative number")
    return out


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\u00a0", " ")
    text = "".join(ch for ch in text if ch >= " " or ch == "\t")
    return " ".join(text.split())


# ------------------------------------------------------------------------------------------------ loading
def load_cells(
    cells: Sequence[Sequence[object]], source: str, kind: str | None = None, facility: str | None = None
) -> LoadResult:
    """Parse rows already read from a file (see :func:`load_catalogue`)."""
    found = _find_header(cells, kind)
    if found is None:
        return LoadResult(
            source,
            None,
            None,
            None,
            errors=[RowError(0, "header", f"no catalogue header found in the first {HEADER_SCAN_ROWS} rows")],
        )
    hi, lay, fmap, columns = found
    result = LoadResult(source, lay.kind, _generation(lay, columns), hi + 1)
    for req in lay.required:
        if req not in fmap and not (req == "facility" and facility):
            result.errors.append(
                RowError(0, req, f"required column for {lay.template} missing ({lay.fields[req][0]})")
            )
    if any(e.row == 0 for e in result.errors):
        return result
    for i in range(hi + 1, len(cells)):
        row = cells[i]
        rownum = i + 1
        if all(c in (None, "") or (isinstance(c, str) and not c.strip()) for c in row):
            continue
        parsed = _parse_row(row, rownum, lay, fmap, columns, facility, result)
        if parsed is not None:
            result.rows.append(parsed)
    _check_overlaps(result)
    return result


def _cell(row: Sequence[object], fmap: dict[str, int], name: str) -> object:
    j = fmap.get(name)
    return row[j] if j is not None and j < len(row) else None


def _parse_row(
    row: Sequence[object],
    rownum: int,
    lay: Layout,
    fmap: dict[str, int],
    columns: dict[str, int],
    facility: str | None,
    result: LoadResult,
) -> CatalogueRow | None:
    errors: list[RowError] = []
    attrs = {name: _text(row[j]) if j < len(row) else "" for name, j in columns.items()}
    raw_code = _cell(row, fmap, "code")
    if isinstance(raw_code, int | float) and not isinstance(raw_code, bool):
        result.errors.append(
            RowError(rownum, "code", "code arrived as a number (leading zeros may be lost)", "warning")
        )
    code = _text(raw_code)
    name = _text(_cell(row, fmap, "name"))
    fac = _text(_cell(row, fmap, "facility"))
    if facility and fac and fac != facility:
        result.skipped_other_facility += 1
        return None
    values: dict[str, object] = {}
    for fname, parser in (
        ("valid_from", parse_date),
        ("valid_to", parse_date),
        ("valid_to_gateway", parse_date),
        ("price", parse_number),
        ("price_bh", parse_number),
        ("payment_ratio", parse_number),
    ):
        try:
            values[fname] = parser(_cell(row, fmap, fname))
        except ValueError as exc:
            errors.append(RowError(rownum, lay.fields[fname][0], str(exc)))
    for req, val in (("code", code), ("name", name)):
        if req in lay.required and not val:
            errors.append(RowError(rownum, lay.fields[req][0], "required value is empty"))
    for req in ("valid_from", "price_bh"):
        if (
            req in lay.required
            and values.get(req) is None
            and not any(e.field == lay.fields[req][0] for e in errors)
        ):
            errors.append(RowError(rownum, lay.fields[req][0], "required value is empty"))
    start = values.get("valid_from")
    ends = [d for d in (values.get("valid_to"), values.get("valid_to_gateway")) if isinstance(d, date)]
    end = min(ends) if ends else None  # G1 files may carry both DEN_NGAY and DENNGAY: the earlier wins
    if isinstance(start, date) and end is not None and end < start:
        errors.append(RowError(rownum, lay.fields["valid_to"][0], "end date before start date"))
    ratio = values.get("payment_ratio")
    if isinstance(ratio, Decimal) and ratio > 100:
        errors.append(RowError(rownum, lay.fields["payment_ratio"][0], "payment ratio above 100"))
    if errors:
        result.errors.extend(errors)
        return None
    variant = "|".join(_text(_cell(row, fmap, f)) for f in sorted(lay.fields) if f.startswith("variant_"))
    price = values.get("price")
    price_bh = values.get("price_bh")
    return CatalogueRow(
        row=rownum,
        kind=lay.kind,
        code=code,
        name=name,
        valid_from=start if isinstance(start, date) else None,
        valid_to=end,
        facility=fac or (facility or ""),
        price=price if isinstance(price, Decimal) else None,
        price_bh=price_bh if isinstance(price_bh, Decimal) else None,
        payment_ratio=ratio if isinstance(ratio, Decimal) else None,
        unit=_text(_cell(row, fmap, "unit")),
        conditions=_text(_cell(row, fmap, "conditions")),
        variant=variant.strip("|"),
        attributes=attrs,
    )


def _check_overlaps(result: LoadResult) -> None:
    """Rows of one key (facility, code, variant) must close before the next starts; offenders dropped."""
    groups: dict[tuple[str, str, str], list[CatalogueRow]] = {}
    for r in result.rows:
        groups.setdefault((r.facility, r.code, r.variant), []).append(r)
    bad: set[int] = set()
    for items in groups.values():
        items.sort(
            key=lambda r: (
                r.valid_from or date.min,
                int(r.attributes.get("STT", "0") or 0) if str(r.attributes.get("STT", "0")).isdigit() else 0,
            )
        )
        kept: CatalogueRow | None = None
        for r in items:
            if kept is not None:
                kept_end = kept.valid_to or date.max
                if r.valid_from is None or kept.valid_from is None or r.valid_from <= kept_end:
                    result.errors.append(
                        RowError(
                            r.row,
                            "TU_NGAY",
                            f"validity overlaps row {kept.row} of the same "
                            f"code {r.code}; rows are closed by a new row, never overlapped",
                        )
                    )
                    bad.add(r.row)
                    continue
            kept = r
    if bad:
        result.rows = [r for r in result.rows if r.row not in bad]


def load_catalogue(path: Path, kind: str | None = None, facility: str | None = None) -> LoadResult:
    """Load one catalogue file (XLSX or CSV). ``kind`` forces drug/supply/service/department/staff/equipment;
    ``facility`` keeps rows of that ``MA_CSKCB`` (and rows with none)."""
    try:
        cells = read_cells(path)
    except (CatalogueFileError, OSError, UnicodeDecodeError, ValueError) as exc:
        return LoadResult(path.name, None, None, None, errors=[RowError(0, "file", str(exc))])
    return load_cells(cells, path.name, kind, facility)


# ------------------------------------------------------------------------------------------------ tariff
def tariff_group(kind: str, code: str) -> str:
    """Line group of a catalogue row: drugs, supplies, and services split into exam / bed / service codes."""
    if kind != "service":
        return kind
    if _EXAM_CODE.match(code):
        return "exam"
    if _BED_CODE.match(code):
        return "bed"
    return "service"


def to_tariff_rows(result: LoadResult) -> list[TariffRow]:
    """Tariff rows of a drug/supply/service load (rows without a start date or a price are left out)."""
    if result.kind not in TARIFF_KINDS:
        return []
    out = []
    for r in result.rows:
        if r.valid_from is None:
            continue
        price = r.price_bh if r.price_bh is not None else r.price
        out.append(
            TariffRow(
                code=r.code,
                name=r.name,
                group=tariff_group(result.kind, r.code),
                price_bh=price,
                valid_from=r.valid_from,
                valid_to=r.valid_to,
                payment_ratio=r.payment_ratio if r.payment_ratio is not None else Decimal(100),
                unit=r.unit,
                conditions=r.conditions,
                row_id=f"{result.source}:{r.row}",
                variant=r.variant,
            )
        )
    return out


def build_tariff(results: Iterable[LoadResult]) -> Tariff:
    """One tariff from several loads; an open row is closed by a later row of the same code (Tariff.build)."""
    rows: list[TariffRow] = []
    for res in results:
        rows.extend(to_tariff_rows(res))
    return Tariff.build(rows)
