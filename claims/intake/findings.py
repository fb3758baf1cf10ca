"""Findings raised at intake (an unmapped hospital code, a problem the XML 130 reader noticed) stored on the
claim for the work queue, beside the findings of pricing and the checks. Never commits.

Each run replaces the open intake findings of the claim: those no longer reported are marked resolved
(kept, so the history stays visible), new ones are added.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from claims.audit import service as audit
from claims.auth.scope import Principal
from claims.claim.models import Claim
from claims.intake.records import Finding
from claims.review.models import Finding as ReviewFinding

SOURCE = "intake"
_TABLE_OF = {"drug": "XML2", "service": "XML3", "encounter": "XML1"}
_STT = re.compile(r"(?:line|STT) (\d+)$")


def as_finding(value: Finding | Mapping[str, Any]) -> Finding:
    return value if isinstance(value, Finding) else Finding(**dict(value))


def _where(claim: Claim, finding: Finding) -> tuple[str, int | None, int | None]:
    table = _TABLE_OF.get(finding.table, finding.table)[:8] or "XML1"
    found = _STT.search(finding.record)
    stt = int(found.group(1)) if found else None
    line_id = None
    if stt is not None and table in ("XML2", "XML3"):
        line_id = next((ln.id for ln in claim.lines if ln.table_name == table and ln.stt == stt), None)
    return table, stt, line_id


def store_intake_findings(
    session: Session, actor: Principal, results: Iterable[tuple[Claim, Iterable[Finding | Mapping[str, Any]]]]
) -> int:
    """Store the intake findings of each claim (replacing its open ones); returns how many were added."""
    pairs = [(claim, [as_finding(f) for f in found]) for claim, found in results]
    if not pairs:
        return 0
    for claim, _ in pairs:
        actor.ensure_visible(claim.facility_id, "claim")
    open_rows: dict[int, list[ReviewFinding]] = {}
    ids = [claim.id for claim, _ in pairs]
    for row in session.scalars(
        select(ReviewFinding).where(
            ReviewFinding.claim_id.in_(ids), ReviewFinding.source == SOURCE, ReviewFinding.resolved.is_(False)
        )
    ):
        open_rows.setdefault(row.claim_id, []).append(row)
    added = 0
    for claim, findings in pairs:
        wanted: dict[tuple[str, str, int | None, str], tuple[Finding, int | None]] = {}
        for finding in findings:
            table, stt, line_id = _where(claim, finding)
            wanted.setdefault((finding.code[:64], table, stt, finding.field[:64]), (finding, line_id))
        resolved = 0
        for row in open_rows.get(claim.id, []):
            key = (row.code, row.table_name or "", row.record, row.field or "")
            if wanted.pop(key, None) is None:
                row.resolved = True
                resolved += 1
        for (code, table, stt, field), (finding, line_id) in wanted.items():
            session.add(
                ReviewFinding(
                    claim_id=claim.id, claim_line_id=line_id, facility_id=claim.facility_id, code=code,
                    severity=finding.severity if finding.severity in ("error", "warning", "info") else "warning",
                    table_name=table, record=stt, field=field or None, message=finding.message, source=SOURCE,
                )
            )  # fmt: skip
            added += 1
        if wanted or resolved:
            audit.record(
                session, actor, "claim", claim.id, "intake_findings", {"added": len(wanted), "resolved": resolved},
                facility_id=claim.facility_id,
            )  # fmt: skip
    session.flush()
    return added
