"""Findings of pricing stored for the work queue. Never commits.

Each pricing run replaces the open findings it produced before: the ones no longer reported are
marked resolved (kept, so the history of a fix stays visible), the new ones are added.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

import rules
from claims.audit import service as audit
from claims.auth.scope import Principal
from claims.claim.models import Claim
from claims.review.models import Finding

_LINE_FIELD = re.compile(r"^lines\[stt=(\d+)\]\.(.+)$")
# Engine field names → the XML 130 field a clerk sees.
_FIELD_OF = {"cards": "ma_the_bhyt", "encounter_date": "ngay_vao", "discharge_datetime": "ngay_ra"}


def finding_code(finding: rules.Finding) -> str:
    """A stable code for the work queue: the engine's code, else the field it names."""
    if finding.code:
        return finding.code
    match = _LINE_FIELD.match(finding.field)
    return (match.group(2) if match else finding.field).replace(".", "_")[:64] or "unknown"


def _line_table(claim: Claim, stt: int) -> str | None:
    tables = {line.table_name for line in claim.lines if line.stt == stt}
    return tables.pop() if len(tables) == 1 else None


def replace_pricing_findings(
    session: Session, actor: Principal, results: Iterable[tuple[Claim, Iterable[rules.Finding]]]
) -> list[Finding]:
    """Store the findings of the latest pricing of each claim; resolve the earlier ones not reported again.

    One query reads the open findings of all the claims (pricing works in batches).
    """
    pairs = [(claim, list(found)) for claim, found in results]
    for claim, _ in pairs:
        actor.ensure_visible(claim.facility_id, "claim")
    ids = [claim.id for claim, _ in pairs]
    open_rows: dict[int, list[Finding]] = {}
    for row in session.scalars(
        select(Finding).where(Finding.claim_id.in_(ids), Finding.source == "pricing", Finding.resolved.is_(False))
    ):
        open_rows.setdefault(row.claim_id, []).append(row)
    kept: list[Finding] = []
    for claim, found in pairs:
        kept.extend(_replace(session, actor, claim, found, open_rows.get(claim.id, [])))
    session.flush()
    return kept


def _replace(
    session: Session, actor: Principal, claim: Claim, findings: list[rules.Finding], open_rows: list[Finding]
) -> list[Finding]:
    wanted: dict[tuple[str, int | None, str | None], rules.Finding] = {}
    for item in findings:
        match = _LINE_FIELD.match(item.field)
        field = match.group(2) if match else _FIELD_OF.get(item.field, item.field)
        wanted.setdefault((finding_code(item), item.stt, field[:64]), item)
    kept: list[Finding] = []
    resolved = 0
    for row in open_rows:
        key = (row.code, row.record, row.field)
        if key in wanted:
            wanted.pop(key)
            kept.append(row)
        else:
            row.resolved = True
            resolved += 1
    for (code, stt, field), item in wanted.items():
        row = Finding(
            claim_id=claim.id,
            facility_id=claim.facility_id,
            code=code,
            severity=item.severity if item.severity in ("error", "warning", "info") else "error",
            table_name=_line_table(claim, stt) if stt is not None else "XML1",
            record=stt,
            field=field,
            message=item.reason,
            source="pricing",
        )
        session.add(row)
        kept.append(row)
    if resolved:
        audit.record(session, actor, "claim", claim.id, "findings_resolved", {"count": resolved},
                     facility_id=claim.facility_id)  # fmt: skip
    return kept
