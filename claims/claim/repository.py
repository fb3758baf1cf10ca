"""All claim queries, always through the caller's facility scope."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from claims.auth.scope import Principal
from claims.claim.models import Claim, ClaimLine, ClaimVersion
from claims.kit.errors import NotFound
from claims.kit.pagination import PageParams, paginate


def get(session: Session, scope: Principal, claim_id: int, *, with_lines: bool = False, lock: bool = False) -> Claim:
    stmt = scope.restrict(select(Claim).where(Claim.id == claim_id), Claim.facility_id)
    if with_lines:
        stmt = stmt.options(selectinload(Claim.lines))
    if lock:
        stmt = stmt.with_for_update()
    claim = session.scalar(stmt)
    if claim is None:
        raise NotFound("claim not found")
    return claim


def list_claims(
    session: Session,
    scope: Principal,
    page: PageParams,
    *,
    status: str | None = None,
    period: str | None = None,
    ma_lk: str | None = None,
    facility_id: int | None = None,
) -> tuple[list[Claim], int]:
    stmt = select(Claim).order_by(Claim.id)
    if status:
        stmt = stmt.where(Claim.status == status)
    if period:
        stmt = stmt.where(Claim.period == period)
    if ma_lk:
        stmt = stmt.where(Claim.ma_lk == ma_lk)
    if facility_id is not None:
        stmt = stmt.where(Claim.facility_id == facility_id)
    return paginate(session, scope.restrict(stmt, Claim.facility_id), page)


def lines(session: Session, scope: Principal, claim_id: int) -> list[ClaimLine]:
    get(session, scope, claim_id)
    return list(session.scalars(select(ClaimLine).where(ClaimLine.claim_id == claim_id).order_by(ClaimLine.id)))


def versions(session: Session, scope: Principal, claim_id: int) -> list[ClaimVersion]:
    get(session, scope, claim_id)
    stmt = select(ClaimVersion).where(ClaimVersion.claim_id == claim_id).order_by(ClaimVersion.version)
    return list(session.scalars(stmt))
