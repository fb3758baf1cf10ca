"""HL7 v2 messages (ADT A01/A03, DFT P03 …) → canonical encounters, merged by visit number.

A small, tolerant parser: separators are read from MSH-1/MSH-2, segments may end with CR, LF or CRLF,
escape sequences (``\\F\\ \\S\\ \\T\\ \\R\\ \\E\\ \\Xhh\\ \\.br\\``) are decoded in leaf values only. Each
message becomes a *fragment* of a visit (PV1-19, else PID-18); fragments of one visit are merged
(later values win, charges keyed by FT1-2 or their set id) and the merged visit becomes one
encounter. Which HL7 field feeds which canonical field is written in docs/fhir-mapping.md §HL7 v2.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol, TextIO

from claims.encounter.schemas import LineGroup, Route
from claims.intake.mapping import EMPTY_MAPPING, CodeMapping
from claims.intake.records import DeclaredCount, Draft, Finding, Ignored, IntakeItem, ParsedRecord

SUPPORTED = {
    ("ADT", "A01"),  # admit
    ("ADT", "A03"),  # discharge
    ("ADT", "A04"),  # register an outpatient
    ("ADT", "A08"),  # update patient information
    ("DFT", "P03"),  # post detail financial transaction
    ("DFT", "P11"),  # the same, expanded
    ("BAR", "P01"),  # add patient account
}
ICD10_SYSTEMS = {"I10", "ICD10", "ICD-10", "ICD10VN", "I10C", ""}
INSURER_CODE_SYSTEMS = {"BHYT", "DMBH", "VN-BHYT"}  # FT1-7.3 naming the insurer catalogue
CARD_RE = re.compile(r"^[A-Z0-9]{10,15}$")
FACILITY_RE = re.compile(r"^[A-Z0-9]{5}$", re.IGNORECASE)
VISIT_TYPE_BY_CLASS = {"I": "03", "O": "01", "E": "01", "P": "01", "R": "01", "B": "01"}
#: PV1-36 discharge disposition (HL7 table 0112) → MA_LOAI_RV (1 discharged, 2 transferred, 3 absconded,
#: 4 left on request) and KET_QUA_DTRI 5 (died) for 20 "expired".
DISCHARGE_TYPE_BY_DISPOSITION = {"01": 1, "02": 2, "03": 2, "04": 2, "05": 2, "06": 1, "07": 4, "09": 1}


class Hl7Error(ValueError):
    """A message that cannot be read; the text names the segment and field."""


@dataclass(frozen=True, slots=True)
class Encoding:
    field: str = "|"
    component: str = "^"
    repetition: str = "~"
    escape: str = "\\"
    subcomponent: str = "&"

    @classmethod
    def from_msh(cls, segment: str) -> Encoding:
        if len(segment) < 8 or not segment.startswith("MSH"):
            raise Hl7Error("MSH: the message does not start with an MSH segment")
        sep = segment[3]
        chars = segment[4:].split(sep, 1)[0]
        if len(chars) < 4 or sep in chars or len(set(chars[:4])) < 4:
            raise Hl7Error(f"MSH-2: encoding characters {chars!r} are not four distinct characters")
        return cls(sep, chars[0], chars[1], chars[2], chars[3])

    def unescape(self, text: str) -> str:
        if self.escape not in text:
            return text
        out: list[str] = []
        parts = text.split(self.escape)
        # parts alternate: literal, escape body, literal, … (an odd count means balanced escapes)
        for index, part in enumerate(parts):
            if index % 2 == 0:
                out.append(part)
                continue
            if index == len(parts) - 1:  # an unterminated escape: keep it as it came
                out.append(self.escape + part)
                continue
            out.append(self._escape_value(part))
        return "".join(out)

    def _escape_value(self, body: str) -> str:
        simple = {"F": self.field, "S": self.component, "T": self.subcomponent, "R": self.repetition, "E": self.escape}
        if body in simple:
            return simple[body]
        if body == ".br":
            return "\n"
        if body.startswith("X") and re.fullmatch(r"X(?:[0-9A-Fa-f]{2})+", body):
            return bytes.fromhex(body[1:]).decode("latin-1")
        if body in ("H", "N") or body.startswith((".", "C", "M", "Z")):
            return ""  # formatting and charset switches carry no value
        return self.escape + body + self.escape


class Segment:
    """One segment; ``get(n, c, s, r)`` is field n, component c, subcomponent s of repetition r (1-based)."""

    __slots__ = ("encoding", "fields", "name")

    def __init__(self, text: str, encoding: Encoding) -> None:
        self.encoding = encoding
        parts = text.split(encoding.field)
        self.name = parts[0]
        if self.name == "MSH":
            parts.insert(1, encoding.field)  # MSH-1 is the field separator itself
        self.fields = parts

    def raw(self, number: int) -> str:
        return self.fields[number] if number < len(self.fields) else ""

    def repetitions(self, number: int) -> list[str]:
        raw = self.raw(number)
        if self.name == "MSH" and number <= 2:
            return [raw]
        return raw.split(self.encoding.repetition) if raw else []

    def get(self, number: int, component: int = 1, subcomponent: int = 1, repetition: int = 1) -> str:
        reps = self.repetitions(number)
        if len(reps) < repetition:
            return ""
        return self.component_of(reps[repetition - 1], component, subcomponent)

    def component_of(self, value: str, component: int = 1, subcomponent: int = 1) -> str:
        if self.name == "MSH" and value in (self.encoding.field, self.raw(2)):
            return value
        comps = value.split(self.encoding.component)
        if len(comps) < component:
            return ""
        subs = comps[component - 1].split(self.encoding.subcomponent)
        if len(subs) < subcomponent:
            return ""
        return self.encoding.unescape(subs[subcomponent - 1]).strip()


@dataclass(slots=True)
class Message:
    segments: list[Segment]

    @property
    def msh(self) -> Segment:
        return self.segments[0]

    @property
    def control_id(self) -> str:
        return self.msh.get(10)

    @property
    def kind(self) -> tuple[str, str]:
        return self.msh.get(9, 1).upper(), self.msh.get(9, 2).upper()

    def all(self, name: str) -> list[Segment]:
        return [segment for segment in self.segments if segment.name == name]

    def first(self, name: str) -> Segment | None:
        for segment in self.segments:
            if segment.name == name:
                return segment
        return None


_SEGMENT_NAME = re.compile(r"^[A-Z][A-Z0-9]{2}$")


def parse_message(text: str) -> Message:
    """Parse one message (segments separated by CR, LF or CRLF)."""
    lines = [line for line in re.split(r"\r\n|\r|\n", text.strip("\x0b\x1c\r\n ")) if line.strip()]
    if not lines:
        raise Hl7Error("empty message")
    encoding = Encoding.from_msh(lines[0])
    segments = []
    for number, line in enumerate(lines, start=1):
        segment = Segment(line, encoding)
        if not _SEGMENT_NAME.match(segment.name):
            raise Hl7Error(f"segment {number}: {segment.name[:10]!r} is not a segment name")
        segments.append(segment)
    message = Message(segments)
    if not message.kind[0]:
        raise Hl7Error("MSH-9: message type is empty")
    return message


def iter_raw_messages(handle: TextIO, chunk_size: int = 1 << 16) -> Iterator[str | tuple[str, str]]:
    """Split a file into message texts as it is read; batch header/trailer segments come as (name, text)."""
    buffer = ""
    current: list[str] = []
    while True:
        chunk = handle.read(chunk_size)
        buffer += chunk
        pieces = re.split(r"\r\n|\r|\n|\x1c|\x0b", buffer)
        buffer = pieces.pop() if chunk else ""
        for piece in pieces:
            line = piece.strip()
            if not line:
                continue
            head = line[:3]
            if head in ("FHS", "BHS", "BTS", "FTS"):
                if current:
                    yield "\r".join(current)
                    current = []
                yield (head, line)
            elif head == "MSH":
                if current:
                    yield "\r".join(current)
                current = [line]
            else:
                current.append(line)
        if not chunk:
            break
    if current:
        yield "\r".join(current)


# --- messages → visit fragments ------------------------------------------------------------------


def parse_ts(value: str) -> datetime | None:
    """HL7 DTM (``YYYY[MM[DD[HH[MM[SS[.S]]]]]][+/-ZZZZ]``) → datetime (aware when a zone is given)."""
    found = re.fullmatch(r"(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.\d+)?([+-]\d{4})?", value.strip())
    if not found:
        return None
    y, mo, d, h, mi, s, zone = found.groups()
    moment = datetime(int(y), int(mo or 1), int(d or 1), int(h or 0), int(mi or 0), int(s or 0))
    if zone:
        sign = 1 if zone[0] == "+" else -1
        offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5]))
        moment = moment.replace(tzinfo=timezone(sign * offset))
    return moment


def _decimal(value: str) -> Decimal | None:
    try:
        return Decimal(value) if value else None
    except InvalidOperation:
        return None


@dataclass(slots=True)
class Visit:
    """The merged state of one visit, built from its messages in arrival order."""

    key: str
    facility: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    patient: dict[str, Any] = field(default_factory=dict)
    cards: dict[str, dict[str, Any]] = field(default_factory=dict)  # by card number, in arrival order
    diagnoses: list[tuple[str, str, str, str, str]] | None = None  # code, system, type, priority, text
    charges: dict[str, dict[str, Any]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return "admitted_at" in self.values and "discharged_at" in self.values


def visit_key(message: Message) -> str:
    pv1, pid = message.first("PV1"), message.first("PID")
    key = pv1.get(19) if pv1 else ""
    if not key and pid is not None:
        key = pid.get(18)
    if not key:
        raise Hl7Error("PV1-19: no visit number (nor PID-18 account number) to attach the message to a visit")
    return key


def merge_message(visit: Visit, message: Message, label: str) -> None:
    """Fold one message into ``visit``: later values win; charges are keyed by FT1-2 (or set id)."""
    visit.messages.append(label)
    msh = message.msh
    facility = msh.get(4)
    if FACILITY_RE.match(facility):
        visit.facility = facility.upper()
    pid = message.first("PID")
    if pid is not None:
        _merge_patient(visit, pid)
    pv1 = message.first("PV1")
    if pv1 is not None:
        _merge_pv1(visit, pv1)
    pv2 = message.first("PV2")
    if pv2 is not None and pv2.get(3, 2):
        visit.values["reason_for_visit"] = pv2.get(3, 2)
    for in1 in message.all("IN1"):
        # Cards accumulate: a stay may span a card change, reported by a later message with the new card.
        card = _card(in1)
        if card["code"]:
            visit.cards[card["code"]] = {**visit.cards.get(card["code"], {}), **card}
    dg1s = message.all("DG1")
    if dg1s:
        visit.diagnoses = [
            (dg1.get(3, 1), dg1.get(3, 3).upper(), dg1.get(6).upper(), dg1.get(15), dg1.get(4) or dg1.get(3, 2))
            for dg1 in dg1s
            if dg1.get(3, 1)
        ]
    for ft1 in message.all("FT1"):
        _merge_charge(visit, ft1, message.control_id)


def _merge_patient(visit: Visit, pid: Segment) -> None:
    patient = visit.patient
    for repetition in range(1, len(pid.repetitions(3)) + 1):
        value, kind = pid.get(3, 1, repetition=repetition), pid.get(3, 5, repetition=repetition).upper()
        if kind in ("MR", "PI", "PT", "") and value and "patient_id" not in patient:
            patient["patient_id"] = value
        elif kind in ("NNVNM", "CCCD", "NI", "NN") and value:
            patient["national_id"] = value
    family, given, middle = pid.get(5, 1, 1), pid.get(5, 2), pid.get(5, 3)
    name = " ".join(part for part in (family, middle, given) if part)  # Vietnamese order: family middle given
    if name:
        patient["full_name"] = name
    birth = parse_ts(pid.get(7))
    if birth is not None:
        patient["birth_date"] = birth.date()
    sex = {"M": 1, "F": 2}.get(pid.get(8).upper(), 3 if pid.get(8) else None)
    if sex is not None:
        patient["sex"] = sex
    address = ", ".join(part for part in (pid.get(11, 1, 1), pid.get(11, 2), pid.get(11, 3), pid.get(11, 4)) if part)
    if address:
        patient["address"] = address
    phone = pid.get(13, 1) or pid.get(13, 12)
    if phone:
        patient["phone"] = phone[:15]


def _merge_pv1(visit: Visit, pv1: Segment) -> None:
    values = visit.values
    patient_class = pv1.get(2).upper()
    patient_type = pv1.get(18)
    if re.fullmatch(r"\d{2}", patient_type):
        values["visit_type"] = patient_type  # a facility sending MA_LOAI_KCB itself
    elif patient_class in VISIT_TYPE_BY_CLASS:
        values["visit_type"] = VISIT_TYPE_BY_CLASS[patient_class]
    if patient_class == "E" or pv1.get(4).upper() == "E":
        values["emergency"] = True
        values["route"] = Route.EMERGENCY
    department = pv1.get(10) or pv1.get(3, 1, 1)
    if department:
        values["department_code"] = department[:50]
    if pv1.get(7):
        values["attending_code"] = pv1.get(7)
    admitted = parse_ts(pv1.get(44))
    if admitted is not None:
        values["admitted_at"] = admitted
        if patient_class == "I":
            values["inpatient_at"] = admitted
    discharged = parse_ts(pv1.get(45))
    if discharged is not None:
        values["discharged_at"] = discharged
    disposition = pv1.get(36)
    if disposition == "20":
        values["outcome"] = 5
    elif disposition in DISCHARGE_TYPE_BY_DISPOSITION:
        values["discharge_type"] = DISCHARGE_TYPE_BY_DISPOSITION[disposition]


def _card(in1: Segment) -> dict[str, Any]:
    card: dict[str, Any] = {"code": in1.get(36).replace(" ", "").upper()}
    registered = in1.get(8)
    card["registered_facility"] = registered.upper() if FACILITY_RE.match(registered) else ""
    start, end = parse_ts(in1.get(12)), parse_ts(in1.get(13))
    if start is not None:
        card["valid_from"] = start.date()
    if end is not None:
        card["valid_to"] = end.date()
    return card


def _merge_charge(visit: Visit, ft1: Segment, control_id: str) -> None:
    key = ft1.get(2) or f"{control_id}#{ft1.get(1)}"
    if ft1.get(6).upper() in ("CD", "CR"):  # a credit cancels the charge it names
        visit.charges.pop(key, None)
        return
    code, text, system = ft1.get(7, 1), ft1.get(7, 2), ft1.get(7, 3).upper()
    drug_code = ft1.get(29, 1)
    quantity = _decimal(ft1.get(10)) or Decimal(1)
    unit_price = _decimal(ft1.get(12, 1, 1))
    currency = ft1.get(12, 1, 2) or ft1.get(11, 1, 2)
    if unit_price is None:
        extended = _decimal(ft1.get(11, 1, 1))
        unit_price = (extended / quantity).quantize(Decimal("0.01")) if extended is not None and quantity else None
    line: dict[str, Any] = {
        "code": code,
        "his_code": None if system in INSURER_CODE_SYSTEMS else code,
        "name": text or ft1.get(8) or ft1.get(25, 2) or code,
        "quantity": quantity,
        "unit_price_bv": unit_price,
        "ordered_at": parse_ts(ft1.get(4, 1)) or parse_ts(ft1.get(5)),
        "department_code": ft1.get(13, 1),
        "diagnosis_code": ft1.get(19, 1) or None,
        "performer_codes": ft1.get(20, 1) or None,
        "practitioner_code": ft1.get(21, 1) or None,
        "_drug": bool(drug_code),
        "_currency": currency.upper(),
    }
    visit.charges[key] = line


# --- visit → encounter ---------------------------------------------------------------------------


def build_visit(visit: Visit, facility_code: str | None, mapping: CodeMapping, label: str) -> ParsedRecord:
    """The encounter a merged visit describes, or the reason it cannot be one yet."""
    draft = Draft(label)
    draft.findings.extend(visit.findings)
    facility = facility_code or visit.facility
    if not facility:
        return ParsedRecord(label, error="MSH-4: sending facility is not a 5-character facility code (give --facility)")
    if facility_code and visit.facility and visit.facility != facility_code:
        reason = f"MSH-4 facility {visit.facility} is not the importing facility {facility_code}"
        return ParsedRecord(label, error=reason)
    if "discharged_at" not in visit.values:
        return ParsedRecord(label, error=f"visit {visit.key}: no discharge time yet (PV1-45 of ADT^A03)")
    data: dict[str, Any] = {"claim_key": visit.key, "facility_code": facility, "visit_type": "01"}
    data.update(visit.values)
    data["patient"] = dict(visit.patient)
    cards = []
    for card in visit.cards.values():
        if not CARD_RE.match(card["code"]):
            # Other insurers' policies (private plans …) travel in IN1 too; only BHYT card numbers count.
            draft.findings.append(
                _finding(visit.key, "INTAKE_NOT_A_CARD", "IN1-36: a policy number that is not a BHYT card; ignored")
            )
            continue
        if not card["registered_facility"]:
            draft.findings.append(_finding(visit.key, "INTAKE_NO_REGISTERED_FACILITY", "IN1-8: MA_DKBD not given"))
        cards.append(card)
    if not cards and visit.cards:
        return ParsedRecord(label, error="IN1-36: no BHYT card number (10–15 letters and digits) in any IN1")
    data["cards"] = sorted(cards, key=lambda card: str(card.get("valid_from", "")))
    _diagnoses(visit, data, mapping, draft)
    data["lines"] = _lines(visit, data, draft, mapping)
    draft.data = data
    if "main_icd" not in data:
        return ParsedRecord(label, error=draft.data.pop("_icd_error"))
    return draft.build()


def _finding(key: str, code: str, message: str, table: str = "encounter", field: str = "") -> Finding:
    return Finding(code=code, message=message, table=table, record=key, field=field)


def _diagnoses(visit: Visit, data: dict[str, Any], mapping: CodeMapping, draft: Draft) -> None:
    diagnoses = visit.diagnoses or []
    icds: list[str] = []
    unmapped: list[str] = []
    ordered = sorted(diagnoses, key=lambda d: (d[2] not in ("F", ""), d[3] != "1"))  # final, then priority 1
    for code, system, _kind, _priority, _text in ordered:
        icd = code if system in ICD10_SYSTEMS else mapping.icd10(code)
        if icd is None:
            unmapped.append(f"{code} ({system})")
        elif icd not in icds:
            icds.append(icd)
    if icds:
        data["main_icd"], data["secondary_icds"] = icds[0], tuple(icds[1:])
    else:
        data["_icd_error"] = (
            f"DG1-3: no ICD-10 diagnosis for visit {visit.key}"
            + (f"; not ICD-10 and not in the facility's diagnosis mapping: {', '.join(unmapped)}" if unmapped else "")
        )
        return
    for code in unmapped:
        draft.findings.append(_finding(visit.key, "INTAKE_UNMAPPED_DIAGNOSIS", f"DG1-3 {code} has no ICD-10 mapping"))
    admitting = [d[4] for d in diagnoses if d[2] == "A" and d[4]]
    final = [d[4] for d in ordered if d[2] in ("F", "") and d[4]]
    if admitting:
        data["admission_diagnosis"] = admitting[0]
    if final:
        data["discharge_diagnosis"] = "; ".join(final)


def _lines(visit: Visit, data: dict[str, Any], draft: Draft, mapping: CodeMapping) -> list[dict[str, Any]]:
    lines = []
    numbers = {True: 0, False: 0}
    for line in visit.charges.values():
        line = dict(line)
        currency = line.pop("_currency")
        kind = mapping.kinds.get(line["his_code"] or line["code"])
        assumed = kind is None
        if kind is None:  # FT1 does not say what kind of item it is: a drug code (FT1-29) makes it a drug
            kind = (LineGroup.DRUG, 4) if line["_drug"] else (LineGroup.SERVICE, 1)
        del line["_drug"]
        line["group"], line["cost_group"] = kind
        drug = kind[0].is_drug_table
        numbers[drug] += 1
        line["stt"] = numbers[drug]
        table = "drug" if drug else "service"
        record = f"{visit.key} {table} line {line['stt']}"
        if assumed:
            text = f"FT1: kind of item not given; taken as {kind[0]} (MA_NHOM {kind[1]})"
            draft.findings.append(_finding(record, "INTAKE_COST_GROUP_ASSUMED", text, table, "cost_group"))
        if currency and currency != "VND":
            message = f"FT1-12: amount in {currency}, not VND"
            draft.findings.append(_finding(record, "INTAKE_CURRENCY", message, table, "unit_price_bv"))
        if line["ordered_at"] is None:
            line["ordered_at"] = data.get("admitted_at")
        line["department_code"] = line["department_code"] or data.get("department_code", "")
        lines.append({key: value for key, value in line.items() if value is not None})
    return lines


# --- files ---------------------------------------------------------------------------------------


class VisitStore(Protocol):
    """Where the merged state of visits waits for their next message (a table, once the database is wired)."""

    def take(self, key: str) -> Visit | None:
        """Remove and return the visit, if held."""
        ...

    def put(self, visit: Visit) -> None:
        """Hold the visit as the most recently touched."""
        ...

    def beyond(self, limit: int) -> Iterator[Visit]:
        """Remove and yield the least recently touched visits while more than ``limit`` are held."""
        ...

    def drain(self) -> Iterator[Visit]:
        """Remove and yield every visit, least recently touched first."""
        ...


class InMemoryVisitStore:
    def __init__(self) -> None:
        self.visits: OrderedDict[str, Visit] = OrderedDict()

    def take(self, key: str) -> Visit | None:
        return self.visits.pop(key, None)

    def put(self, visit: Visit) -> None:
        self.visits[visit.key] = visit

    def beyond(self, limit: int) -> Iterator[Visit]:
        while len(self.visits) > limit:
            yield self.visits.popitem(last=False)[1]

    def drain(self) -> Iterator[Visit]:
        return self.beyond(0)

    def __len__(self) -> int:
        return len(self.visits)


class VisitAssembler:
    """Merges messages into visits and emits them as encounters.

    In a file, visits are emitted at the end; at most ``window`` visits are held, the least recently
    touched being emitted first when more arrive (a later message for it then makes a new version).
    """

    def __init__(
        self,
        facility_code: str | None = None,
        mapping: CodeMapping = EMPTY_MAPPING,
        window: int = 5_000,
        store: VisitStore | None = None,
    ) -> None:
        self.facility_code = facility_code
        self.mapping = mapping
        self.window = window
        self.store: VisitStore = store if store is not None else InMemoryVisitStore()

    def feed(self, message: Message, label: str) -> Visit:
        key = visit_key(message)
        visit = self.store.take(key) or Visit(key)
        merge_message(visit, message, label)
        self.store.put(visit)
        return visit

    def build(self, visit: Visit) -> ParsedRecord:
        label = f"visit {visit.key} (messages {', '.join(visit.messages)})"
        return build_visit(visit, self.facility_code, self.mapping, label)

    def overflow(self) -> Iterator[ParsedRecord]:
        for visit in self.store.beyond(self.window):
            yield self.build(visit)

    def forget_beyond_window(self) -> int:
        """Drop the least recently touched visits beyond the window (a live feed imports visits as they complete)."""
        return sum(1 for _ in self.store.beyond(self.window))

    def flush(self) -> Iterator[ParsedRecord]:
        for visit in self.store.drain():
            yield self.build(visit)


def read_hl7(
    handle: TextIO,
    *,
    source: str = "hl7",
    facility_code: str | None = None,
    mapping: CodeMapping = EMPTY_MAPPING,
    window: int = 5_000,
) -> Iterator[IntakeItem]:
    """Stream encounters out of a file of HL7 v2 messages (optionally in FHS/BHS batches)."""
    assembler = VisitAssembler(facility_code, mapping, window)
    yield from read_messages(iter_raw_messages(handle), assembler, source)


def read_messages(raw: Iterable[str | tuple[str, str]], assembler: VisitAssembler, source: str) -> Iterator[IntakeItem]:
    count = 0
    declared: tuple[int, str] | None = None
    for item in raw:
        if isinstance(item, tuple):
            name, text = item
            if name == "BTS":
                value = text.split(text[3] if len(text) > 3 else "|")[1:2]
                if value and value[0].strip().isdigit():
                    declared = (int(value[0]), f"{source} BTS-1")
            continue
        count += 1
        label = f"message {count}"
        try:
            message = parse_message(item)
        except Hl7Error as exc:
            yield ParsedRecord(label, error=str(exc))
            continue
        label = f"message {count} ({message.control_id or 'no MSH-10'})"
        if message.kind not in SUPPORTED:
            kind = "^".join(message.kind)
            yield Ignored(label, f"{kind} is not an intake message (ADT A01/A03/A04/A08, DFT P03/P11, BAR P01)")
            continue
        try:
            assembler.feed(message, str(count))
        except Hl7Error as exc:
            yield ParsedRecord(label, error=str(exc))
            continue
        yield from assembler.overflow()
    yield from assembler.flush()
    if declared is not None:
        yield DeclaredCount(declared[0], declared[1], unit="messages", counted=count)
