"""Claim API: list, detail, versions and status transitions, all scoped to the caller's facility."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from claims.api.deps import DbSession, require_roles
from claims.auth.models import Role
from claims.auth.scope import Principal
from claims.claim import repository, service
from claims.claim.schemas import ClaimDetail, ClaimPage, ClaimSummary, TransitionRequest, VersionOut
from claims.claim.status import ClaimStatus
from claims.kit.errors import error_responses
from claims.kit.pagination import PageParams, page_params

router = APIRouter(prefix="/api/claims", tags=["claims"], responses=error_responses(401, 403, 404, 422))
readers = require_roles(Role.billing, Role.finance, Role.insurer, Role.admin)
editors = require_roles(Role.billing, Role.admin)


@router.get("", response_model=ClaimPage)
def list_claims(
    db: DbSession,
    who: Principal = Depends(readers),
    page: PageParams = Depends(page_params),
    status: ClaimStatus | None = None,
    period: str | None = Query(None, pattern=r"^\d{6}$"),
    ma_lk: str | None = Query(None, max_length=100),
    facility_id: int | None = Query(None, ge=1),
) -> ClaimPage:
    rows, total = repository.list_claims(
        db,
        who,
        page,
        status=status.value if status else None,
        period=period,
        ma_lk=ma_lk,
        facility_id=facility_id,
    )
    return ClaimPage(
        items=[ClaimSummary.model_validate(c) for c in rows],
        total=total,
        offset=page.offset,
        limit=page.limit,
    )


@router.get("/{claim_id}", response_model=ClaimDetail)
def get_claim(claim_id: int, db: DbSession, who: Principal = Depends(readers)) -> ClaimDetail:
    return ClaimDetail.model_validate(repository.get(db, who, claim_id, with_lines=True))


@router.get("/{claim_id}/versions", response_model=list[VersionOut])
def list_versions(claim_id: int, db: DbSession, who: Principal = Depends(readers)) -> list[VersionOut]:
    return [VersionOut.model_validate(v) for v in repository.versions(db, who, claim_id)]


@router.post("/{claim_id}/transition", response_model=ClaimSummary, responses=error_responses(409))
def transition(
    claim_id: int, body: TransitionRequest, db: DbSession, who: Principal = Depends(editors)
) -> ClaimSummary:
    claim = service.transition(db, who, claim_id, body.to.value, body.reason)
    return ClaimSummary.model_validate(claim)
