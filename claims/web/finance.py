"""Finance pages: reconciliation by period (per facility: claimed, approved, disallowed, paid,
outstanding) with the drill-down to a claim and to a line (the office's reason beside the rule and
tariff row our pricing used), the variance report, ageing of outstanding amounts, exports, importing
the office's files, reconciling a period in the background, and closing it (finance only, confirmed,
audited by the settlement service). Reads and writes use the same services as the API."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from claims.api.deps import DbSession
from claims.auth.models import Role
from claims.auth.scope import Principal
from claims.kit.errors import DomainError, NotFound
from claims.remittance import categories as cat
from claims.remittance import service as remittance
from claims.remittance.models import RemittanceImport
from claims.settlement import export, reports
from claims.settlement import service as settlement
from claims.web import jobs, reconciliation
from claims.web.routing import BILLING_EDIT, N_, WebRoute, csrf_checked, gettext_of, render, roles

router = APIRouter(route_class=WebRoute)
FINANCE = (Role.finance, Role.admin)
CLOSERS = (Role.finance,)  # closing a period is the finance officer's act, not the administrator's
PERIOD = r"^\d{6}$"
MAX_UPLOAD = 20 * 1024 * 1024
EXPORTS = ("reconciliation", "variances", "ageing", "79a", "80a")

# Variance categories and answer statuses, as the pages name them (msgids; translated in templates).
CATEGORY_LABELS = {
    cat.DISALLOWED_CHECK: N_("Disallowed by a check"), cat.PRICE_REDUCED: N_("Unit price reduced to the tariff"),
    cat.QUANTITY_REDUCED: N_("Quantity reduced"), cat.CLAIM_REJECTED: N_("Whole claim refused"),
    cat.NOT_ASSESSED: N_("Not assessed yet"), cat.PAID_LESS: N_("Paid less than approved"),
    cat.PAID_MORE: N_("Paid more than approved"), cat.PAID_TWICE: N_("Paid twice"),
    cat.PAID_NEVER_SENT: N_("Paid for a claim never sent"), cat.UNMATCHED_ANSWER: N_("Answer matches no claim"),
    cat.CLAIMED_DIFFERS: N_("The office read another claimed amount"),
}  # fmt: skip
ANSWER_LABELS = {"accepted": N_("accepted"), "partially_accepted": N_("partly accepted"), "rejected": N_("refused")}
CLAIM_FILTER_LABELS = {"all": N_("All"), "disallowed": N_("With a disallowance"), "outstanding": N_("Outstanding"),
                       "not_assessed": N_("Not assessed"), "paid": N_("Paid")}  # fmt: skip

JOB_LABELS = {"reconcile": N_("Reconciliation of the period"), "price": N_("Pricing the imported encounters")}
JOB_STATES = {"queued": N_("Waiting"), "running": N_("Running"), "done": N_("Finished"), "failed": N_("Failed")}


class InvalidUpload(DomainError):
    code = "invalid_upload"
    status = 422


def _period(request: Request, db: DbSession, who: Principal, facility_id: int, period: str) -> dict[str, Any]:
    """What every page of one facility's period shows in its header."""
    return {
        "who": who,
        "facility": reconciliation.facility(db, who, facility_id),
        "period": period,
        "closed": reconciliation.close_of(db, facility_id, period),
        "category_labels": CATEGORY_LABELS,
        "answer_labels": ANSWER_LABELS,
    }


@router.get("/finance")
def overview(
    request: Request,
    db: DbSession,
    who: Principal = Depends(roles(*FINANCE)),
    facility_id: int | None = Query(None, ge=1),
) -> Response:
    chosen = who.facility_id if not who.sees_all_facilities else facility_id
    rows = reconciliation.overview(db, who, chosen)
    listed = reconciliation.queries.facilities_visible(db, who) if who.sees_all_facilities else []
    return render(request, "finance.html", who=who, rows=rows, facility_id=chosen, facilities=listed)


@router.post("/finance/imports", dependencies=[Depends(csrf_checked)])
def import_office_file(
    request: Request,
    db: DbSession,
    file: UploadFile,
    kind: Annotated[str, Form(pattern=r"^(assessment|notice)$")],
    entered_by: Annotated[str, Form(max_length=128)] = "",
    who: Principal = Depends(roles(*FINANCE)),
) -> Response:
    """An office file (assessment results JSON/CSV, payment notices JSON/CSV/XLSX), imported as the API does."""
    _ = gettext_of(request)
    data = file.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise InvalidUpload(_("The file is larger than 20 MB."))
    name = (file.filename or "upload.json").rsplit("/", 1)[-1][:200]
    source = "manual" if entered_by.strip() else "file"
    outcome = remittance.import_file(db, who, kind, name, data, source=source, entered_by=entered_by.strip() or None)
    db.commit()
    found = db.get(RemittanceImport, outcome.import_id) if outcome.import_id else None
    if found is None or found.period is None:
        return RedirectResponse("/finance?done=imported", status_code=303)
    state = "duplicate" if outcome.duplicate else "imported"
    return RedirectResponse(f"/finance/{found.facility_id}/{found.period}?done={state}&records={outcome.records}",
                            status_code=303)  # fmt: skip


