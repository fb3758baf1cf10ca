"""Reading the office's answers: JSON payloads and CSV files in the documented shape
(``docs/office-files.md``), and hand-keyed payment notices in CSV or XLSX.

Bad input is reported per record (file, row, field) and skipped; one bad record never sinks a file.
Amounts are read as exact decimals from text: a float in a JSON payload is refused.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

ZERO = Decimal("0")
MAX_BYTES = 200 * 1024 * 1024
MAX_REASON_CODES = 500


class RecordError(ValueError):
    """A record that cannot be read, with where it is."""

    def __init__(self, where: str, field_name: str, message: str) -> None:
        super().__init__(f"{where}: {field_name}: {message}")
        self.where, self.field, self.message = where, field_name, message

    def as_dict(self) -> dict[str, str]:
        return {"where": self.where, "field": self.field, "message": self.message}


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    message: str = ""
    legal_ref: str | None = None


@dataclass(frozen=True, slots=True)
class LineAnswer:
    table: str
    line_no: int
    item_code: str
    claimed: Decimal
    approved: Decimal
    disallowed: Decimal
    reasons: tuple[Reason, ...] = ()
    line_time: str | None = None


@dataclass(frozen=True, slots=True)
class ClaimAnswer:
    facility_code: str
    period: str  # yyyymm
    ma_lk: str
    version: int
    transaction_id: str
    envelope_sha256: str
    status: str
    assessed_at: datetime | None
    claimed: Decimal
    approved: Decimal
    disallowed: Decimal
    reasons: tuple[Reason, ...] = ()
    lines: tuple[LineAnswer, ...] | None = None  # None: the source gave no line detail


@dataclass(frozen=True, slots=True)
class NoticeRecord:
    notice_id: str
    facility_code: str
    period: str  # yyyymm
    kind: str
    issued_on: date
    claims: int
    claimed: Decimal
    approved: Decimal
    disallowed: Decimal
    advances: Decimal
    amount: Decimal
    ma_lks: tuple[str, ...] = ()
    allocations: tuple[tuple[str, Decimal], ...] = ()  # hand-keyed amounts per MA_LK
    entered_by: str | None = None


@dataclass
class Parsed:
    answers: list[ClaimAnswer] = field(default_factory=list)
    notices: list[NoticeRecord] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)


def money(value: Any, where: str, name: str) -> Decimal:
    if isinstance(value, bool) or isinstance(value, float):
        raise RecordError(where, name, "amounts must be strings or integers, never floats")
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RecordError(where, name, "missing amount")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise RecordError(where, name, f"not a decimal amount: {str(value)[:40]!r}") from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise RecordError(where, name, "at most 2 decimals")
    return amount


def period_of(value: Any, where: str) -> str:
    text = str(value or "").strip()
    digits = text.replace("-", "")
    if len(digits) != 6 or not digits.isdigit() or not 1 <= int(digits[4:]) <= 12:
        raise RecordError(where, "period", f"expected yyyy-MM, got {text[:20]!r}")
    return digits


def _text(record: Mapping[str, Any], name: str, where: str, required: bool = True) -> str:
    value = record.get(name)
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise RecordError(where, name, "missing")
    return text


def _int(record: Mapping[str, Any], name: str, where: str) -> int:
    value = record.get(name)
    if isinstance(value, bool):
        raise RecordError(where, name, "expected an integer")
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise RecordError(where, name, f"expected an integer, got {str(value)[:20]!r}") from None


def _when(value: Any, where: str) -> datetime | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise RecordError(where, "assessed_at", f"not an ISO 8601 time: {text[:40]!r}") from None


def _day(value: Any, where: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise RecordError(where, "issued_on", f"not an ISO date: {str(value)[:20]!r}") from None


def _reasons_json(items: Any, where: str) -> tuple[Reason, ...]:
    if items in (None, ""):
        return ()
    if not isinstance(items, list):
        raise RecordError(where, "reasons", "expected a list")
    out = []
    for item in items:
        if not isinstance(item, Mapping) or not str(item.get("code") or "").strip():
            raise RecordError(where, "reasons", "each reason needs a code")
        out.append(Reason(str(item["code"]).strip(), str(item.get("message") or ""), item.get("legal_ref")))
    return tuple(out)


def _reasons_csv(codes: str, messages: str) -> tuple[Reason, ...]:
    code_list = [c.strip() for c in (codes or "").split(";") if c.strip()]
    message_list = [m.strip() for m in (messages or "").split(" | ")] if messages else []
    return tuple(Reason(code, message_list[i] if i < len(message_list) else "") for i, code in enumerate(code_list))


def _check_sum(claimed: Decimal, approved: Decimal, disallowed: Decimal, where: str) -> None:
    if approved + disallowed != claimed:
        raise RecordError(where, "disallowed", f"approved {approved} + disallowed {disallowed} ≠ claimed {claimed}")


def _line(record: Mapping[str, Any], where: str) -> LineAnswer:
    table = _text(record, "table", where).upper()
    if table not in ("XML2", "XML3"):
        raise RecordError(where, "table", f"expected XML2 or XML3, got {table[:10]!r}")
    claimed = money(record.get("claimed"), where, "claimed")
    approved = money(record.get("approved"), where, "approved")
    disallowed = money(record.get("disallowed"), where, "disallowed")
    _check_sum(claimed, approved, disallowed, where)
    line_time = _text(record, "line_time", where, required=False) or None
    return LineAnswer(
        table=table,
        line_no=_int(record, "line_no", where),
        item_code=_text(record, "item_code", where),
        claimed=claimed,
        approved=approved,
        disallowed=disallowed,
        reasons=_reasons_json(record.get("reasons"), where),
        line_time=line_time,
    )


def answer_from_json(record: Mapping[str, Any], where: str) -> ClaimAnswer:
    """One assessment result (``GET /api/ext/results/{MA_LK}``)."""
    if not isinstance(record, Mapping):
        raise RecordError(where, "(record)", "expected an object")
    claimed = money(record.get("claimed"), where, "claimed")
    approved = money(record.get("approved"), where, "approved")
    disallowed = money(record.get("disallowed"), where, "disallowed")
    _check_sum(claimed, approved, disallowed, where)
    ma_lk = _text(record, "ma_lk", where)
    raw_lines = record.get("lines")
    lines = None
    if isinstance(raw_lines, list) and raw_lines:
        lines = tuple(_line(item, f"{where} line {i + 1}") for i, item in enumerate(raw_lines))
    status = _text(record, "status", where)
    if status not in ("accepted", "partially_accepted", "rejected"):
        raise RecordError(where, "status", f"unknown status {status[:30]!r}")
    return ClaimAnswer(
        facility_code=_text(record, "facility_code", where),
        period=period_of(record.get("period"), where),
        ma_lk=ma_lk,
        version=_int(record, "version", where),
        transaction_id=_text(record, "transaction_id", where, required=False),
        envelope_sha256=_text(record, "envelope_sha256", where, required=False),
        status=status,
        assessed_at=_when(record.get("assessed_at"), where),
        claimed=claimed,
        approved=approved,
        disallowed=disallowed,
        reasons=_reasons_json(record.get("reasons"), where),
        lines=lines,
    )


def _allocations(text: str, where: str) -> tuple[tuple[str, Decimal], ...]:
    out = []
    for part in (text or "").split(";"):
        if not part.strip():
            continue
        ma_lk, sep, amount = part.partition("=")
        if not sep or not ma_lk.strip():
            raise RecordError(where, "allocations", "expected MA_LK=amount;…")
        out.append((ma_lk.strip(), money(amount, where, "allocations")))
    return tuple(out)


def notice_from_record(record: Mapping[str, Any], where: str, entered_by: str | None = None) -> NoticeRecord:
    """One payment notice (JSON object or a CSV/XLSX row)."""
    if not isinstance(record, Mapping):
        raise RecordError(where, "(record)", "expected an object")
    kind = _text(record, "kind", where)
    if kind not in ("advance", "settlement"):
        raise RecordError(where, "kind", f"expected advance or settlement, got {kind[:20]!r}")
    raw = record.get("ma_lks")
    ma_lks = tuple(str(x).strip() for x in raw) if isinstance(raw, list) else tuple(
        x.strip() for x in str(raw or "").split(";") if x.strip()
    )  # fmt: skip
    claims_raw = record.get("claims")
    return NoticeRecord(
        notice_id=_text(record, "notice_id", where),
        facility_code=_text(record, "facility_code", where),
        period=period_of(record.get("period"), where),
        kind=kind,
        issued_on=_day(record.get("issued_on"), where),
        claims=_int(record, "claims", where) if claims_raw not in (None, "") else len(ma_lks),
        claimed=money(record.get("claimed") or "0", where, "claimed"),
        approved=money(record.get("approved") or "0", where, "approved"),
        disallowed=money(record.get("disallowed") or "0", where, "disallowed"),
        advances=money(record.get("advances") or "0", where, "advances"),
        amount=money(record.get("amount"), where, "amount"),
        ma_lks=ma_lks,
        allocations=_allocations(str(record.get("allocations") or ""), where),
        entered_by=(_text(record, "entered_by", where, required=False) or entered_by),
    )


def _records(payload: Any, list_key: str) -> list[Any]:
    if isinstance(payload, list):
        return payload
    if isinstance(payload, Mapping) and isinstance(payload.get(list_key), list):
        return list(payload[list_key])
    return [payload]


def _collect(parsed: Parsed, items: Iterable[tuple[str, Any]], build: Any, target: list[Any]) -> None:
    for where, item in items:
        try:
            target.append(build(item, where))
        except RecordError as exc:
            parsed.errors.append(exc)


def parse_assessments_json(data: bytes, name: str = "payload") -> Parsed:
    parsed = Parsed()
    payload = _load_json(data, name)
    items = [(f"{name} record {i + 1}", r) for i, r in enumerate(_records(payload, "results"))]
    _collect(parsed, items, answer_from_json, parsed.answers)
    return parsed


def parse_notices_json(data: bytes, name: str = "payload", entered_by: str | None = None) -> Parsed:
    parsed = Parsed()
    payload = _load_json(data, name)
    items = [(f"{name} record {i + 1}", r) for i, r in enumerate(_records(payload, "notices"))]
    _collect(parsed, items, lambda r, w: notice_from_record(r, w, entered_by), parsed.notices)
    return parsed


def _load_json(data: bytes, name: str) -> Any:
    if len(data) > MAX_BYTES:
        raise RecordError(name, "(file)", "too large")
    try:
        # Floats stay floats here so that ``money`` refuses them: the format writes amounts as strings.
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RecordError(name, "(file)", f"not JSON: {exc}") from None


def _csv_rows(data: bytes, name: str) -> tuple[list[str], list[dict[str, str]]]:
    if len(data) > MAX_BYTES:
        raise RecordError(name, "(file)", "too large")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RecordError(name, "(file)", "not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    return header, list(reader)


def parse_assessments_csv(data: bytes, name: str = "file") -> Parsed:
    """A ``level=claims`` or ``level=lines`` assessment CSV (recognised by its header)."""
    parsed = Parsed()
    header, rows = _csv_rows(data, name)
    if "line_no" in header:
        _lines_csv(parsed, rows, name)
        return parsed
    for i, row in enumerate(rows, start=2):
        where = f"{name} row {i}"
        try:
            record: dict[str, Any] = dict(row)
            record["reasons"] = None
            answer = answer_from_json(record, where)
            reasons = _reasons_csv(row.get("reason_codes", ""), row.get("reasons", ""))
            parsed.answers.append(_replace_reasons(answer, reasons))
        except RecordError as exc:
            parsed.errors.append(exc)
    return parsed


def _replace_reasons(answer: ClaimAnswer, reasons: tuple[Reason, ...]) -> ClaimAnswer:
    from dataclasses import replace

    return replace(answer, reasons=reasons)


def _lines_csv(parsed: Parsed, rows: list[dict[str, str]], name: str) -> None:
    """Lines only: each claim's answer is the sum of its lines (no claim-level reasons)."""
    groups: dict[tuple[str, str, int], list[tuple[LineAnswer, dict[str, str]]]] = {}
    for i, row in enumerate(rows, start=2):
        where = f"{name} row {i}"
        try:
            record: dict[str, Any] = dict(row)
            record["reasons"] = None
            line = _line(record, where)
            reasons = _reasons_csv(row.get("reason_codes", ""), row.get("reasons", ""))
            line = LineAnswer(**{**_as_dict(line), "reasons": reasons})
            key = (_text(row, "facility_code", where), _text(row, "ma_lk", where), _int(row, "version", where))
            period_of(row.get("period"), where)
            groups.setdefault(key, []).append((line, row))
        except RecordError as exc:
            parsed.errors.append(exc)
    for (facility_code, ma_lk, version), items in groups.items():
        lines = tuple(line for line, _ in items)
        first = items[0][1]
        claimed = sum((x.claimed for x in lines), ZERO)
        approved = sum((x.approved for x in lines), ZERO)
        status = "accepted" if approved == claimed else "rejected" if approved == ZERO else "partially_accepted"
        parsed.answers.append(
            ClaimAnswer(
                facility_code=facility_code,
                period=period_of(first.get("period"), name),
                ma_lk=ma_lk,
                version=version,
                transaction_id=(first.get("transaction_id") or "").strip(),
                envelope_sha256="",
                status=status,
                assessed_at=None,
                claimed=claimed,
                approved=approved,
                disallowed=claimed - approved,
                lines=lines,
            )
        )


