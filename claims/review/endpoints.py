"""Review API: the check catalogue and its per-facility settings, runs, dry runs, findings of a claim."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from claims.api.deps import DbSession, require_roles
from claims.auth.models import Role
from claims.auth.scope import Principal
from claims.kit.errors import InvalidInput, error_responses
from claims.review import repository, service
from claims.review.schemas import (
    CheckOut,
    CheckSettingIn,
    CheckSettingOut,
    DepartmentCount,
    DryRunOut,
    FindingOut,
    ResolveIn,
    RunIn,
    RunOut,
)

router = APIRouter(tags=["review"], responses=error_responses(401, 403, 404, 422))
readers = require_roles(Role.billing, Role.finance, Role.insurer, Role.admin)
runners = require_roles(Role.billing, Role.admin)
admins = require_roles(Role.admin)


@router.get("/api/checks", response_model=list[CheckOut])
def list_checks(
    db: DbSession, who: Principal = Depends(readers), facility_id: int | None = Query(None, ge=1)
) -> list[CheckOut]:
    return [CheckOut.model_validate(row) for row in service.list_checks(db, who, facility_id)]


@router.put("/api/checks/{code}/settings", response_model=CheckSettingOut)
def set_check(code: str, body: CheckSettingIn, db: DbSession, who: Principal = Depends(admins)) -> CheckSettingOut:
    row = service.set_check(
        db,
        who,
        body.facility_id,
        code,
        enabled=body.enabled,
        severity_override=body.severity_override,
        clear_override=body.clear_override,
        reason=body.reason,
    )
    return CheckSettingOut.model_validate(row)


@router.get("/api/checks/{code}/dry-run", response_model=DryRunOut)
def dry_run(
    code: str,
    db: DbSession,
    who: Principal = Depends(readers),
    period: str = Query(..., pattern=r"^\d{6}$"),
    facility_id: int | None = Query(None, ge=1),
) -> DryRunOut:
    result = service.dry_run(db, who, code, period, facility_id=facility_id)
    return DryRunOut(
        code=result.code,
        period=result.period,
        claims=result.claims,
        flagged=result.flagged,
        findings=result.findings,
        by_department=[DepartmentCount(ma_khoa=k, claims=v[0], flagged=v[1]) for k, v in result.by_department.items()],
    )


@router.post("/api/review/run", response_model=RunOut)
def run(body: RunIn, db: DbSession, who: Principal = Depends(runners)) -> RunOut:
    if body.period is None and body.claim_id is None:
        raise InvalidInput("give a period or a claim_id", field="period")
    outcome = service.run_checks(
        db,
        who,
        claim_ids=[body.claim_id] if body.claim_id is not None else None,
        period=body.period,
        facility_id=body.facility_id,
    )
    return RunOut(
        claims=outcome.claims,
        findings=outcome.findings,
        blocking_claims=outcome.blocking_claims,
        to_checked=outcome.to_checked,
        to_needs_fix=outcome.to_needs_fix,
    )


@router.get("/api/review/claims/{claim_id}/findings", response_model=list[FindingOut])
def findings_of_claim(claim_id: int, db: DbSession, who: Principal = Depends(readers)) -> list[FindingOut]:
    return [FindingOut.model_validate(f) for f in repository.findings_of_claim(db, who, claim_id)]


@router.post("/api/review/findings/{finding_id}/resolve", response_model=FindingOut)
def resolve(finding_id: int, body: ResolveIn, db: DbSession, who: Principal = Depends(runners)) -> FindingOut:
    return FindingOut.model_validate(service.resolve_finding(db, who, finding_id, body.reason))