@router.get("/finance/{facility_id}/{period}")
def period_page(
    request: Request,
    db: DbSession,
    facility_id: int,
    period: str,
    who: Principal = Depends(roles(*FINANCE)),
    show: str = Query("all", pattern=r"^(all|disallowed|outstanding|not_assessed|paid)$"),
    offset: int = Query(0, ge=0, le=10_000_000),
    done: str | None = Query(None, pattern=r"^[a-z_]{1,20}$"),
    records: int | None = Query(None, ge=0),
) -> Response:
    _check_period(period)
    ctx = _period(request, db, who, facility_id, period)
    summary = settlement.summary(db, who, facility_id, period)
    claims, more = reconciliation.period_claims(db, who, facility_id, period, show, offset)
    return render(request, "finance_period.html", **ctx, summary=summary, claims=claims, more=more, show=show,
                  offset=offset, page=reconciliation.PAGE, filters=CLAIM_FILTER_LABELS, done=done, records=records,
                  jobs=jobs.recent(db, who, facility_id), job_labels=JOB_LABELS, job_states=JOB_STATES,
                  can_close=who.role in CLOSERS, exports=EXPORTS)  # fmt: skip


def _check_period(period: str) -> None:
    if len(period) != 6 or not period.isdigit() or not 1 <= int(period[4:]) <= 12:
        raise NotFound("period not found")


@router.get("/finance/{facility_id}/{period}/claims/{claim_id}")
def claim_page(
    request: Request, db: DbSession, facility_id: int, period: str, claim_id: int,
    who: Principal = Depends(roles(*FINANCE)),
) -> Response:  # fmt: skip
    """One claim of the period: what was claimed, approved, disallowed and paid, line by line, and why."""
    _check_period(period)
    ctx = _period(request, db, who, facility_id, period)
    decision = reconciliation.claim_decision(db, who, facility_id, period, claim_id)
    return render(request, "finance_claim.html", **ctx, d=decision)


