"""Hospital item codes → insurer catalogue codes, through a mapping table kept per facility.

A pure function over a mapping object: no database here (the table itself will live in
``claims.catalogue``; anything with the :class:`CodeMapping` shape will do). A line whose hospital
code has no mapping keeps its hospital code and gets a finding; the import goes on.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from claims.encounter.schemas import Encounter, LineGroup
from claims.intake.records import Finding

UNMAPPED_CODE = "INTAKE_UNMAPPED_CODE"


@dataclass(frozen=True, slots=True)
class CodeMapping:
    """One facility's table: hospital item code → insurer catalogue code, local diagnosis code → ICD-10.

    ``kinds`` optionally gives a hospital code's line group and cost group (MA_NHOM), for sources that
    do not say what kind of item a charge is (HL7 v2 FT1, FHIR ChargeItem without our extension).
    """

    facility_code: str = ""
    items: Mapping[str, str] = field(default_factory=dict)
    diagnoses: Mapping[str, str] = field(default_factory=dict)
    kinds: Mapping[str, tuple[LineGroup, int]] = field(default_factory=dict)

    def icd10(self, code: str) -> str | None:
        """The ICD-10 code a local diagnosis code maps to, if the table has it."""
        return self.diagnoses.get(code)

    @classmethod
    def from_csv(cls, path: Path, facility_code: str = "") -> CodeMapping:
        """Read ``kind,his_code,insurer_code[,group,cost_group]`` rows (kind ``item`` or ``diagnosis``; header row)."""
        items: dict[str, str] = {}
        diagnoses: dict[str, str] = {}
        kinds: dict[str, tuple[LineGroup, int]] = {}
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=2):
                kind = (row.get("kind") or "item").strip()
                his, insurer = (row.get("his_code") or "").strip(), (row.get("insurer_code") or "").strip()
                if not his or not insurer:
                    raise ValueError(f"{path.name} row {number}: his_code and insurer_code are required")
                if kind == "item":
                    items[his] = insurer
                    group, cost_group = (row.get("group") or "").strip(), (row.get("cost_group") or "").strip()
                    if group and cost_group:
                        try:
                            kinds[his] = (LineGroup(group), int(cost_group))
                        except ValueError as exc:
                            raise ValueError(f"{path.name} row {number}: bad group or cost_group: {exc}") from None
                elif kind == "diagnosis":
                    diagnoses[his] = insurer
                else:
                    raise ValueError(f"{path.name} row {number}: kind must be 'item' or 'diagnosis', not {kind!r}")
        return cls(facility_code=facility_code, items=items, diagnoses=diagnoses, kinds=kinds)


EMPTY_MAPPING = CodeMapping()


def map_codes(encounter: Encounter, mapping: CodeMapping) -> tuple[Encounter, tuple[Finding, ...]]:
    """Give every line that carries only a hospital code its insurer catalogue code.

    A line needs mapping when the source gave no insurer code: the adapter then sets ``code`` to the
    hospital code and ``his_code`` to the same value. A line whose source gave both is left alone.
    """
    findings: list[Finding] = []
    lines = []
    changed = False
    for line in encounter.lines:
        if line.his_code is None or line.code != line.his_code:
            lines.append(line)
            continue
        insurer = mapping.items.get(line.his_code)
        if insurer is None:
            table = "drug" if line.group.is_drug_table else "service"
            findings.append(
                Finding(
                    code=UNMAPPED_CODE,
                    message=f"hospital code {line.his_code!r} has no insurer catalogue code in the facility mapping",
                    table=table,
                    record=f"{encounter.claim_key} {table} line {line.stt}",
                    field="code",
                )
            )
            lines.append(line)
        else:
            update: dict[str, object] = {"code": insurer}
            kind = mapping.kinds.get(line.his_code)
            if kind is not None:
                update["group"], update["cost_group"] = kind
            lines.append(line.model_copy(update=update))
            changed = True
    if not changed:
        return encounter, tuple(findings)
    return encounter.model_copy(update={"lines": tuple(lines)}), tuple(findings)
