"""Bed-day rules beyond the day count (Circular 39/2018/TT-BYT Art. 6 as amended by Circular 13/2019, then
Circular 22/2023 and Circular 35/2016 Art. 4c as amended by Circular 39/2024; benefits.md §7.4).

- surgical bed price for at most ``surgical_bed_max_days`` days after an operation;
- ICU price only in the hospital classes of ``bed_rules.csv`` (``icu_class``) with an approved ICU;
- observation beds of commune stations / regional polyclinics: at most ``observation_bed_max_days`` days and
  no exam fee while the observation bed is paid;
- day-care beds: no more days than the calendar days of the stay (warning).

Every threshold and code list is dated data (``scalars.csv``, ``bed_rules.csv``, ``bed_types.csv``); a rule
with no row in force on the admission date is not applied. Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from rules.model import Encounter, Facility, Finding, Line, TraceStep
from rules.params import DatedRow, Parameters

HOSPITAL_CLASSES = frozenset({"special", "I", "II", "III", "IV"})
_ZERO = Decimal(0)
_MISS = "?"  # memo sentinel: not a bed type


@lru_cache(maxsize=1024)
def rule_rows(rule: str, on: date, params: Parameters) -> tuple[DatedRow, ...]:
    """Rows of ``bed_rules.csv`` named ``rule`` in force on ``on``."""
    table = params.bed_rules
    out = []
    for key in table.keys():
        if key[0] == rule:
            row = table.get(key, on)
            if row is not None:
                out.append(row)
    return tuple(out)


@lru_cache(maxsize=1024)
def rule_values(rule: str, on: date, params: Parameters) -> frozenset[str]:
    """Values of ``bed_rules.csv`` rows named ``rule`` in force on ``on`` (empty: rule not in force)."""
    return frozenset(r.values["value"] for r in rule_rows(rule, on, params))


class _BedTyper:
    """Bed type by code and MA_NHOM under one set of rows in force, memoised per code.

    Typers are shared by every date on which the same rows are in force, so the memo hits across dates.
    """

    __slots__ = ("day_care", "memo", "observation", "patterns")

    def __init__(
        self, patterns: tuple[tuple[str, str], ...], observation: frozenset[str], day_care: frozenset[str]
    ) -> None:
        self.patterns = tuple((re.compile(p), t) for p, t in patterns)
        self.observation = observation
        self.day_care = day_care
        self.memo: dict[tuple[str, str | None], str | None] = {}

    def type_of(self, code: str, ma_nhom: str | None) -> str | None:
        key = (code, ma_nhom)
        try:
            return self.memo[key]
        except KeyError:
            pass
        found: str | None = None
        if ma_nhom is not None and ma_nhom in self.observation:
            found = "observation"
        elif ma_nhom is not None and ma_nhom in self.day_care:
            found = "day_care"
        else:
            text = code.strip().upper()
            for pattern, kind in self.patterns:
                if pattern.match(text):
                    found = kind
                    break
        if len(self.memo) > 50_000:  # bounded: a long-running service sees many codes
            self.memo.clear()
        self.memo[key] = found
        return found


_TYPERS: dict[tuple[object, ...], _BedTyper] = {}


@lru_cache(maxsize=1024)
def _typer(on: date, params: Parameters) -> _BedTyper:
    table = params.bed_types
    patterns = []
    for key in table.keys():
        row = table.get(key, on)
        if row is not None:
            patterns.append((key[0], row.values["bed_type"]))
    content = (
        id(params),
        tuple(sorted(patterns)),
        rule_values("observation_group", on, params),
        rule_values("day_care_group", on, params),
    )
    typer = _TYPERS.get(content)
    if typer is None:
        typer = _TYPERS[content] = _BedTyper(content[1], content[2], content[3])
    return typer


def bed_type(line: Line, on: date, params: Parameters) -> str | None:
    """The bed type of a line: ``Line.bed_type`` if given, else from MA_NHOM and the code (bed_types.csv)."""
    if line.bed_type:
        return line.bed_type
    return _typer(on, params).type_of(line.code, line.ma_nhom)


_CLASS_SPELLINGS = {
    "đặc biệt": "special",
    "dac biet": "special",
    "db": "special",
    "1": "I",
    "2": "II",
    "3": "III",
    "4": "IV",
}


@lru_cache(maxsize=256)
def normalize_class(text: str) -> str:
    """``hạng I`` / ``1`` / ``i`` → ``I``; ``đặc biệt`` → ``special``; other kinds lower-cased."""
    cls = text.strip()
    low = cls.lower()
    for lead in ("hạng ", "hang "):
        if low.startswith(lead):
            cls, low = cls[len(lead) :].strip(), low[len(lead) :].strip()
    if low in _CLASS_SPELLINGS:
        return _CLASS_SPELLINGS[low]
    if cls.upper() in HOSPITAL_CLASSES:
        return cls.upper()
    return "special" if low == "special" else low


def facility_kind(fac: Facility) -> str | None:
    """``commune``, a hospital class (``special``, ``I`` … ``IV``) or another kind named by ``hospital_class``
    (``unclassified``, ``private``, ``polyclinic``, ``army_police_clinic``, ``cadre_clinic``)."""
    cls = normalize_class(fac.hospital_class or "")
    if cls == "commune" or (fac.pre2025_level or fac.old_level) == "commune":
        return "commune"
    return cls or None


def _scalar(name: str, on: date, params: Parameters) -> tuple[Decimal, DatedRow] | None:
    row = params.scalars.get((name,), on)
    return (Decimal(row.values["value"]), row) if row is not None else None


class BedVerdict:
    """Lines a bed rule refuses (stt → field, reason), findings and claim-level trace steps."""

    __slots__ = ("findings", "refused", "steps")

    def __init__(self) -> None:
        self.refused: dict[int, tuple[str, str]] = {}
        self.findings: list[Finding] = []
        self.steps: list[TraceStep] = []

    def refuse(
        self, line: Line, rule_id: str, reason: str, source: str, reject: bool, field: str = "quantity"
    ) -> None:
        """Refuse ``line`` (rejected, or a warning when the option says so) with a trace step."""
        self.steps.append(
            TraceStep(
                rule_id, "rejected", str(line.stt), (("stt", str(line.stt)), ("why", reason), ("source", source))
            )
        )
        if reject:
            self.refused[line.stt] = (field, f"{reason} ({source})")
        else:
            self.findings.append(
                Finding(f"lines[stt={line.stt}].{field}", f"{reason} ({source})", "warning", line.stt, rule_id)
            )


def _moment(line: Line, enc: Encounter) -> datetime:
    if line.line_datetime is not None:
        return line.line_datetime
    return enc.admission_datetime or datetime.combine(enc.encounter_date, datetime.min.time())


def check_beds(enc: Encounter, on: date, params: Parameters, reject: bool) -> BedVerdict | None:
    """Apply the bed rules of benefits.md §7.4 in force on ``on`` (the admission date); None if no bed line.

    Circular 39/2018/TT-BYT Art. 6 as amended by Circular 13/2019 (later Circular 22/2023; Circular 35/2016
    Art. 4c as amended by Circular 39/2024).
    """
    beds: list[tuple[Line, str]] = []
    typer: _BedTyper | None = None
    for line in enc.lines:
        if line.group == "bed" or line.bed_type:
            if typer is None:
                typer = _typer(on, params)
            kind = line.bed_type or typer.memo.get((line.code, line.ma_nhom), _MISS)
            if kind is _MISS:
                kind = typer.type_of(line.code, line.ma_nhom)
            if kind is not None:
                beds.append((line, kind))
    if not beds:
        return None
    verdict = BedVerdict()
    _icu(enc.facility, [ln for ln, k in beds if k == "icu"], on, params, reject, verdict)
    surgical = [ln for ln, k in beds if k == "surgical"]
    if surgical:
        _surgical(enc, surgical, on, params, reject, verdict)
    observation = [ln for ln, k in beds if k == "observation"]
    if observation:
        _observation(enc, observation, on, params, reject, verdict)
    day_care = [ln for ln, k in beds if k == "day_care"]
    if day_care:
        _day_care(enc, day_care, verdict)
    return verdict


def _icu(
    fac: Facility, lines: Sequence[Line], on: date, params: Parameters, reject: bool, verdict: BedVerdict
) -> None:
    rows = rule_rows("icu_class", on, params)
    if not lines or not rows:
        return
    classes = frozenset(r.values["value"] for r in rows)
    source = rows[0].source
    kind = facility_kind(fac)
    for line in lines:
        if fac.icu_approved is False:
            verdict.refuse(
                line,
                "BED.ICU",
                "ICU bed price without an ICU meeting QĐ 01/2008/QĐ-BYT: bill the emergency-resuscitation bed",
                source,
                reject,
            )
        elif kind is None:
            verdict.findings.append(
                Finding(
                    f"lines[stt={line.stt}].code",
                    "hospital class unknown: the ICU bed conditions could not be checked",
                    "warning",
                    line.stt,
                    "BED.ICU",
                )
            )
        elif kind not in classes:
            verdict.refuse(
                line,
                "BED.ICU",
                f"ICU bed price at a facility of class {kind} (only {', '.join(sorted(classes))}): "
                "bill the emergency-resuscitation bed",
                source,
                reject,
            )


def _surgical(
    enc: Encounter, lines: Sequence[Line], on: date, params: Parameters, reject: bool, verdict: BedVerdict
) -> None:
    limit_row = _scalar("surgical_bed_max_days", on, params)
    groups = rule_values("operation_group", on, params)
    if limit_row is None or not groups:
        return
    limit, row = limit_row
    operations = sorted(
        _moment(ln, enc).date() for ln in enc.lines if ln.ma_nhom in groups and ln.quantity > _ZERO
    )
    if not operations:
        if any(ln.ma_nhom is not None for ln in enc.lines):
            for line in lines:
                verdict.findings.append(
                    Finding(
                        f"lines[stt={line.stt}].code",
                        "surgical bed without an operation in this claim: the "
                        f"{limit}-day limit could not be checked ({row.source})",
                        "warning",
                        line.stt,
                        "BED.SURGICAL_LIMIT",
                    )
                )
        return
    used: dict[date, Decimal] = {}
    for line in sorted(lines, key=lambda ln: (_moment(ln, enc), ln.stt)):
        day = _moment(line, enc).date()
        before = [op for op in operations if op <= day]
        if not before:
            continue
        op = before[-1]
        total = used.get(op, _ZERO) + line.quantity
        used[op] = total
        elapsed = (day - op).days
        excess = line.quantity if elapsed > limit else max(_ZERO, total - limit)
        verdict.steps.append(
            TraceStep(
                "BED.SURGICAL_DAYS",
                "surgical_bed_days",
                total,
                (
                    ("stt", str(line.stt)),
                    ("operation", op.isoformat()),
                    ("limit", limit),
                    ("on", on.isoformat()),
                    ("valid", row.validity),
                    ("source", row.source),
                ),
            )
        )
        if excess > _ZERO:
            verdict.refuse(
                line,
                "BED.SURGICAL_LIMIT",
                f"surgical bed {total} days after the operation of {op.isoformat()}, at most {limit}: "
                f"bill the {min(excess, line.quantity)} days beyond at the department's internal-medicine bed price",
                row.source,
                reject,
            )


def _observation(
    enc: Encounter, lines: Sequence[Line], on: date, params: Parameters, reject: bool, verdict: BedVerdict
) -> None:
    kinds = rule_values("observation_facility", on, params)
    kind = facility_kind(enc.facility)
    limit_row = _scalar("observation_bed_max_days", on, params)
    if kind not in kinds or limit_row is None:
        return
    limit, row = limit_row
    total = _ZERO
    paid = False
    for line in sorted(lines, key=lambda ln: (_moment(ln, enc), ln.stt)):
        total += line.quantity
        if total > limit:
            verdict.refuse(
                line,
                "BED.OBSERVATION",
                f"observation bed {total} days at a {kind} facility, at most {limit}",
                row.source,
                reject,
            )
        elif line.quantity > _ZERO:
            paid = True
    if paid:
        for line in enc.lines:
            if line.group == "exam":
                verdict.refuse(
                    line,
                    "BED.OBSERVATION_EXAM",
                    "no exam fee when the observation bed is paid",
                    row.source,
                    reject,
                    "group",
                )


def _day_care(enc: Encounter, lines: Sequence[Line], verdict: BedVerdict) -> None:
    if enc.admission_datetime is None or enc.discharge_datetime is None:
        return
    days = (enc.discharge_datetime.date() - enc.admission_datetime.date()).days + 1
    billed = sum((ln.quantity for ln in lines), _ZERO)
    if billed > days:
        verdict.findings.append(
            Finding(
                "lines.quantity",
                f"{billed} day-care bed days billed for a stay over {days} calendar days "
                "(Circular 39/2018/TT-BYT Art. 6: no more bed days than the stay)",
                "warning",
                code="BED.DAY_CARE",
            )
        )
