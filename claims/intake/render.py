"""Canonical encounters written out as FHIR R4 bundles and HL7 v2 messages, the way the adapters read them.

Used for round-trip tests, benchmarks and as worked examples for a hospital's interface team: what
this service expects to receive (identifier systems, extensions, segments and fields).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from claims.encounter.schemas import VIETNAM_TZ, Encounter, EncounterLine
from claims.intake import fhir

ICD10 = "http://hl7.org/fhir/sid/icd-10"


def _fhir_time(value: datetime) -> str:
    return value.astimezone(VIETNAM_TZ).isoformat()


def _money(value: Decimal) -> dict[str, Any]:
    return {"value": value, "currency": "VND"}


def fhir_bundle(encounter: Encounter, *, as_json: bool = True, style: str = "chargeitem") -> dict[str, Any]:
    """A collection Bundle: Patient, one Coverage per card, Encounter, and either

    - ``style="chargeitem"``: one Condition per diagnosis and one ChargeItem per line, or
    - ``style="claim"``: one Claim carrying the diagnoses and one item per line (fewer resources).
    """
    key = encounter.claim_key
    patient_url, encounter_url = f"urn:uuid:patient-{key}", f"urn:uuid:encounter-{key}"
    p = encounter.patient
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "identifier": [{"system": fhir.SID_PATIENT, "value": p.patient_id}],
        "name": [{"use": "official", "text": p.full_name}],
        "gender": {1: "male", 2: "female"}.get(p.sex, "unknown"),
        "birthDate": p.birth_date.isoformat(),
    }
    if p.national_id:
        patient["identifier"].append({"system": fhir.SID_NATIONAL_ID, "value": p.national_id})
    if p.address:
        patient["address"] = [{"text": p.address}]
    if p.phone:
        patient["telecom"] = [{"system": "phone", "value": p.phone}]
    entries: list[dict[str, Any]] = [{"fullUrl": patient_url, "resource": patient}]
    for number, card in enumerate(encounter.cards, start=1):
        period = {"start": card.valid_from.isoformat()}
        if card.valid_to:
            period["end"] = card.valid_to.isoformat()
        coverage = {
            "resourceType": "Coverage",
            "status": "active",
            "extension": [{"url": fhir.EXT_REGISTERED_FACILITY, "valueString": card.registered_facility}],
            "identifier": [{"system": fhir.SID_CARD, "value": card.code}],
            "beneficiary": {"reference": patient_url},
            "payor": [{"display": "Bảo hiểm xã hội Việt Nam"}],
            "period": period,
        }
        entries.append({"fullUrl": f"urn:uuid:coverage-{key}-{number}", "resource": coverage})
    diagnoses = []
    icds = (encounter.main_icd, *encounter.secondary_icds) if style == "chargeitem" else ()
    for rank, icd in enumerate(icds, start=1):
        url = f"urn:uuid:condition-{key}-{rank}"
        condition: dict[str, Any] = {
            "resourceType": "Condition",
            "subject": {"reference": patient_url},
            "encounter": {"reference": encounter_url},
            "code": {"coding": [{"system": ICD10, "code": icd}]},
        }
        if rank == 1 and encounter.discharge_diagnosis:
            condition["code"]["text"] = encounter.discharge_diagnosis
        entries.append({"fullUrl": url, "resource": condition})
        diagnoses.append({"condition": {"reference": url}, "rank": rank})
    resource: dict[str, Any] = {
        "resourceType": "Encounter",
        "identifier": [{"system": fhir.SID_CLAIM_KEY, "value": key}],
        "status": "finished",
        "class": {
            "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
            "code": "IMP" if encounter.is_inpatient else ("EMER" if encounter.emergency else "AMB"),
        },
        "type": [{"coding": [{"system": fhir.CS_VISIT_TYPE, "code": encounter.visit_type}]}],
        "subject": {"reference": patient_url},
        "period": {"start": _fhir_time(encounter.admitted_at), "end": _fhir_time(encounter.discharged_at)},
        "serviceProvider": {"identifier": {"system": fhir.SID_FACILITY, "value": encounter.facility_code}},
    }
    if diagnoses:
        resource["diagnosis"] = diagnoses
    if encounter.department_code:
        resource["location"] = [
            {"location": {"identifier": {"system": fhir.SID_DEPARTMENT, "value": encounter.department_code}}}
        ]
    entries.append({"fullUrl": encounter_url, "resource": resource})
    if style == "claim":
        coverages = [entry["fullUrl"] for entry in entries if entry["resource"]["resourceType"] == "Coverage"]
        claim = _claim(encounter, patient_url, encounter_url, coverages)
        entries.append({"fullUrl": f"urn:uuid:claim-{key}", "resource": claim})
    else:
        for line in encounter.lines:
            url = f"urn:uuid:charge-{key}-{line.group}-{line.stt}"
            entries.append({"fullUrl": url, "resource": _charge(line, patient_url, encounter_url)})
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    return _jsonable(bundle) if as_json else bundle


def _charge(line: EncounterLine, patient_url: str, encounter_url: str) -> dict[str, Any]:
    coding = [{"system": fhir.CS_INSURER_CATALOGUE, "code": line.code, "display": line.name}]
    if line.his_code:
        coding.append({"system": fhir.CS_HIS_ITEM, "code": line.his_code})
    coding.append({"system": fhir.CS_LINE_GROUP, "code": str(line.group)})
    charge: dict[str, Any] = {
        "resourceType": "ChargeItem",
        "status": "billable",
        "extension": [{"url": fhir.EXT_COST_GROUP, "valueInteger": line.cost_group}],
        "code": {"coding": coding, "text": line.name},
        "subject": {"reference": patient_url},
        "context": {"reference": encounter_url},
        "occurrenceDateTime": _fhir_time(line.ordered_at),
        "quantity": {"value": line.quantity},
        "priceOverride": _money(line.unit_price_bv),
    }
    if line.department_code:
        department = {"system": fhir.SID_DEPARTMENT, "value": line.department_code}
        charge["performingOrganization"] = {"identifier": department}
    return charge


def _claim(encounter: Encounter, patient_url: str, encounter_url: str, coverages: list[str]) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    for sequence, line in enumerate(encounter.lines, start=1):
        coding = [{"system": fhir.CS_INSURER_CATALOGUE, "code": line.code}]
        if line.his_code:
            coding.append({"system": fhir.CS_HIS_ITEM, "code": line.his_code})
        items.append({
            "sequence": sequence,
            "extension": [{"url": fhir.EXT_COST_GROUP, "valueInteger": line.cost_group}],
            "category": {"coding": [{"system": fhir.CS_LINE_GROUP, "code": str(line.group)}]},
            "productOrService": {"coding": coding, "text": line.name},
            "servicedDate": line.ordered_at.astimezone(VIETNAM_TZ).date().isoformat(),
            "extension_ordered_at": _fhir_time(line.ordered_at),
            "quantity": {"value": line.quantity},
            "unitPrice": _money(line.unit_price_bv),
            "encounter": [{"reference": encounter_url}],
        })  # fmt: skip
    for item in items:  # servicedDate holds only the day: the order time travels in an extension
        moment = item.pop("extension_ordered_at")
        item["extension"].append({"url": fhir.EXT_ORDERED_AT, "valueDateTime": moment})
    icds = (encounter.main_icd, *encounter.secondary_icds)
    return {
        "resourceType": "Claim",
        "identifier": [{"system": fhir.SID_CLAIM_KEY, "value": encounter.claim_key}],
        "status": "active",
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "institutional"}]},
        "use": "claim",
        "patient": {"reference": patient_url},
        "created": encounter.discharged_at.astimezone(VIETNAM_TZ).date().isoformat(),
        "provider": {"identifier": {"system": fhir.SID_FACILITY, "value": encounter.facility_code}},
        "priority": {"coding": [{"code": "normal"}]},
        "insurance": [
            {"sequence": n, "focal": n == 1, "coverage": {"reference": url}} for n, url in enumerate(coverages, start=1)
        ],
        "diagnosis": [
            {"sequence": n, "diagnosisCodeableConcept": {"coding": [{"system": ICD10, "code": icd}]}}
            for n, icd in enumerate(icds, start=1)
        ],
        "item": items,
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)  # JSON numbers
    return value


# --- HL7 v2 --------------------------------------------------------------------------------------


def _ts(value: datetime) -> str:
    return value.astimezone(VIETNAM_TZ).strftime("%Y%m%d%H%M%S+0700")


def _esc(text: str) -> str:
    for char, name in (("\\", "E"), ("|", "F"), ("^", "S"), ("&", "T"), ("~", "R")):
        text = text.replace(char, f"\\{name}\\")
    return text


def hl7_messages(encounter: Encounter, control: str = "1") -> list[str]:
    """An ADT^A03 (patient, visit, cards, diagnoses) and a DFT^P03 (charges) for one encounter."""
    p = encounter.patient
    head = f"MSH|^~\\&|HIS|{encounter.facility_code}|BHYT|CLAIMS|{_ts(encounter.discharged_at)}||"
    pid_ids = f"{_esc(p.patient_id)}^^^^MR" + (f"~{p.national_id}^^^^CCCD" if p.national_id else "")
    pid = f"PID|1||{pid_ids}||{_esc(p.full_name)}||{p.birth_date:%Y%m%d}|{ {1: 'M', 2: 'F'}.get(p.sex, 'U') }"
    klass = "I" if encounter.is_inpatient else ("E" if encounter.emergency else "O")
    pv1_fields = [""] * 46
    pv1_fields[0], pv1_fields[1], pv1_fields[2] = "PV1", "1", klass
    pv1_fields[10] = _esc(encounter.department_code)
    pv1_fields[18] = encounter.visit_type
    pv1_fields[19] = _esc(encounter.claim_key)
    pv1_fields[44] = _ts(encounter.admitted_at)
    pv1_fields[45] = _ts(encounter.discharged_at)
    pv1 = "|".join(pv1_fields)
    in1s = []
    for number, card in enumerate(encounter.cards, start=1):
        fields = [""] * 37
        fields[0], fields[1] = "IN1", str(number)
        fields[8] = card.registered_facility
        fields[12] = f"{card.valid_from:%Y%m%d}"
        fields[13] = f"{card.valid_to:%Y%m%d}" if card.valid_to else ""
        fields[36] = card.code
        in1s.append("|".join(fields))
    dg1s = [
        f"DG1|{n}||{icd}^^I10||||F|||||||||{n}"
        for n, icd in enumerate((encounter.main_icd, *encounter.secondary_icds), start=1)
    ]
    adt = "\r".join([head + f"ADT^A03^ADT_A03|{control}A|P|2.8", "EVN|A03", pid, pv1, *in1s, *dg1s]) + "\r"
    ft1s = []
    for number, line in enumerate(encounter.lines, start=1):
        fields = [""] * 22
        fields[0], fields[1], fields[2] = "FT1", str(number), f"{line.group}-{line.stt}"
        fields[4] = _ts(line.ordered_at)
        fields[6] = "CG"
        fields[7] = f"{_esc(line.code)}^{_esc(line.name)}^BHYT"
        fields[10] = str(line.quantity)
        fields[12] = f"{line.unit_price_bv}&VND"
        fields[13] = _esc(line.department_code)
        ft1s.append("|".join(fields))
    dft = "\r".join([head + f"DFT^P03^DFT_P03|{control}D|P|2.8", "EVN|P03", pid, pv1, *ft1s]) + "\r"
    return [adt, dft]
