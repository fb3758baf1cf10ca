"""Settlement API: a period's figures, closing it, and its reports (JSON, CSV, XLSX). Finance and admin."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, PlainSerializer

from claims.api.deps import DbSession, require_roles
from claims.auth.models import Role
from claims.auth.scope import Principal
from claims.kit.errors import NotFound, error_responses
from claims.settlement import export, reports, service

router = APIRouter(prefix="/api/settlement", tags=["settlement"], responses=error_responses(401, 403, 404, 422))
finance = require_roles(Role.finance, Role.admin)
PERIOD = Query(..., pattern=r"^\d{4}-?\d{2}$", examples=["2026-10"])
MoneyStr = Annotated[Decimal, PlainSerializer(lambda d: str(d), return_type=str, when_used="json")]


class SummaryOut(BaseModel):
    facility_id: int
    period: str
    closed: bool
    claims: int
    claimed: MoneyStr
    approved: MoneyStr
    disallowed: MoneyStr
    not_assessed: MoneyStr
    paid: MoneyStr
    outstanding: MoneyStr
    received: MoneyStr
    adjustments_in: MoneyStr
    adjustments_paid_in: MoneyStr
    adjustments_out: MoneyStr
    adjustments_paid_out: MoneyStr
    disallowed_by_reason: dict[str, MoneyStr]
    adds_up: bool


def _summary(s: service.PeriodSummary) -> SummaryOut:
    return SummaryOut(**{**s.__dict__, "adds_up": s.adds_up})


@router.get("/summary", response_model=SummaryOut)
def summary(db: DbSession, who: Principal = Depends(finance), facility_id: int = Query(..., ge=1),
            period: str = PERIOD) -> SummaryOut:  # fmt: skip
    """Claimed, approved, disallowed (by reason), paid, outstanding: frozen once closed."""
    return _summary(service.summary(db, who, facility_id, period.replace("-", "")))


@router.post("/close", response_model=SummaryOut, responses=error_responses(409))
def close(db: DbSession, who: Principal = Depends(finance), facility_id: int = Query(..., ge=1),
          period: str = PERIOD) -> SummaryOut:  # fmt: skip
    """Reconcile one last time and freeze the period's totals."""
    digits = period.replace("-", "")
    service.close_period(db, who, facility_id, digits)
    return _summary(service.summary(db, who, facility_id, digits))


REPORTS = ("79a", "80a", "variances", "ageing")


@router.get("/reports/{name}", response_model=None)
def report(name: str, db: DbSession, who: Principal = Depends(finance), facility_id: int = Query(..., ge=1),
           period: str = PERIOD, format: Literal["json", "csv", "xlsx"] = "json",
           as_of: date | None = Query(None, description="ageing: the day ages are counted to (default today)"),
           ) -> Any:  # fmt: skip
    """79a/80a summaries, variances by reason and department, ageing of outstanding amounts."""
    digits = period.replace("-", "")
    if name in ("79a", "80a"):
        rep = reports.summary_79a(db, who, facility_id, digits, inpatient=name == "80a")
    elif name == "variances":
        rep = reports.variance_report(db, who, facility_id, digits)
    elif name == "ageing":
        rep = reports.ageing_report(db, who, facility_id, digits, as_of or date.today())
    else:
        raise NotFound("report not found", reports=list(REPORTS))
    filename = f"{rep.name}_{facility_id}_{digits}"
    if format == "csv":
        return Response(export.to_csv(rep), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'})  # fmt: skip
    if format == "xlsx":
        return Response(
            export.to_xlsx(rep),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{filename}.xlsx"'},
        )
    return {
        "name": rep.name,
        "title": rep.title,
        "columns": [{"key": k, "label": rep.labels.get(k, k)} for k in rep.keys],
        "rows": [{k: (str(v) if isinstance(v, Decimal) else v) for k, v in row.items()} for row in rep.rows],
    }
