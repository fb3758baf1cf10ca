"""Remittance API: imports of the office's answers, reconciliation, variances, exceptions and the denial
work queue. Finance and admin everywhere; billing may read the denial queue and act on it. Every query is
scoped to the caller's facility in the repository; every write is audited by the service."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Query

from claims.api.deps import DbSession, require_roles
from claims.auth.models import Role
from claims.auth.scope import Principal
from claims.kit.errors import NotFound, error_responses
from claims.kit.pagination import PageParams, page_params
from claims.remittance import imports, parse, repository, service
from claims.remittance.schemas import (
    DenialOut,
    DenialPage,
    ExceptionOut,
    FileUpload,
    HistoryItem,
    ImportOut,
    ImportRow,
    NoteBody,
    OptionalNote,
    ReconcileRequest,
    VarianceOut,
)

router = APIRouter(prefix="/api/remittance", tags=["remittance"], responses=error_responses(401, 403, 404, 422))
finance = require_roles(Role.finance, Role.admin)
queue = require_roles(Role.billing, Role.finance, Role.admin)

PERIOD = Query(..., pattern=r"^\d{4}-?\d{2}$", examples=["2026-10"])


def _digits(period: str) -> str:
    return period.replace("-", "")


def _outcome(outcome: imports.ImportOutcome) -> ImportOut:
    return ImportOut(**outcome.__dict__)


@router.post("/imports", response_model=ImportOut, responses=error_responses(409))
def import_file(body: FileUpload, db: DbSession, who: Principal = Depends(finance)) -> ImportOut:
    """Import an office file (JSON/CSV results, JSON/CSV/XLSX notices); the same file twice changes nothing."""
    source = "manual" if body.entered_by else "file"
    return _outcome(service.import_file(db, who, body.kind, body.name, body.data(), source=source,
                                        entered_by=body.entered_by))  # fmt: skip


@router.post("/assessments", response_model=ImportOut)
def import_assessment_payload(payload: dict[str, Any] | list[dict[str, Any]], db: DbSession,
                              who: Principal = Depends(finance)) -> ImportOut:  # fmt: skip
    """An assessment result (or a list) exactly as the office gateway's API returns it."""
    import json

    data = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    parsed = parse.parse_assessments_json(data, "api")
    return _outcome(imports.import_assessments(db, who, parsed, data, source="api", name="api"))


@router.post("/notices", response_model=ImportOut)
def import_notice_payload(payload: dict[str, Any] | list[dict[str, Any]], db: DbSession,
                          who: Principal = Depends(finance)) -> ImportOut:  # fmt: skip
    """A payment notice (or a list) exactly as the office gateway's API returns it."""
    import json

    data = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    parsed = parse.parse_notices_json(data, "api")
    return _outcome(imports.import_notices(db, who, parsed, data, source="api", name="api"))


@router.get("/imports", response_model=list[ImportRow])
def list_imports(db: DbSession, who: Principal = Depends(finance), page: PageParams = Depends(page_params),
                 facility_id: int | None = Query(None, ge=1)) -> list[ImportRow]:  # fmt: skip
    rows, _ = repository.imports(db, who, page, facility_id)
    return [ImportRow.model_validate(r) for r in rows]


@router.post("/reconcile", response_model=dict[str, Any])
def reconcile(body: ReconcileRequest, db: DbSession, who: Principal = Depends(finance)) -> dict[str, Any]:
    """Match the period's answers and payments, rebuild its variances and denials (open periods)."""
    return service.reconcile(db, who, body.facility_id, _digits(body.period))


@router.get("/variances", response_model=list[VarianceOut])
def list_variances(db: DbSession, who: Principal = Depends(finance), page: PageParams = Depends(page_params),
                   facility_id: int = Query(..., ge=1), period: str = PERIOD,
                   category: str | None = Query(None, max_length=32)) -> list[VarianceOut]:  # fmt: skip
    rows, _ = repository.variances(db, who, page, facility_id, _digits(period), category)
    return [VarianceOut.model_validate(r) for r in rows]


@router.get("/exceptions", response_model=list[ExceptionOut])
def list_exceptions(db: DbSession, who: Principal = Depends(finance), page: PageParams = Depends(page_params),
                    facility_id: int = Query(..., ge=1), period: str = PERIOD) -> list[ExceptionOut]:  # fmt: skip
    rows, _ = repository.exceptions(db, who, page, facility_id, _digits(period))
    return [ExceptionOut.model_validate(r) for r in rows]


def _denial_out(denial: Any) -> DenialOut:
    out = DenialOut.model_validate(denial)
    out.age_days = (datetime.now(UTC) - denial.opened_at).days
    return out


@router.get("/denials", response_model=DenialPage)
def list_denials(db: DbSession, who: Principal = Depends(queue), page: PageParams = Depends(page_params),
                 facility_id: int | None = Query(None, ge=1),
                 status: str | None = Query(None, max_length=24)) -> DenialPage:  # fmt: skip
    """The denial work queue (oldest first): reason, amount, age, next action."""
    rows, total = repository.denials(db, who, page, facility_id, status)
    return DenialPage(items=[_denial_out(d) for d in rows], total=total, offset=page.offset, limit=page.limit)


@router.get("/denials/{denial_id}/history", response_model=list[HistoryItem])
def denial_history(denial_id: int, db: DbSession, who: Principal = Depends(queue)) -> list[HistoryItem]:
    """Who did what on the denial."""
    if repository.denial(db, who, denial_id) is None:
        raise NotFound("denial not found")
    return [HistoryItem(at=e.at, actor=e.actor, action=e.action, summary=e.summary)
            for e in repository.denial_history(db, who, denial_id)]  # fmt: skip


@router.post("/denials/{denial_id}/resend", response_model=DenialOut, responses=error_responses(409))
def resend(denial_id: int, body: OptionalNote, db: DbSession, who: Principal = Depends(queue)) -> DenialOut:
    """Fix and resend: a new version of the claim is opened for correction (``needs_fix``)."""
    return _denial_out(service.resend(db, who, denial_id, body.note))


@router.post("/denials/{denial_id}/appeal", response_model=DenialOut, responses=error_responses(409))
def appeal(denial_id: int, body: NoteBody, db: DbSession, who: Principal = Depends(queue)) -> DenialOut:
    return _denial_out(service.appeal(db, who, denial_id, body.note))


@router.post("/denials/{denial_id}/write-off", response_model=DenialOut, responses=error_responses(409))
def request_write_off(denial_id: int, body: NoteBody, db: DbSession, who: Principal = Depends(queue)) -> DenialOut:
    return _denial_out(service.request_write_off(db, who, denial_id, body.note))


@router.post("/denials/{denial_id}/approve-write-off", response_model=DenialOut, responses=error_responses(409))
def approve_write_off(denial_id: int, db: DbSession, who: Principal = Depends(finance)) -> DenialOut:
    return _denial_out(service.approve_write_off(db, who, denial_id))