def _as_dict(line: LineAnswer) -> dict[str, Any]:
    return {name: getattr(line, name) for name in LineAnswer.__slots__}


def parse_notices_csv(data: bytes, name: str = "file", entered_by: str | None = None) -> Parsed:
    parsed = Parsed()
    _, rows = _csv_rows(data, name)
    items = [(f"{name} row {i}", r) for i, r in enumerate(rows, start=2)]
    _collect(parsed, items, lambda r, w: notice_from_record(r, w, entered_by), parsed.notices)
    return parsed


def parse_notices_xlsx(data: bytes, name: str = "file", entered_by: str | None = None) -> Parsed:
    """Hand-keyed notices: the first sheet, a header row with the CSV column names, one notice a row."""
    from openpyxl import load_workbook

    if len(data) > MAX_BYTES:
        raise RecordError(name, "(file)", "too large")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise RecordError(name, "(file)", f"not an XLSX workbook: {type(exc).__name__}") from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(h or "").strip() for h in next(rows, ())]
    parsed = Parsed()
    items = []
    for i, values in enumerate(rows, start=2):
        if all(v in (None, "") for v in values):
            continue
        record = {h: _cell(v) for h, v in zip(header, values, strict=False) if h}
        items.append((f"{name} sheet {sheet.title!r} row {i}", record))
    _collect(parsed, items, lambda r, w: notice_from_record(r, w, entered_by), parsed.notices)
    book.close()
    return parsed


def _cell(value: Any) -> Any:
    # A spreadsheet number typed as 120000 or 120000.5 arrives as int/float: go through its text.
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    return value
