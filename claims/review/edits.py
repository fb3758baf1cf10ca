"""Fixes a billing clerk may make to a claim, followed by a re-pricing. Never commits.

The fields are facts of the encounter (category, department, main diagnosis, card validity, weight);
the fix is stored as a new version of the encounter (the original stays) and the claim is priced again
from it, so amounts, traces and findings always come from the engine, never typed by hand.
Audit events name the fields changed, not their values (which may be personal data).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

import rules
from claims.audit import service as audit
from claims.auth.scope import Principal
from claims.catalogue.models import Facility
from claims.claim import repository as claims
from claims.claim.status import FROZEN, ClaimStatus
from claims.encounter import service as encounters
from claims.encounter.models import EncounterRecord
from claims.encounter.schemas import Encounter
from claims.kit.errors import Conflict, DomainError, NotFound
from claims.pricing.service import PricingOutcome, price_and_store

# Form field → (XML 130 field shown to the clerk, how it is applied to the encounter).
EDITABLE_FIELDS = ("ma_doituong_kcb", "ma_khoa", "ma_benh_chinh", "gt_the_den", "can_nang")


class ClaimFrozen(Conflict):
    code = "claim_frozen"
    default_message = "The claim has been sent; a change needs a new version made from the insurer's answer."


class InvalidFix(DomainError):
    code = "invalid_fix"
    status = 422
    default_message = "The corrected value is not valid."


@dataclass(frozen=True)
class FixResult:
    outcome: PricingOutcome
    changed: tuple[str, ...]


def current_values(encounter: Encounter) -> dict[str, str]:
    card = encounter.cards[-1]
    return {
        "ma_doituong_kcb": encounter.patient_category or "",
        "ma_khoa": encounter.department_code,
        "ma_benh_chinh": encounter.main_icd,
        "gt_the_den": card.valid_to.isoformat() if card.valid_to else "",
        "can_nang": encounter.weight_kg,
    }


def _apply(encounter: Encounter, values: dict[str, str]) -> Encounter:
    data: dict[str, Any] = encounter.model_dump(mode="json")
    if "ma_doituong_kcb" in values:
        data["patient_category"] = values["ma_doituong_kcb"] or None
    if "ma_khoa" in values:
        data["department_code"] = values["ma_khoa"]
    if "ma_benh_chinh" in values:
        data["main_icd"] = values["ma_benh_chinh"]
    if "can_nang" in values:
        data["weight_kg"] = values["can_nang"]
    if "gt_the_den" in values:
        text = values["gt_the_den"]
        try:
            data["cards"][-1]["valid_to"] = date.fromisoformat(text).isoformat() if text else None
        except ValueError:
            raise InvalidFix(field="gt_the_den") from None
    try:
        return Encounter.model_validate(data)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in err["loc"]) for err in exc.errors()})
        raise InvalidFix(fields=fields) from None


def encounter_record(session: Session, claim: Any) -> EncounterRecord | None:
    """The stored encounter a claim (already loaded through the caller's scope) was priced from."""
    return session.get(EncounterRecord, claim.encounter_id) if claim.encounter_id is not None else None


def fix_claim(
    session: Session,
    actor: Principal,
    claim_id: int,
    values: dict[str, str],
    tariff: rules.Tariff | None,
) -> FixResult:
    """Apply the clerk's corrections to the claim's encounter and price the claim again."""
    claim = claims.get(session, actor, claim_id, lock=True)
    if ClaimStatus(claim.status) in FROZEN or claim.status in (ClaimStatus.batched,):
        raise ClaimFrozen(status=claim.status)
    record = encounter_record(session, claim)
    if record is None:
        raise NotFound("the claim has no stored encounter to correct")
    encounter = Encounter.model_validate(record.payload)
    before = current_values(encounter)
    wanted = {k: v.strip() for k, v in values.items() if k in EDITABLE_FIELDS}
    changed = tuple(k for k, v in wanted.items() if before.get(k, "") != v)
    if not changed:
        raise InvalidFix("nothing was changed")
    fixed = _apply(encounter, {k: wanted[k] for k in changed})
    new_record, _ = encounters.store(
        session, actor, claim.facility_id, claim.ma_lk, "web-fix", fixed.model_dump(mode="json")
    )
    facility = session.get(Facility, claim.facility_id)
    assert facility is not None
    [outcome] = price_and_store(session, actor, facility, [new_record], tariff)
    audit.record(
        session, actor, "claim", outcome.claim.id, "fix",
        {"fields": list(changed), "status": outcome.claim.status}, facility_id=claim.facility_id,
    )  # fmt: skip
    return FixResult(outcome, changed)


class ClaimBlocked(Conflict):
    code = "claim_blocked"
    default_message = "The claim has blocking findings; fix them before approving."


def approve_claim(session: Session, actor: Principal, claim_id: int) -> Any:
    """Approve a priced (or checked) claim without open blocking findings: priced → checked → approved."""
    from claims.claim import service as claim_service
    from claims.submission.service import blocking_findings

    claim = claims.get(session, actor, claim_id, lock=True)
    if blocking_findings(session, [claim.id]):
        raise ClaimBlocked()
    if claim.status == ClaimStatus.priced:
        claim_service.apply_transition(session, actor, claim, ClaimStatus.checked, "reviewed in the web UI")
    return claim_service.apply_transition(session, actor, claim, ClaimStatus.approved)
