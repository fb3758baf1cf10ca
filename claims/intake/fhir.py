"""FHIR R4 → canonical encounters (fhir.resources, R4B models: the R4-compatible release it ships).

Input: a Bundle (transaction, batch, collection, searchset), a single resource, or NDJSON (one
resource or one Bundle per line). Every resource is validated strictly on its own first; a resource
that is not valid R4 fails with the exact reason (path, message, value) and takes down only the
encounter that needs it. Each Encounter — or each Claim that names no Encounter — becomes one
canonical encounter, gathering its Patient, Coverage, Condition, Procedure, ChargeItem, Medication*,
Observation/DiagnosticReport and Claim by reference. The element-by-element mapping and our
identifier systems are in docs/fhir-mapping.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, TextIO

from pydantic import ValidationError

from claims.encounter.schemas import LineGroup, Route
from claims.intake.mapping import EMPTY_MAPPING, CodeMapping
from claims.intake.records import DeclaredCount, Draft, Finding, Ignored, IntakeFileError, IntakeItem, ParsedRecord

BASE = "https://bhyt-claims.example/fhir"
SID_CARD = f"{BASE}/sid/ma-the-bhyt"
SID_CLAIM_KEY = f"{BASE}/sid/ma-lk"
SID_FACILITY = f"{BASE}/sid/ma-cskcb"
SID_DEPARTMENT = f"{BASE}/sid/ma-khoa"
SID_PATIENT = f"{BASE}/sid/ma-bn"
SID_NATIONAL_ID = f"{BASE}/sid/so-cccd"
SID_PRACTITIONER = f"{BASE}/sid/ma-bac-si"
CS_INSURER_CATALOGUE = f"{BASE}/CodeSystem/dmbh"
CS_HIS_ITEM = f"{BASE}/CodeSystem/his-item"
CS_VISIT_TYPE = f"{BASE}/CodeSystem/ma-loai-kcb"
CS_LINE_GROUP = f"{BASE}/CodeSystem/line-group"
EXT_COST_GROUP = f"{BASE}/StructureDefinition/cost-group"
EXT_REGISTERED_FACILITY = f"{BASE}/StructureDefinition/registered-facility"
EXT_UNIT_PRICE = f"{BASE}/StructureDefinition/unit-price"
EXT_ORDERED_AT = f"{BASE}/StructureDefinition/ordered-at"

#: Alternatives accepted beside our own systems (matched on the lower-cased system URI).
CARD_SYSTEM_HINTS = ("ma-the-bhyt", "bhyt", "health-insurance-card", "the-bhyt")
CLAIM_KEY_SYSTEM_HINTS = ("ma-lk", "ma_lk", "malk")
FACILITY_SYSTEM_HINTS = ("ma-cskcb", "macskcb", "cskcb")
DEPARTMENT_SYSTEM_HINTS = ("ma-khoa", "departments", "department")
ICD10_SYSTEMS = {
    "http://hl7.org/fhir/sid/icd-10",
    "http://hl7.org/fhir/sid/icd-10-vn",
    f"{BASE}/CodeSystem/icd-10-vn",
    "urn:oid:2.16.840.1.113883.6.3",
    "http://id.who.int/icd/release/10",
}
INTAKE_TYPES = {
    "Patient", "Coverage", "Encounter", "Condition", "Procedure", "ChargeItem", "MedicationDispense",
    "MedicationAdministration", "MedicationRequest", "Observation", "DiagnosticReport", "Claim",
    "Practitioner", "Organization", "Location", "Medication",
}  # fmt: skip
MEDICATION_TYPES = ("MedicationDispense", "MedicationAdministration", "MedicationRequest")
VISIT_TYPE_BY_CLASS = {"AMB": "01", "EMER": "01", "IMP": "03", "ACUTE": "03", "NONAC": "03", "SS": "04", "OBSENC": "01"}
DISCHARGE_TYPE = {"home": 1, "oth-hosp": 2, "hosp": 2, "long": 2, "rehab": 2, "aadvice": 3, "exp": 1}
_TZ_LESS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")

_MODELS: dict[str, Any] = {}


def _model(resource_type: str) -> Any:
    model = _MODELS.get(resource_type)
    if model is None:
        from fhir.resources.R4B import get_fhir_model_class

        model = _MODELS[resource_type] = get_fhir_model_class(resource_type)
    return model


def validate_resource(data: Any) -> Any:
    """The R4 model of ``data``; :class:`ResourceError` with the exact reason when it is not valid R4."""
    if not isinstance(data, dict) or not isinstance(data.get("resourceType"), str):
        raise ResourceError("not a FHIR resource: no resourceType")
    kind = data["resourceType"]
    try:
        model = _model(kind)
    except ValueError:
        raise ResourceError(f"{kind} is not an R4 resource type") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ResourceError(f"{kind}: {fhir_reason(exc)}") from None


class ResourceError(ValueError):
    """A resource that is not valid R4."""


def fhir_reason(exc: ValidationError) -> str:
    """Each error as ``path: message (value …)``; a dateTime with a time but no zone is said so in plain words."""
    parts = []
    for error in exc.errors(include_url=False):
        path = ".".join(str(part) for part in error["loc"] if part != "__root__") or "resource"
        message = "field required" if error["type"] == "missing" else error["msg"].removeprefix("Value error, ")
        value = error.get("input")
        if isinstance(value, str) and _TZ_LESS.match(value):
            message = f"dateTime {value!r} has a time but no time zone (R4 requires one)"
        elif isinstance(value, str | int | float) and error["type"] != "missing":
            message = f"{message} (value {value!r})"
        parts.append(f"{path}: {message}")
    return "; ".join(sorted(parts))


# --- reading input -------------------------------------------------------------------------------


@dataclass(slots=True)
class _Entry:
    label: str
    kind: str
    raw: dict[str, Any]
    model: Any = None
    error: str | None = None
    keys: tuple[str, ...] = ()


@dataclass(slots=True)
class _Group:
    """The resources of one Bundle (or of a run of bare NDJSON resources), indexed by reference."""

    label: str
    entries: list[_Entry] = field(default_factory=list)
    by_key: dict[str, _Entry] = field(default_factory=dict)
    _referrers: dict[str, dict[int, list[_Entry]]] = field(default_factory=dict)

    def add(self, entry: _Entry) -> None:
        self.entries.append(entry)
        for key in entry.keys:
            self.by_key[key] = entry

    def resolve(self, reference: Any) -> _Entry | None:
        if reference is None or not getattr(reference, "reference", None):
            return None
        ref = str(reference.reference)
        found = self.by_key.get(ref)
        if found is None and "/" in ref:  # absolute URL ending in Type/id
            found = self.by_key.get("/".join(ref.rstrip("/").split("/")[-2:]))
        return found

    def of(self, *kinds: str) -> list[_Entry]:
        return [entry for entry in self.entries if entry.kind in kinds]

    def referrers(self, target: _Entry, field_name: str) -> list[_Entry]:
        """Entries whose ``field_name`` reference resolves to ``target`` (an index built once per field).

        Entries that failed validation are indexed by their raw reference, so the encounter they belong
        to can fail with their reason.
        """
        index = self._referrers.get(field_name)
        if index is None:
            index = self._referrers[field_name] = {}
            for entry in self.entries:
                if entry.model is not None:
                    found = self.resolve(getattr(entry.model, field_name, None))
                else:
                    raw = entry.raw.get(field_name)
                    found = self.by_key.get(str(raw.get("reference", ""))) if isinstance(raw, dict) else None
                if found is not None:
                    index.setdefault(id(found), []).append(entry)
        return index.get(id(target), [])


def read_fhir(
    handle: TextIO, *, source: str = "fhir", facility_code: str | None = None, mapping: CodeMapping = EMPTY_MAPPING
) -> Iterator[IntakeItem]:
    """Read JSON (a Bundle or one resource) or NDJSON (one per line), choosing by the first character."""
    head = handle.read(1)
    while head and head.isspace():
        head = handle.read(1)
    if not head:
        raise IntakeFileError(f"{source}: empty file")
    rest_first_line = handle.readline()
    first_line = head + rest_first_line
    try:
        first = json.loads(first_line)
        one_per_line = True
    except json.JSONDecodeError:
        one_per_line = False
    if one_per_line:
        lines = _ndjson(first, handle, source)
    else:
        try:
            document = json.loads(first_line + handle.read())
        except json.JSONDecodeError as exc:
            raise IntakeFileError(f"{source}: not JSON: {exc}") from None
        lines = iter([(source, document)])
    builder = _Builder(facility_code, mapping)
    bare = _Group(f"{source} resources")
    for label, document in lines:
        if isinstance(document, dict) and document.get("resourceType") == "Bundle":
            yield from builder.bundle(document, label)
        else:
            _add(bare, document, label)
    if bare.entries:
        yield from builder.group(bare)


def _ndjson(first: Any, handle: TextIO, source: str) -> Iterator[tuple[str, Any]]:
    yield f"{source} line 1", first
    for number, line in enumerate(handle, start=2):
        if not line.strip():
            continue
        try:
            yield f"{source} line {number}", json.loads(line)
        except json.JSONDecodeError as exc:
            yield f"{source} line {number}", {"__error__": f"not JSON: {exc.msg}"}


def _add(group: _Group, data: Any, label: str) -> None:
    if isinstance(data, dict) and "__error__" in data:
        group.add(_Entry(label, "?", {}, error=data["__error__"]))
        return
    kind = data.get("resourceType", "?") if isinstance(data, dict) else "?"
    rid = data.get("id") if isinstance(data, dict) else None
    name = f"{kind}/{rid}" if rid else kind
    entry = _Entry(f"{label} {name}" if label else name, kind, data if isinstance(data, dict) else {})
    keys = [f"{kind}/{rid}"] if rid else []
    full_url = data.get("__fullUrl") if isinstance(data, dict) else None
    if full_url:
        keys.append(full_url)
        entry.raw = {key: value for key, value in data.items() if key != "__fullUrl"}
    entry.keys = tuple(keys)
    try:
        entry.model = validate_resource(entry.raw)
    except ResourceError as exc:
        entry.error = str(exc)
    group.add(entry)


# --- building encounters -------------------------------------------------------------------------


class _Builder:
    def __init__(self, facility_code: str | None, mapping: CodeMapping) -> None:
        self.facility_code = facility_code
        self.mapping = mapping

    def bundle(self, document: dict[str, Any], label: str) -> Iterator[IntakeItem]:
        group = _Group(label)
        entries = document.get("entry") or []
        if not isinstance(entries, list):
            yield ParsedRecord(label, error="Bundle.entry: not a list")
            return
        for number, item in enumerate(entries, start=1):
            resource = item.get("resource") if isinstance(item, dict) else None
            if not isinstance(resource, dict):
                group.add(_Entry(f"{label} entry {number}", "?", {}, error="entry has no resource"))
                continue
            if item.get("fullUrl"):
                resource = {**resource, "__fullUrl": item["fullUrl"]}
            _add(group, resource, f"{label} entry {number}")
        if isinstance(document.get("total"), int):
            yield DeclaredCount(document["total"], f"{label} Bundle.total", unit="entries", counted=len(entries))
        yield from self.group(group)

    def group(self, group: _Group) -> Iterator[IntakeItem]:
        used: set[int] = set()
        anchors = [entry for entry in group.of("Encounter")]
        claims_by_encounter: dict[int, list[_Entry]] = {}
        for claim in group.of("Claim"):
            target = _claim_encounter(group, claim)
            if target is not None:
                claims_by_encounter.setdefault(id(target), []).append(claim)
            else:
                anchors.append(claim)
        for anchor in anchors:
            claims = claims_by_encounter.get(id(anchor), [])
            yield self.encounter(group, anchor, claims, used)
            used.add(id(anchor))
            used.update(id(claim) for claim in claims)
        for entry in group.entries:
            if id(entry) in used:
                continue
            if entry.error is not None:
                yield ParsedRecord(entry.label, error=entry.error)
            elif entry.kind not in INTAKE_TYPES:
                yield Ignored(entry.label, f"{entry.kind} is not an intake resource (it is read elsewhere, if at all)")
            elif not anchors:
                yield Ignored(entry.label, "no Encounter or Claim in this input to attach it to")

    def encounter(self, group: _Group, anchor: _Entry, claims: list[_Entry], used: set[int]) -> ParsedRecord:
        label = anchor.label
        if anchor.error is not None:
            return ParsedRecord(label, error=anchor.error)
        if anchor.kind == "Claim":
            claims, encounter = [anchor], None
        else:
            encounter = anchor.model
        draft = _EncounterDraft(self, group, label, encounter, [claim.model for claim in claims if claim.model])
        try:
            for claim in claims:
                if claim.error is not None:
                    raise _Fail(claim.error)
            return draft.build()
        except _Fail as exc:
            return ParsedRecord(label, error=str(exc))
        finally:  # what this encounter read (or failed on) is accounted for by its own record
            used.update(id(entry) for entry in draft.touched)


class _Fail(Exception):
    pass


def _claim_encounter(group: _Group, claim: _Entry) -> _Entry | None:
    if claim.model is None:
        refs = [e.get("reference") for item in claim.raw.get("item") or [] for e in item.get("encounter") or []]
        return next((group.by_key[r] for r in refs if r in group.by_key), None)
    for item in claim.model.item or []:
        for reference in item.encounter or []:
            found = group.resolve(reference)
            if found is not None and found.kind == "Encounter":
                return found
    return None


def _system_value(identifiers: Iterable[Any] | None, exact: str, hints: tuple[str, ...]) -> str | None:
    identifiers = list(identifiers or [])
    for identifier in identifiers:
        if identifier.system == exact and identifier.value:
            return str(identifier.value)
    for identifier in identifiers:
        system = (identifier.system or "").lower()
        if identifier.value and any(hint in system for hint in hints):
            return str(identifier.value)
    return None


def _codings(concept: Any) -> list[Any]:
    return list(concept.coding or []) if concept is not None else []


def _moment(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    return None


def _extension(resource: Any, url: str) -> Any:
    for extension in getattr(resource, "extension", None) or []:
        if extension.url == url:
            for name in ("valueInteger", "valueString", "valueMoney", "valueCode", "valueDecimal", "valueDateTime"):
                value = getattr(extension, name, None)
                if value is not None:
                    return value
    return None


class _EncounterDraft:
    """Gathers one encounter's resources and fills a :class:`Draft`."""

    def __init__(self, builder: _Builder, group: _Group, label: str, encounter: Any, claims: list[Any]) -> None:
        self.builder = builder
        self.group = group
        self.label = label
        self.encounter = encounter
        self.claims = claims
        self.draft = Draft(label)
        self.data: dict[str, Any] = {}
        anchor = encounter if encounter is not None else claims[0]
        self.anchor = anchor
        self.anchor_entry = next(entry for entry in group.entries if entry.model is anchor)
        self.touched: list[_Entry] = []

    def _need(self, reference: Any, what: str) -> Any:
        found = self.group.resolve(reference)
        if found is None:
            ref = getattr(reference, "reference", None) or "no reference"
            raise _Fail(f"{what}: {ref} is not in this input")
        self.touched.append(found)
        if found.error is not None:
            raise _Fail(f"{what} {found.label}: {found.error}")
        return found.model

    def _related(self, kinds: tuple[str, ...], *reference_fields: str) -> list[_Entry]:
        """Resources of ``kinds`` whose encounter/context reference points at this encounter."""
        out: list[_Entry] = []
        for name in reference_fields:
            for entry in self.group.referrers(self.anchor_entry, name):
                if entry.kind not in kinds or entry in out:
                    continue
                self.touched.append(entry)
                if entry.model is None:
                    raise _Fail(f"{entry.label}: {entry.error}")
                out.append(entry)
        return out

    def build(self) -> ParsedRecord:
        claim = self.claims[0] if self.claims else None
        subject = self.encounter.subject if self.encounter is not None else claim.patient  # type: ignore[union-attr]
        patient = self._need(subject, "Encounter.subject" if self.encounter is not None else "Claim.patient")
        self._patient(patient)
        self._identity(claim)
        self._period(claim)
        self._cards(patient, claim)
        self._diagnoses(claim)
        self._lines(claim)
        self._results()
        self.draft.data = self.data
        return self.draft.build()

    # -- patient and cards --

    def _patient(self, patient: Any) -> None:
        data: dict[str, Any] = {}
        data["patient_id"] = _system_value(patient.identifier, SID_PATIENT, ("ma-bn",)) or (
            str(patient.identifier[0].value) if patient.identifier and patient.identifier[0].value else patient.id
        )
        national = _system_value(patient.identifier, SID_NATIONAL_ID, ("cccd", "national-id"))
        if national:
            data["national_id"] = national
        if patient.name:
            name = next((n for n in patient.name if n.use == "official"), patient.name[0])
            data["full_name"] = name.text or " ".join(part for part in [name.family, *(name.given or [])] if part)
        if patient.birthDate is not None:
            data["birth_date"] = patient.birthDate
        data["sex"] = {"male": 1, "female": 2}.get(patient.gender or "", 3)
        if patient.address:
            address = patient.address[0]
            text = address.text or ", ".join(p for p in [*(address.line or []), address.city, address.state] if p)
            data["address"] = text[:1024]
        for telecom in patient.telecom or []:
            if telecom.system == "phone" and telecom.value:
                data["phone"] = str(telecom.value)[:15]
                break
        self.data["patient"] = data

    def _cards(self, patient: Any, claim: Any) -> None:
        coverages: list[Any] = []
        if claim is not None:
            for insurance in claim.insurance or []:
                coverages.append(self._need(insurance.coverage, "Claim.insurance.coverage"))
        if not coverages:
            patient_entry = next(entry for entry in self.group.entries if entry.model is patient)
            for entry in self.group.referrers(patient_entry, "beneficiary"):
                if entry.kind != "Coverage":
                    continue
                self.touched.append(entry)
                if entry.model is None:
                    raise _Fail(f"{entry.label}: {entry.error}")
                coverages.append(entry.model)
        cards = []
        for coverage in coverages:
            code = _system_value(coverage.identifier, SID_CARD, CARD_SYSTEM_HINTS) or coverage.subscriberId
            if not code and coverage.identifier:
                code = coverage.identifier[0].value
            card: dict[str, Any] = {"code": code or ""}
            registered = _extension(coverage, EXT_REGISTERED_FACILITY)
            card["registered_facility"] = str(registered) if registered else ""
            if not registered:
                self._finding("INTAKE_NO_REGISTERED_FACILITY", "Coverage: registered facility (MA_DKBD) not given")
            if coverage.period is not None:
                if coverage.period.start is not None:
                    card["valid_from"] = _moment(coverage.period.start).date()  # type: ignore[union-attr]
                if coverage.period.end is not None:
                    card["valid_to"] = _moment(coverage.period.end).date()  # type: ignore[union-attr]
            cards.append(card)
        if not cards:
            card_no = _system_value(patient.identifier, SID_CARD, CARD_SYSTEM_HINTS)
            if card_no:
                cards.append({"code": card_no, "registered_facility": ""})
        self.data["cards"] = sorted(cards, key=lambda c: str(c.get("valid_from", "")))

    # -- identity, period, kind of visit --

    def _identity(self, claim: Any) -> None:
        encounter = self.encounter
        key = None
        if encounter is not None:
            key = _system_value(encounter.identifier, SID_CLAIM_KEY, CLAIM_KEY_SYSTEM_HINTS)
        if key is None and claim is not None:
            key = _system_value(claim.identifier, SID_CLAIM_KEY, CLAIM_KEY_SYSTEM_HINTS)
        if key is None:
            source = encounter if encounter is not None else claim
            official = [i for i in source.identifier or [] if i.value and i.use in ("official", "usual")]
            chosen = official[0] if official else next((i for i in source.identifier or [] if i.value), None)
            key = str(chosen.value) if chosen is not None else source.id
        if not key:
            raise _Fail("MA_LK: the Encounter (or Claim) has no identifier and no id")
        self.data["claim_key"] = key
        facility = self.builder.facility_code
        given = None
        for reference in (
            encounter.serviceProvider if encounter is not None else None,
            claim.provider if claim is not None else None,
            claim.facility if claim is not None else None,
        ):
            identifier = getattr(reference, "identifier", None)
            if identifier is not None and identifier.value:
                system = (identifier.system or "").lower()
                if identifier.system == SID_FACILITY or any(hint in system for hint in FACILITY_SYSTEM_HINTS):
                    given = str(identifier.value)
                    break
        if facility and given and given != facility:
            raise _Fail(f"facility {given} is not the importing facility {facility}")
        if not (facility or given):
            where = "Encounter.serviceProvider" if encounter is not None else "Claim.provider"
            raise _Fail(f"MA_CSKCB: no facility identifier ({SID_FACILITY}) on {where}; give --facility")
        self.data["facility_code"] = facility or given
        self._visit_type(encounter, claim)

    def _visit_type(self, encounter: Any, claim: Any) -> None:
        explicit = None
        for concept in (encounter.type or []) if encounter is not None else []:
            for coding in _codings(concept):
                if coding.system == CS_VISIT_TYPE and coding.code:
                    explicit = coding.code
        klass = encounter.class_fhir.code if encounter is not None and encounter.class_fhir is not None else None
        history = [item.class_fhir.code for item in (encounter.classHistory or [])] if encounter is not None else []
        if explicit:
            self.data["visit_type"] = explicit
        elif klass in VISIT_TYPE_BY_CLASS:
            self.data["visit_type"] = VISIT_TYPE_BY_CLASS[klass]
        elif claim is not None and any(c.code == "institutional" for c in _codings(claim.type)):
            self.data["visit_type"] = "03"
        else:
            self.data["visit_type"] = "01"
        if klass == "EMER" or "EMER" in history:
            self.data["emergency"] = True
            self.data["route"] = Route.EMERGENCY
        if encounter is None:
            return
        for item in encounter.classHistory or []:
            if item.class_fhir.code in ("IMP", "ACUTE", "NONAC") and item.period is not None and item.period.start:
                self.data["inpatient_at"] = _moment(item.period.start)
                break
        hospitalization = encounter.hospitalization
        if hospitalization is not None:
            for coding in _codings(hospitalization.admitSource):
                if coding.code in ("hosp-trans", "psych", "nursing", "outp") and "route" not in self.data:
                    self.data["route"] = Route.REFERRAL
            for coding in _codings(hospitalization.dischargeDisposition):
                if coding.code in DISCHARGE_TYPE:
                    self.data["discharge_type"] = DISCHARGE_TYPE[coding.code]
                if coding.code == "exp":
                    self.data["outcome"] = 5
        reasons = [c.text or (c.coding[0].display if c.coding else None) for c in encounter.reasonCode or []]
        if reasons and reasons[0]:
            self.data["reason_for_visit"] = reasons[0]
        for location in encounter.location or []:
            identifier = getattr(location.location, "identifier", None)
            if identifier is not None and identifier.value:
                self.data["department_code"] = str(identifier.value)[:50]

    def _period(self, claim: Any) -> None:
        period = self.encounter.period if self.encounter is not None else None
        start = _moment(period.start) if period is not None else None
        end = _moment(period.end) if period is not None else None
        if claim is not None and claim.billablePeriod is not None:
            start = start or _moment(claim.billablePeriod.start)
            end = end or _moment(claim.billablePeriod.end)
        where = "Encounter.period" if self.encounter is not None else "Claim.billablePeriod"
        if start is None:
            raise _Fail(f"{where}.start: missing (NGAY_VAO)")
        if end is None:
            status = getattr(self.encounter, "status", None)
            raise _Fail(f"{where}.end: missing (NGAY_RA); the encounter is {status or 'not finished'}")
        self.data["admitted_at"], self.data["discharged_at"] = start, end

    # -- diagnoses --

    def _diagnoses(self, claim: Any) -> None:
        ranked: list[tuple[int, Any]] = []  # (rank, CodeableConcept)
        if self.encounter is not None:
            for diagnosis in self.encounter.diagnosis or []:
                condition = self._need(diagnosis.condition, "Encounter.diagnosis.condition")
                ranked.append((diagnosis.rank or 99, condition.code))
        for entry in self._related(("Condition",), "encounter"):
            if not any(concept is entry.model.code for _, concept in ranked):
                ranked.append((98, entry.model.code))
        if claim is not None:
            for diagnosis in claim.diagnosis or []:
                concept = diagnosis.diagnosisCodeableConcept
                if concept is None and diagnosis.diagnosisReference is not None:
                    concept = self._need(diagnosis.diagnosisReference, "Claim.diagnosis").code
                ranked.append((diagnosis.sequence, concept))
        icds: list[str] = []
        not_icd: list[str] = []
        texts: list[str] = []
        for _, concept in sorted(ranked, key=lambda pair: pair[0]):
            code = self._icd10(concept, not_icd)
            if code and code not in icds:
                icds.append(code)
            text = concept.text if concept is not None else None
            if not text and concept is not None and concept.coding:
                text = concept.coding[0].display
            if text:
                texts.append(text)
        if not icds:
            detail = f"; not ICD-10 and not in the facility's diagnosis mapping: {', '.join(not_icd)}" * bool(not_icd)
            raise _Fail(f"MA_BENH_CHINH: no ICD-10 diagnosis (Condition.code / Claim.diagnosis){detail}")
        self.data["main_icd"], self.data["secondary_icds"] = icds[0], tuple(icds[1:])
        for code in not_icd:
            self._finding("INTAKE_UNMAPPED_DIAGNOSIS", f"diagnosis {code} is not ICD-10 and has no mapping")
        if texts:
            self.data["discharge_diagnosis"] = "; ".join(dict.fromkeys(texts))
        procedures = self._related(("Procedure",), "encounter")
        codes: list[str] = []
        for entry in procedures:
            codes.extend(c.code for c in _codings(entry.model.code) if c.code)
        if codes:
            self.data["procedure_codes"] = tuple(dict.fromkeys(codes))

    def _icd10(self, concept: Any, not_icd: list[str]) -> str | None:
        mapping = self.builder.mapping
        for coding in _codings(concept):
            if coding.system in ICD10_SYSTEMS and coding.code and len(coding.code) <= 7:
                return str(coding.code)
        for coding in _codings(concept):
            if coding.code and mapping.icd10(str(coding.code)):
                return mapping.icd10(str(coding.code))
        for coding in _codings(concept):
            if coding.code:
                not_icd.append(f"{coding.code} ({coding.system or 'no system'})")
        return None

    # -- lines --

    def _lines(self, claim: Any) -> None:
        lines: list[dict[str, Any]] = []
        admitted = self.data["admitted_at"]
        if claim is not None:
            for item in claim.item or []:
                lines.append(self._claim_item(item, admitted))
        else:
            charges = self._related(("ChargeItem",), "context")
            covered: set[int] = set()
            for entry in charges:
                lines.append(self._charge(entry.model, admitted))
                for reference in entry.model.service or []:
                    found = self.group.resolve(reference)
                    if found is not None:
                        covered.add(id(found))
            for entry in self._related(MEDICATION_TYPES, "context", "encounter"):
                if id(entry) not in covered:  # a dispense already billed by a ChargeItem is not billed twice
                    lines.append(self._medication(entry, admitted))
        numbers = {True: 0, False: 0}
        for line in lines:
            drug = LineGroup(line["group"]).is_drug_table
            numbers[drug] += 1
            line["stt"] = numbers[drug]
        self.data["lines"] = [{k: v for k, v in line.items() if v is not None} for line in lines]

    def _code(self, concept: Any) -> tuple[str, str | None, str]:
        """(code, hospital code or None, name) of a product/service concept.

        Without an insurer catalogue coding the code is the hospital's, to be mapped (claims.intake.mapping).
        """
        insurer = his = None
        name = concept.text if concept is not None else None
        for coding in _codings(concept):
            if coding.system == CS_LINE_GROUP:
                continue
            if coding.system == CS_INSURER_CATALOGUE and coding.code:
                insurer = str(coding.code)
            elif coding.code and his is None:
                his = str(coding.code)
            name = name or coding.display
        if insurer is None and his is None and name:
            his = name  # a concept given by text only (openIMIS writes the item code as text)
        code = insurer or his or ""
        if not code:
            raise _Fail(f"{self.label}: a billed item has no code")
        return code, his, name or code

    def _kind(self, concept: Any, resource: Any, default: tuple[LineGroup, int]) -> tuple[LineGroup, int]:
        group = None
        for coding in _codings(concept):
            if coding.system == CS_LINE_GROUP and coding.code in LineGroup.__members__.values():
                group = LineGroup(coding.code)
        cost = _extension(resource, EXT_COST_GROUP)
        if group is not None and cost is not None:
            return group, int(cost)
        code = next((c.code for c in _codings(concept) if c.code and c.system != CS_LINE_GROUP), None)
        mapped = self.builder.mapping.kinds.get(str(code)) if code else None
        if mapped is not None:
            return mapped
        self._finding("INTAKE_COST_GROUP_ASSUMED", f"kind of item not given; taken as {default[0]} ({default[1]})")
        return default

    def _claim_item(self, item: Any, admitted: datetime) -> dict[str, Any]:
        code, his, name = self._code(item.productOrService)
        group, cost = self._kind(item.category, item, (LineGroup.SERVICE, 1))
        quantity = item.quantity.value if item.quantity is not None else Decimal(1)
        price = item.unitPrice.value if item.unitPrice is not None else None
        if price is None and item.net is not None and quantity:
            price = item.net.value / quantity
        self._currency(item.unitPrice or item.net)
        when = (
            _moment(_extension(item, EXT_ORDERED_AT))
            or _moment(item.servicedDate)
            or (_moment(item.servicedPeriod.start) if item.servicedPeriod else None)
        )
        return {
            "group": group, "cost_group": cost, "code": code, "his_code": his, "name": name,
            "quantity": quantity, "unit_price_bv": price, "ordered_at": when or admitted,
        }  # fmt: skip

    def _charge(self, charge: Any, admitted: datetime) -> dict[str, Any]:
        code, his, name = self._code(charge.code)
        group, cost = self._kind(charge.code, charge, (LineGroup.SERVICE, 1))
        quantity = charge.quantity.value if charge.quantity is not None else Decimal(1)
        price = charge.priceOverride.value if charge.priceOverride is not None else None
        self._currency(charge.priceOverride)
        if price is None:
            money = _extension(charge, EXT_UNIT_PRICE)
            price = money.value if money is not None else None
            self._currency(money)
        when = _moment(charge.occurrenceDateTime) or (
            _moment(charge.occurrencePeriod.start) if charge.occurrencePeriod is not None else None
        )
        department = None
        for organization in (charge.performingOrganization, charge.requestingOrganization):
            identifier = getattr(organization, "identifier", None)
            if identifier is not None and identifier.value:
                department = str(identifier.value)[:50]
                break
        diagnosis = None
        for concept in charge.reason or []:
            diagnosis = self._icd10(concept, [])
        return {
            "group": group, "cost_group": cost, "code": code, "his_code": his, "name": name,
            "quantity": quantity, "unit_price_bv": price, "ordered_at": when or admitted,
            "performed_at": when, "department_code": department, "diagnosis_code": diagnosis,
        }  # fmt: skip

    def _medication(self, entry: _Entry, admitted: datetime) -> dict[str, Any]:
        resource = entry.model
        concept = getattr(resource, "medicationCodeableConcept", None)
        if concept is None and getattr(resource, "medicationReference", None) is not None:
            concept = self._need(resource.medicationReference, f"{entry.kind}.medicationReference").code
        code, his, name = self._code(concept)
        group, cost = self._kind(concept, resource, (LineGroup.DRUG, 4))
        quantity: Decimal | None = None
        when = None
        if entry.kind == "MedicationDispense":
            quantity = resource.quantity.value if resource.quantity is not None else None
            when = _moment(resource.whenHandedOver) or _moment(resource.whenPrepared)
        elif entry.kind == "MedicationAdministration":
            dose = resource.dosage.dose if resource.dosage is not None else None
            quantity = dose.value if dose is not None else None
            when = _moment(resource.effectiveDateTime) or (
                _moment(resource.effectivePeriod.start) if resource.effectivePeriod is not None else None
            )
        else:
            request = resource.dispenseRequest
            quantity = request.quantity.value if request is not None and request.quantity is not None else None
            when = _moment(resource.authoredOn)
        money = _extension(resource, EXT_UNIT_PRICE)
        self._currency(money)
        return {
            "group": group, "cost_group": cost, "code": code, "his_code": his, "name": name,
            "quantity": quantity if quantity is not None else Decimal(1),
            "unit_price_bv": money.value if money is not None else None, "ordered_at": when or admitted,
        }  # fmt: skip

    def _currency(self, money: Any) -> None:
        currency = getattr(money, "currency", None)
        if currency and currency != "VND":
            self._finding("INTAKE_CURRENCY", f"amount in {currency}, not VND")

    def _results(self) -> None:
        rows = []
        reports = self._related(("DiagnosticReport",), "encounter")
        observations = self._related(("Observation",), "encounter")
        for entry in reports:
            for reference in entry.model.result or []:
                found = self.group.resolve(reference)
                if found is not None and found.model is not None and found not in observations:
                    observations.append(found)
        for entry in observations:
            self.touched.append(entry)
            observation = entry.model
            coding = _codings(observation.code)
            row = {
                "indicator_code": str(coding[0].code) if coding and coding[0].code else "",
                "indicator_name": observation.code.text or (coding[0].display if coding else "") or "",
            }
            quantity = observation.valueQuantity
            if quantity is not None:
                row["value"], row["unit"] = str(quantity.value), quantity.unit or quantity.code or ""
            elif observation.valueString is not None:
                row["value"] = observation.valueString
            elif observation.valueCodeableConcept is not None:
                row["value"] = observation.valueCodeableConcept.text or ""
            moment = _moment(observation.effectiveDateTime) or _moment(observation.issued)
            if moment is not None:
                row["result_at"] = moment.isoformat()
            rows.append({key: str(value) for key, value in row.items()})
        if rows:
            self.data["clinical_tables"] = {"results": tuple(rows)}

    def _finding(self, code: str, message: str) -> None:
        self.draft.findings.append(Finding(code=code, message=message, record=self.label))