@router.get("/finance/{facility_id}/{period}/variances")
def variances_page(
    request: Request, db: DbSession, facility_id: int, period: str,
    who: Principal = Depends(roles(*FINANCE)),
    category: str | None = Query(None, pattern=r"^[a-z_]{1,32}$"),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> Response:  # fmt: skip
    _check_period(period)
    ctx = _period(request, db, who, facility_id, period)
    report = reports.variance_report(db, who, facility_id, period)
    items, more = reconciliation.variances(db, who, facility_id, period, category or None, offset)
    return render(request, "finance_variances.html", **ctx, report=report, items=items, more=more, category=category,
                  offset=offset, page=reconciliation.PAGE)  # fmt: skip


@router.get("/finance/{facility_id}/{period}/ageing")
def ageing_page(
    request: Request, db: DbSession, facility_id: int, period: str,
    who: Principal = Depends(roles(*FINANCE)),
    as_of: date | None = None,
) -> Response:  # fmt: skip
    _check_period(period)
    ctx = _period(request, db, who, facility_id, period)
    day = as_of or date.today()
    report = reports.ageing_report(db, who, facility_id, period, day)
    buckets: dict[str, dict[str, Any]] = {label: {"claims": 0, "approved_unpaid": 0, "not_assessed": 0,
                                                  "outstanding": 0} for _limit, label in reports.BUCKETS}  # fmt: skip
    for row in report.rows:
        b = buckets[row["bucket"]]
        b["claims"] += 1
        for key in ("approved_unpaid", "not_assessed", "outstanding"):
            b[key] += row[key]
    return render(request, "finance_ageing.html", **ctx, report=report, rows=report.rows[:500], buckets=buckets,
                  as_of=day)  # fmt: skip


@router.get("/finance/{facility_id}/{period}/export/{name}.{fmt}")
def export_report(
    db: DbSession, facility_id: int, period: str, name: str, fmt: str, who: Principal = Depends(roles(*FINANCE))
) -> Response:
    """A report as a download (CSV with BOM, or XLSX), the same files as the API's."""
    _check_period(period)
    if name not in EXPORTS or fmt not in ("csv", "xlsx"):
        raise NotFound("report not found")
    reconciliation.facility(db, who, facility_id)
    if name == "reconciliation":
        rep = reconciliation.reconciliation_report(db, who, facility_id, period)
    elif name == "variances":
        rep = reports.variance_report(db, who, facility_id, period)
    elif name == "ageing":
        rep = reports.ageing_report(db, who, facility_id, period, date.today())
    else:
        rep = reports.summary_79a(db, who, facility_id, period, inpatient=name == "80a")
    filename = f"{rep.name}_{facility_id}_{period}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"}
    if fmt == "csv":
        return Response(export.to_csv(rep), media_type="text/csv; charset=utf-8", headers=headers)
    return Response(export.to_xlsx(rep), headers=headers,
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")  # fmt: skip


@router.post("/finance/{facility_id}/{period}/reconcile", dependencies=[Depends(csrf_checked)])
def reconcile(
    request: Request, db: DbSession, facility_id: int, period: str, who: Principal = Depends(roles(*FINANCE))
) -> Response:
    """Reconcile the period in the background; the job page shows its progress."""
    _check_period(period)
    reconciliation.facility(db, who, facility_id)
    job_id = jobs.start(request.app.state.session_factory, who, "reconcile", facility_id,
                        jobs.reconcile_period(period), period=period,
                        result_url=f"/finance/{facility_id}/{period}")  # fmt: skip
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.get("/finance/{facility_id}/{period}/close")
def close_confirm(
    request: Request, db: DbSession, facility_id: int, period: str, who: Principal = Depends(roles(*CLOSERS))
) -> Response:
    _check_period(period)
    ctx = _period(request, db, who, facility_id, period)
    summary = settlement.summary(db, who, facility_id, period)
    return render(request, "finance_close.html", **ctx, summary=summary, error=None)


@router.post("/finance/{facility_id}/{period}/close", dependencies=[Depends(csrf_checked)])
def close(
    request: Request,
    db: DbSession,
    facility_id: int,
    period: str,
    confirm_period: Annotated[str, Form(max_length=10)] = "",
    who: Principal = Depends(roles(*CLOSERS)),
) -> Response:
    """Close the period once the officer has typed its number: reconciled one last time, frozen, audited."""
    _check_period(period)
    ctx = _period(request, db, who, facility_id, period)
    if confirm_period.strip() != period:
        _ = gettext_of(request)
        summary = settlement.summary(db, who, facility_id, period)
        return render(request, "finance_close.html", status=422, **ctx, summary=summary,
                      error=_("Type the period number to confirm."))  # fmt: skip
    settlement.close_period(db, who, facility_id, period)
    db.commit()
    return RedirectResponse(f"/finance/{facility_id}/{period}?done=closed", status_code=303)


# Background jobs -----------------------------------------------------------------------------------


def _job(db: DbSession, who: Principal, job_id: str) -> Any:
    found = jobs.visible_job(db, who, job_id) if len(job_id) == 32 and job_id.isalnum() else None
    if found is None:
        raise NotFound("job not found")
    return found


@router.post("/jobs/price", dependencies=[Depends(csrf_checked)])
def price_encounters(
    request: Request,
    db: DbSession,
    facility_id: Annotated[int | None, Form(ge=1)] = None,
    who: Principal = Depends(roles(*BILLING_EDIT)),
) -> Response:
    """Price the facility's imported encounters in the background (a month is minutes: watch it go)."""
    from claims.web.billing import tariff_of

    target = who.facility_id if not who.sees_all_facilities else facility_id
    if target is None:
        raise NotFound("choose a facility")
    reconciliation.facility(db, who, target)
    work = jobs.price_encounters(tariff_of(request))
    job_id = jobs.start(request.app.state.session_factory, who, "price", target, work, result_url="/claims")
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)




@router.get("/jobs/{job_id}")
def job_page(request: Request, db: DbSession, job_id: str, who: Principal = Depends(roles(*Role))) -> Response:
    job = _job(db, who, job_id)
    return render(request, "job.html", who=who, job=job, labels=JOB_LABELS, states=JOB_STATES)


@router.get("/jobs/{job_id}/progress")
def job_progress(request: Request, db: DbSession, job_id: str, who: Principal = Depends(roles(*Role))) -> Response:
    from fastapi.responses import JSONResponse

    job = _job(db, who, job_id)
    _ = gettext_of(request)
    return JSONResponse({
        "state": job.state, "state_text": _(JOB_STATES.get(job.state, job.state)), "done": job.done,
        "total": job.total, "finished": job.state in ("done", "failed"), "message": job.message or "",
        "result_url": job.result_url or "",
    }, headers={"Cache-Control": "no-store"})  # fmt: skip

