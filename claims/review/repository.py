"""All review queries, always through the caller's facility scope; set-based (no per-claim or per-line query)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session, selectinload

from claims.auth.scope import Principal
from claims.catalogue.models import Facility
from claims.claim.models import Claim
from claims.kit.errors import NotFound
from claims.review.models import CheckSetting, Finding

SOURCE = "check"


def facility(session: Session, scope: Principal, facility_id: int) -> Facility:
    stmt = scope.restrict(select(Facility).where(Facility.id == facility_id), Facility.id)
    found = session.scalar(stmt)
    if found is None:
        raise NotFound("facility not found")
    return found


def claims_to_check(
    session: Session,
    scope: Principal,
    statuses: Collection[str],
    *,
    claim_ids: Sequence[int] | None = None,
    period: str | None = None,
    facility_id: int | None = None,
    lock: bool = False,
) -> list[Claim]:
    """Claims (with their lines, loaded in one extra query per 500 claims) in ``statuses``."""
    stmt = select(Claim).where(Claim.status.in_(list(statuses))).order_by(Claim.id)
    if claim_ids is not None:
        stmt = stmt.where(Claim.id.in_(list(claim_ids)))
    if period is not None:
        stmt = stmt.where(Claim.period == period)
    if facility_id is not None:
        stmt = stmt.where(Claim.facility_id == facility_id)
    stmt = scope.restrict(stmt, Claim.facility_id).options(selectinload(Claim.lines))
    if lock:
        stmt = stmt.with_for_update(of=Claim)
    return list(session.scalars(stmt))


def claim(session: Session, scope: Principal, claim_id: int) -> Claim:
    found = session.scalar(scope.restrict(select(Claim).where(Claim.id == claim_id), Claim.facility_id))
    if found is None:
        raise NotFound("claim not found")
    return found


def settings(session: Session, facility_ids: Iterable[int]) -> dict[int, dict[str, CheckSetting]]:
    """``{facility_id: {code: setting}}`` for the facilities (callers have checked the scope)."""
    ids = sorted(set(facility_ids))
    out: dict[int, dict[str, CheckSetting]] = {i: {} for i in ids}
    if ids:
        for row in session.scalars(select(CheckSetting).where(CheckSetting.facility_id.in_(ids))):
            out[row.facility_id][row.code] = row
    return out


def setting(session: Session, facility_id: int, code: str) -> CheckSetting | None:
    return session.scalar(
        select(CheckSetting).where(CheckSetting.facility_id == facility_id, CheckSetting.code == code)
    )


def resolved_check_findings(session: Session, claim_ids: Sequence[int]) -> list[Any]:
    """Where and how the checks' findings on these claims were resolved (rows, not objects: a re-run
    deletes the findings and carries the resolution over to the same finding found again)."""
    if not claim_ids:
        return []
    stmt = select(
        Finding.claim_id,
        Finding.code,
        Finding.table_name,
        Finding.record,
        Finding.field,
        Finding.value,
        Finding.override_reason,
        Finding.overridden_by,
        Finding.resolved_at,
    ).where(Finding.claim_id.in_(list(claim_ids)), Finding.source == SOURCE, Finding.resolved.is_(True))
    return list(session.execute(stmt))


def replace_check_findings(session: Session, claim_ids: Sequence[int], rows: Sequence[Mapping[str, Any]]) -> None:
    """Delete the checks' findings of these claims and insert ``rows`` (two statements; other sources kept)."""
    if claim_ids:
        session.execute(
            delete(Finding)
            .where(Finding.claim_id.in_(list(claim_ids)), Finding.source == SOURCE)
            .execution_options(synchronize_session=False)
        )
    if rows:
        session.execute(insert(Finding), [dict(r) for r in rows])


def findings_of_claim(session: Session, scope: Principal, claim_id: int) -> list[Finding]:
    claim(session, scope, claim_id)
    stmt = select(Finding).where(Finding.claim_id == claim_id).order_by(Finding.id)
    return list(session.scalars(scope.restrict(stmt, Finding.facility_id)))


def finding(session: Session, scope: Principal, finding_id: int, *, lock: bool = False) -> Finding:
    stmt = scope.restrict(select(Finding).where(Finding.id == finding_id), Finding.facility_id)
    if lock:
        stmt = stmt.with_for_update()
    found = session.scalar(stmt)
    if found is None:
        raise NotFound("finding not found")
    return found
