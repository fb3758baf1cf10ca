"""What an intake adapter yields: one parsed record per encounter, and the count a file declares.

Adapters never raise for one bad record: they yield a :class:`ParsedRecord` carrying the error, naming
the record (row, entry, message) and the reason, so the rest of the file goes on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from claims.encounter.schemas import Encounter


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem with one line or field that does not stop the import (data, never an exception)."""

    code: str
    message: str
    severity: str = "warning"
    table: str = "encounter"
    record: str = ""
    field: str = ""


@dataclass(frozen=True, slots=True)
class ParsedRecord:
    """One encounter read from the input, or the reason it could not be read.

    ``label`` names the record in the source (``row 12-14``, ``entry 3 Encounter/f001``, ``message MSG001``).
    """

    label: str
    encounter: Encounter | None = None
    error: str | None = None
    findings: tuple[Finding, ...] = ()
    #: The claim tables exactly as the file declares them (XML 130 exports): stored as the claim, amounts kept.
    declared: Any = None

    def __post_init__(self) -> None:
        if (self.encounter is None) == (self.error is None):
            raise ValueError("a parsed record has either an encounter or an error")


@dataclass(frozen=True, slots=True)
class DeclaredCount:
    """How many records the file says it holds (FHIR Bundle.total, HL7 BTS-1, a CSV `# encounters=` line).

    ``counted`` is given by adapters that count a unit other than encounters themselves (HL7 counts
    messages); otherwise the service compares ``count`` with the encounter records it saw.
    """

    count: int
    where: str
    unit: str = "encounters"
    counted: int | None = None


@dataclass(frozen=True, slots=True)
class Ignored:
    """Input that is valid but describes no billable encounter (a lone Patient, a ClaimResponse …)."""

    label: str
    reason: str


IntakeItem = ParsedRecord | DeclaredCount | Ignored


@dataclass(slots=True)
class Draft:
    """Canonical fields gathered from a source before validation into an :class:`Encounter`."""

    label: str
    data: dict[str, Any] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def build(self) -> ParsedRecord:
        try:
            encounter = Encounter.model_validate(self.data)
        except ValidationError as exc:
            return ParsedRecord(self.label, error=validation_reason(exc))
        return ParsedRecord(self.label, encounter=encounter, findings=tuple(self.findings))


def validation_reason(exc: ValidationError) -> str:
    """A one-line reason naming each failing field by its canonical path and the XML 130 field it feeds."""
    parts = []
    for error in exc.errors(include_url=False):
        path = ".".join(str(part) for part in error["loc"]) or "encounter"
        xml = _xml_field_of(error["loc"])
        where = f"{path} ({xml})" if xml else path
        value = error.get("input")
        personal = error["loc"][:1] in (("patient",), ("cards",))  # reports must not carry names or card numbers
        shown = f" (value {value!r})" if isinstance(value, str | int) and error["type"] != "missing" else ""
        shown = "" if personal else shown
        parts.append(f"{where}: {error['msg']}{shown}")
    return "; ".join(parts)


_XML_NAME = re.compile(r"\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{4,})\b")


def _xml_field_of(loc: tuple[int | str, ...]) -> str | None:
    """The XML 130 field named in the description of the schema field at ``loc`` (for error messages)."""
    from claims.encounter.schemas import Card, EncounterLine, Patient

    model: Any = Encounter
    info = None
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return None
        info = fields[part]
        model = {"patient": Patient, "cards": Card, "lines": EncounterLine}.get(str(part))
    if info is None or not info.description:
        return None
    found = _XML_NAME.search(info.description)
    return found.group(1) if found else None


DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
DATETIME_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?$")


def parse_compact_datetime(value: str) -> datetime | None:
    """``yyyyMMddHHmm[ss]`` (the XML 130 form) → naive local datetime, else None."""
    found = DATETIME_RE.match(value)
    if not found:
        return None
    y, mo, d, h, mi, s = found.groups()
    return datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0))


def parse_compact_date(value: str) -> date | None:
    found = DATE_RE.match(value)
    if not found:
        return None
    y, mo, d = found.groups()
    return date(int(y), int(mo), int(d))


def drop_empty(values: Mapping[str, Any]) -> dict[str, Any]:
    """Leave out empty cells so the schema default applies."""
    return {key: value for key, value in values.items() if value not in (None, "")}


class IntakeFileError(Exception):
    """The file as a whole cannot be read (wrong format, unknown columns, not JSON …): no record was read."""
