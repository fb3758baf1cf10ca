"""Pricing stored encounters into claims: load, price in one batch, build the tables, store. Never commits."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import rules
from claims.auth.scope import Principal
from claims.catalogue.models import Facility
from claims.claim.models import Claim
from claims.claim.status import ClaimStatus
from claims.claim.tables import store_claim
from claims.encounter.models import EncounterRecord
from claims.encounter.schemas import Encounter
from claims.exchange.claim_builder import build_hoso
from claims.pricing.adapter import PricedEncounter, price_encounters
from claims.review.pricing_findings import replace_pricing_findings
from claims.submission import outbox

# Facility level as recorded (Vietnamese or English) → the pre-2025 route level of the engine.
_OLD_LEVELS: dict[str, rules.model.OldLevel] = {
    "xã": "commune", "commune": "commune", "huyện": "district", "district": "district",
    "tỉnh": "provincial", "provincial": "provincial", "trung ương": "central", "central": "central",
}  # fmt: skip
# Without a recorded 2025 level, the usual conversion of Law 51/2024 (commune → primary, district →
# basic, provincial and central → specialised) is assumed; a facility record can state its own.
_NEW_LEVEL_OF_OLD: dict[str, rules.model.NewLevel] = {
    "commune": "ban_dau", "district": "co_ban", "provincial": "chuyen_sau", "central": "chuyen_sau",
}  # fmt: skip
_NEW_LEVELS = frozenset({"ban_dau", "co_ban", "chuyen_sau"})


def engine_facility(facility: Facility) -> rules.Facility:
    """The pricing engine's view of a facility record (levels and hospital class)."""
    level = (facility.level or "").strip().lower()
    new_level: rules.model.NewLevel | None = level if level in _NEW_LEVELS else None  # type: ignore[assignment]
    old_level = _OLD_LEVELS.get(level)
    if new_level is None and old_level is not None:
        new_level = _NEW_LEVEL_OF_OLD[old_level]
    return rules.Facility(
        code=facility.ma_cskcb,
        old_level=old_level,
        new_level=new_level,
        pre2025_level=old_level,
        hospital_class=facility.hospital_class,
    )


def _trace(line: rules.PricedLine) -> list[dict[str, Any]]:
    return [
        {
            "rule": step.rule_id,
            "field": step.field,
            "value": str(step.value),
            "params": {name: str(value) for name, value in step.params},
            "tariff_row": step.tariff_row,
            "legal_ref": step.legal_ref,
            "vi": step.text_vi,
            "en": step.text_en,
        }
        for step in line.trace
    ]


@dataclass(frozen=True, slots=True)
class PricingOutcome:
    claim: Claim
    priced: PricedEncounter

    @property
    def findings(self) -> tuple[rules.Finding, ...]:
        return self.priced.priced.findings


def price_and_store(
    session: Session,
    actor: Principal,
    facility: Facility,
    records: Sequence[EncounterRecord],
    tariff: rules.Tariff | None = None,
) -> list[PricingOutcome]:
    """Price the stored encounters of one facility and store each as a claim (status ``priced``).

    A claim whose pricing reported errors (unknown card, line outside the tariff …) is stored as
    ``needs_fix`` so a billing clerk sees it; the rest of the batch goes on.
    """
    actor.ensure_visible(facility.id, "facility")
    encounters = [Encounter.model_validate(record.payload) for record in records]
    outcomes = []
    for record, item in zip(records, price_encounters(encounters, engine_facility(facility), tariff), strict=True):
        hoso = build_hoso(item)
        traces: dict[tuple[str, int | None], list[dict[str, Any]]] = {}
        for index, line in enumerate(item.encounter.lines):
            result = item.line_result(index)
            if result is not None:
                traces[("XML2" if line.group.is_drug_table else "XML3", line.stt)] = _trace(result)
        blocked = any(f.severity == "error" for f in item.priced.findings) or bool(item.priced.rejected)
        claim = store_claim(
            session,
            actor,
            facility.id,
            hoso,
            encounter_id=record.id,
            status=ClaimStatus.needs_fix if blocked else ClaimStatus.priced,
            muc_huong=item.priced.totals.muc_huong,
            traces=traces,
        )
        outcomes.append(PricingOutcome(claim, item))
    replace_pricing_findings(session, actor, ((o.claim, o.findings) for o in outcomes))
    queue_checks(session, actor, [o.claim for o in outcomes])
    return outcomes


CHECK_ACTOR = "check_claims"  # workers.review.check_claims


def check_dedupe_key(claim: Claim) -> str:
    """One check job per claim, version and priced content: re-pricing to the same result does not queue the
    claim again (idempotent), re-pricing that changed it does."""
    content = [str(claim.t_tongchi_bv), str(claim.t_bhtt), claim.status]
    content += [
        f"{ln.table_name}:{ln.stt}:{ln.code}:{ln.so_luong}:{ln.thanh_tien_bv}:{ln.t_bhtt}" for ln in claim.lines
    ]
    digest = hashlib.sha256("|".join(content).encode()).hexdigest()[:16]
    return f"review.check:{claim.id}:v{claim.version}:{digest}"


def queue_checks(session: Session, actor: Principal, claims: Sequence[Claim]) -> None:
    """Queue the rule catalogue on freshly priced claims (outbox row in this transaction, one per claim)."""
    for claim in claims:
        outbox.enqueue(
            session, CHECK_ACTOR, {"claim_ids": [claim.id]}, check_dedupe_key(claim), requested_by=actor.username
        )


def unpriced_encounters(
    session: Session, actor: Principal, facility_id: int, limit: int = 1000
) -> list[EncounterRecord]:
    """Stored encounters of the facility that have no claim yet (oldest first)."""
    actor.ensure_visible(facility_id, "facility")
    priced = select(Claim.encounter_id).where(Claim.facility_id == facility_id, Claim.encounter_id.is_not(None))
    return list(
        session.scalars(
            select(EncounterRecord)
            .where(EncounterRecord.facility_id == facility_id, EncounterRecord.id.not_in(priced))
            .order_by(EncounterRecord.id)
            .limit(limit)
        )
    )
