"""What runs after an import, queued through the outbox (workers.intake): pricing of imported encounters, and
price verification of claims an XML 130 file declared. Both are safe to run twice. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session, selectinload

import rules
from claims.auth.scope import Principal
from claims.catalogue.models import Facility
from claims.claim.models import Claim
from claims.claim.status import FROZEN
from claims.encounter.models import EncounterRecord
from claims.encounter.schemas import Encounter
from claims.intake.findings import store_intake_findings
from claims.pricing.adapter import PricedEncounter, price_encounters
from claims.pricing.service import engine_facility, price_and_store, queue_checks
from claims.review.pricing_findings import replace_pricing_findings

PRICE_DIFFERENCE = "INTAKE_PRICE_DIFFERENCE"
#: XML1 totals compared with our pricing (field names of the claim columns).
TOTALS = ("t_thuoc", "t_vtyt", "t_tongchi_bv", "t_tongchi_bh", "t_bhtt", "t_bncct", "t_bntt")
#: Line amounts compared.
LINE_AMOUNTS = ("thanh_tien_bv", "thanh_tien_bh", "t_bhtt")


@dataclass(slots=True)
class PipelineOutcome:
    claims: list[int] = field(default_factory=list)
    skipped: int = 0
    differences: int = 0


def price_imported(
    session: Session, actor: Principal, encounter_ids: Sequence[int], tariff: rules.Tariff | None = None
) -> PipelineOutcome:
    """Price the imported encounters into claims (new claim, re-priced open claim, or a new version of a sent
    one) and store their intake findings on the claims; checks are queued by pricing. Encounters already
    priced, or replaced by a newer version since (that version is queued itself), are skipped."""
    outcome = PipelineOutcome()
    records = list(
        session.scalars(
            select(EncounterRecord).where(EncounterRecord.id.in_(encounter_ids)).order_by(EncounterRecord.id)
        )
    )
    if not records:
        return outcome
    priced = set(session.scalars(select(Claim.encounter_id).where(Claim.encounter_id.in_([r.id for r in records]))))
    keys = list({(r.facility_id, r.ma_lk) for r in records})
    newest = {
        (fid, ma_lk): version
        for fid, ma_lk, version in session.execute(
            select(EncounterRecord.facility_id, EncounterRecord.ma_lk, func.max(EncounterRecord.version))
            .where(tuple_(EncounterRecord.facility_id, EncounterRecord.ma_lk).in_(keys))
            .group_by(EncounterRecord.facility_id, EncounterRecord.ma_lk)
        )
    }
    by_facility: dict[int, list[EncounterRecord]] = {}
    for record in records:
        if record.id in priced or newest.get((record.facility_id, record.ma_lk)) != record.version:
            outcome.skipped += 1
            continue
        if not actor.can_see(record.facility_id):
            outcome.skipped += 1
            continue
        by_facility.setdefault(record.facility_id, []).append(record)
    for facility_id, group in by_facility.items():
        facility = session.get(Facility, facility_id)
        assert facility is not None
        results = price_and_store(session, actor, facility, group, tariff)
        store_intake_findings(
            session, actor, ((res.claim, record.findings or []) for res, record in zip(results, group, strict=True))
        )
        outcome.claims += [res.claim.id for res in results]
    return outcome


def _money(value: Decimal | None) -> Decimal:
    return (value or Decimal(0)).quantize(Decimal("0.01"))


def price_differences(claim: Claim, priced: PricedEncounter) -> list[rules.Finding]:
    """Where the declared claim differs from our pricing of its encounter: one finding per total and per line
    amount that differs (the declared amounts stay as they are)."""
    found: list[rules.Finding] = []
    totals = priced.priced.totals
    for name in TOTALS:
        declared, ours = _money(getattr(claim, name)), _money(getattr(totals, name))
        if declared != ours:
            found.append(
                rules.Finding(
                    field=name, severity="warning", code=PRICE_DIFFERENCE,
                    reason=f"{name.upper()} declared {declared}, priced {ours} (difference {declared - ours})",
                )
            )  # fmt: skip
    lines = {(line.table_name, line.stt): line for line in claim.lines}
    for index, line in enumerate(priced.encounter.lines):
        result = priced.line_result(index)
        stored = lines.get(("XML2" if line.group.is_drug_table else "XML3", line.stt))
        if result is None or stored is None:
            continue
        for name in LINE_AMOUNTS:
            declared, ours = _money(getattr(stored, name)), _money(getattr(result, name))
            if declared != ours:
                found.append(
                    rules.Finding(
                        field=f"lines[stt={line.stt}].{name}", severity="warning", stt=line.stt, code=PRICE_DIFFERENCE,
                        reason=f"{name.upper()} declared {declared}, priced {ours} (difference {declared - ours})",
                    )
                )  # fmt: skip
    return found


def verify_declared(
    session: Session, actor: Principal, claim_ids: Sequence[int], tariff: rules.Tariff | None = None
) -> PipelineOutcome:
    """Price the encounter of each claim declared by an XML 130 file and store, as pricing findings, the
    engine's own findings and every difference from the declared amounts; then queue the checks."""
    outcome = PipelineOutcome()
    claims = list(
        session.scalars(
            actor.restrict(select(Claim).where(Claim.id.in_(claim_ids)), Claim.facility_id)
            .options(selectinload(Claim.lines))
            .order_by(Claim.id)
        )
    )
    open_claims = [c for c in claims if c.status not in FROZEN and c.encounter_id is not None]
    outcome.skipped = len(claim_ids) - len(open_claims)
    if not open_claims:
        return outcome
    payloads: dict[int, dict[str, Any]] = {
        id_: payload
        for id_, payload in session.execute(
            select(EncounterRecord.id, EncounterRecord.payload).where(
                EncounterRecord.id.in_([c.encounter_id for c in open_claims])
            )
        )
    }
    by_facility: dict[int, list[Claim]] = {}
    for claim in open_claims:
        by_facility.setdefault(claim.facility_id, []).append(claim)
    for facility_id, group in by_facility.items():
        facility = session.get(Facility, facility_id)
        assert facility is not None
        encounters = [Encounter.model_validate(payloads[c.encounter_id or 0]) for c in group]
        results = price_encounters(encounters, engine_facility(facility), tariff)
        pairs = []
        for claim, priced in zip(group, results, strict=True):
            differences = price_differences(claim, priced)
            outcome.differences += len(differences)
            pairs.append((claim, [*priced.priced.findings, *differences]))
        replace_pricing_findings(session, actor, pairs)
        queue_checks(session, actor, group)
        outcome.claims += [c.id for c in group]
    return outcome
