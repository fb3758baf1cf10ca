"""Billing pages: the work queue, a claim (data, lines and their pricing trace, findings, fixes,
versions), approval, batches with their progress, and the submission ledger."""

from __future__ import annotations

from typing import Annotated, Any, cast
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

import rules
from claims.api.deps import DbSession
from claims.auth.models import Role
from claims.auth.scope import Principal
from claims.claim import repository as claims
from claims.claim.models import XML1_MONEY_COLUMNS, Claim
from claims.claim.status import FROZEN, ClaimStatus
from claims.encounter.schemas import Encounter
from claims.kit.errors import NotFound
from claims.kit.types import utcnow
from claims.review import edits
from claims.submission import service as submission
from claims.web import queries
from claims.web.diff import diff_snapshots
from claims.web.routing import BILLING_EDIT, N_, WebRoute, csrf_checked, gettext_of, render, roles

router = APIRouter(route_class=WebRoute)
READERS = (Role.billing, Role.finance, Role.insurer, Role.admin)
PERIOD = r"^\d{6}$"
CODE = r"^[A-Za-z0-9_.\-]{1,64}$"

# What a clerk can do about each finding code (msgids marked with N_; translated in the template).
FIX_HINTS = {
    "card_validity": N_("The card was not valid on the visit date: check GT_THE_DEN (card valid to) against the card."),
    "line_rejected": N_("The line could not be paid as recorded; fix the claim-level finding first, then re-price."),
    "ma_doituong_kcb": N_("Correct MA_DOITUONG_KCB (patient category) to a code valid on the visit date."),
    "card_digit": N_("The benefit digit of the card is unknown: check MA_THE_BHYT with the card register."),
    "pham_vi": N_("The item is outside the benefit list: check PHAM_VI or the catalogue code."),
    "tariff": N_("The code is not in the price list on that date: check the catalogue import or the HIS mapping."),
}


def tariff_of(request: Request) -> rules.Tariff | None:
    """The tariff re-pricing uses: the app's (set at start-up), else the demo catalogue outside production."""
    found: rules.Tariff | None = getattr(request.app.state, "tariff", None)
    if found is None and request.app.state.settings.env != "production":
        from claims.catalogue.demo import demo_tariff

        found = demo_tariff()
    return found


@router.get("/claims")
def work_queue(
    request: Request,
    db: DbSession,
    who: Principal = Depends(roles(*READERS)),
    period: str | None = Query(None, pattern=PERIOD),
    department: str | None = Query(None, max_length=50),
    status: ClaimStatus | None = None,
    finding: str | None = Query(None, pattern=CODE),
    category: str | None = Query(None, max_length=4),
    facility_id: int | None = Query(None, ge=1),
    age: str | None = Query(None, pattern=r"^(0-7|8-30|31-90|90\+)$"),
    denied: bool = False,
    after: int | None = Query(None, ge=1),
    before: int | None = Query(None, ge=1),
) -> Response:
    filters = queries.QueueFilters(
        period=period or None, department=department or None, status=status.value if status else None,
        finding=finding or None, category=category or None,
        facility_id=facility_id if who.sees_all_facilities else None, age=age, denied=denied,
    )  # fmt: skip
    now = utcnow()
    page = queries.queue_page(db, who, filters, now, after=after, before=before)
    counts = queries.status_counts(db, who, filters, now)
    scope_facility = who.facility_id if not who.sees_all_facilities else filters.facility_id
    ctx: dict[str, Any] = dict(
        who=who, filters=filters, page=page, counts=counts, total=sum(counts.values()),
        statuses=[s.value for s in queries.PIPELINE], urlencode=urlencode,
    )  # fmt: skip
    if request.headers.get("x-partial") == "queue":
        return render(request, "_queue.html", **ctx)
    ctx.update(
        departments=queries.distinct_values(db, who, Claim.ma_khoa, scope_facility),
        categories=queries.distinct_values(db, who, Claim.ma_doituong_kcb, scope_facility),
        periods=queries.distinct_values(db, who, Claim.period, scope_facility),
        codes=queries.finding_codes(db, who, scope_facility),
        facilities=queries.facilities_visible(db, who) if who.sees_all_facilities else [],
    )
    return render(request, "queue.html", **ctx)


_SHARE_FIELDS = ("muc_huong", "t_bncct", "t_bntt", "tyle_tt_bh", "thanh_tien_bh", "t_bhtt")


def _patient_pays(claim: Claim) -> list[dict[str, Any]]:
    """The trace steps that explain the patient's share, line by line (co-payment and out-of-list parts)."""
    reasons = []
    for line in claim.lines:
        share = (line.t_bncct or 0) + (line.t_bntt or 0)
        if not share:
            continue
        trace = cast(list[dict[str, Any]], line.trace or [])  # stored as a list of steps
        steps = [s for s in trace if s.get("field") in _SHARE_FIELDS]
        reasons.append({"line": line, "share": share, "steps": steps})
    return reasons


@router.get("/claims/{claim_id}")
def claim_detail(
    request: Request,
    db: DbSession,
    claim_id: int,
    who: Principal = Depends(roles(*READERS)),
    done: str | None = Query(None, pattern=r"^[a-z_]{1,20}$"),
) -> Response:
    claim = claims.get(db, who, claim_id, with_lines=True)
    record = edits.encounter_record(db, claim)
    findings = queries.claim_findings(db, claim.id)
    editable = (
        who.role in BILLING_EDIT and record is not None
        and ClaimStatus(claim.status) not in FROZEN and claim.status != ClaimStatus.batched
    )  # fmt: skip
    values = edits.current_values(Encounter.model_validate(record.payload)) if record is not None else {}
    versions = claims.versions(db, who, claim.id)
    xml1 = {
        **{k: v for k, v in (claim.xml1 or {}).items()},
        **{k: getattr(claim, k) for k in ("ma_bn", "ma_the_bhyt", "ma_dkbd", "ma_doituong_kcb", "ma_loai_kcb",
                                          "ma_benh_chinh", "ma_khoa", "so_ngay_dtri", "muc_huong")},
    }  # fmt: skip
    open_blocking = [f for f in findings if not f.resolved and f.severity == "error"]
    return render(
        request, "claim.html", who=who, claim=claim, xml1=xml1, money_columns=XML1_MONEY_COLUMNS,
        findings=findings, open_blocking=open_blocking, hints=FIX_HINTS, editable=editable, values=values,
        edit_fields=edits.EDITABLE_FIELDS, versions=versions, patient_pays=_patient_pays(claim),
        can_approve=who.role in BILLING_EDIT and claim.status in (ClaimStatus.priced, ClaimStatus.checked)
        and not open_blocking, done=done,
    )  # fmt: skip


@router.post("/claims/{claim_id}/fix", dependencies=[Depends(csrf_checked)])
def fix_claim(
    request: Request,
    db: DbSession,
    claim_id: int,
    # The form always sends every editable field; an emptied field is a cleared value.
    ma_doituong_kcb: Annotated[str, Form(max_length=4)] = "",
    ma_khoa: Annotated[str, Form(max_length=50)] = "",
    ma_benh_chinh: Annotated[str, Form(max_length=7)] = "",
    gt_the_den: Annotated[str, Form(max_length=10)] = "",
    can_nang: Annotated[str, Form(max_length=6)] = "",
    who: Principal = Depends(roles(*BILLING_EDIT)),
) -> Response:
    values = {"ma_doituong_kcb": ma_doituong_kcb, "ma_khoa": ma_khoa, "ma_benh_chinh": ma_benh_chinh,
              "gt_the_den": gt_the_den, "can_nang": can_nang}  # fmt: skip
    result = edits.fix_claim(db, who, claim_id, values, tariff_of(request))
    return RedirectResponse(f"/claims/{result.outcome.claim.id}?done=fixed#findings", status_code=303)


@router.post("/claims/{claim_id}/approve", dependencies=[Depends(csrf_checked)])
def approve(db: DbSession, claim_id: int, who: Principal = Depends(roles(*BILLING_EDIT))) -> Response:
    claim = edits.approve_claim(db, who, claim_id)
    return RedirectResponse(f"/claims/{claim.id}?done=approved", status_code=303)


@router.get("/claims/{claim_id}/diff")
def claim_diff(
    request: Request,
    db: DbSession,
    claim_id: int,
    who: Principal = Depends(roles(*READERS)),
    a: int | None = Query(None, ge=1),
    b: int | None = Query(None, ge=0, description="0 = the claim as it is now"),
) -> Response:
    from claims.claim.service import snapshot

    claim = claims.get(db, who, claim_id, with_lines=True)
    versions = {v.id: v for v in claims.versions(db, who, claim.id)}
    if not versions:
        raise NotFound("no frozen version of this claim")
    left = versions.get(a) if a is not None else next(iter(versions.values()))
    if left is None or (b and b not in versions):
        raise NotFound("version not found")
    right = versions[b].snapshot if b else snapshot(claim)
    changes = diff_snapshots(left.snapshot, right)
    return render(request, "diff.html", who=who, claim=claim, versions=list(versions.values()), left=left,
                  b=b or 0, changes=changes)  # fmt: skip


@router.get("/batches")
def batch_list(request: Request, db: DbSession, who: Principal = Depends(roles(*READERS))) -> Response:
    rows = queries.batches(db, who)
    return render(request, "batches.html", who=who, batches=rows,
                  facilities=queries.facilities_visible(db, who) if who.sees_all_facilities else [])  # fmt: skip


@router.post("/batches", dependencies=[Depends(csrf_checked)])
def batch_create(
    db: DbSession,
    period: Annotated[str, Form(pattern=PERIOD)],
    facility_id: Annotated[int | None, Form(ge=1)] = None,
    who: Principal = Depends(roles(*BILLING_EDIT)),
) -> Response:
    target = who.facility_id if not who.sees_all_facilities else facility_id
    if target is None:
        raise NotFound("choose a facility")
    made = submission.create_batch(db, who, target, period)
    return RedirectResponse(f"/batches/{made.id}", status_code=303)


def _visible_batch(db: DbSession, who: Principal, batch_id: int) -> Any:
    found = queries.batch(db, who, batch_id)
    if found is None:
        raise NotFound("batch not found")
    return found


@router.get("/batches/{batch_id}")
def batch_page(request: Request, db: DbSession, batch_id: int, who: Principal = Depends(roles(*READERS))) -> Response:
    found = _visible_batch(db, who, batch_id)
    return render(request, "batch.html", who=who, batch=found, progress=queries.batch_progress(db, found.id),
                  claims=queries.batch_claims(db, found.id))  # fmt: skip


STATUS_LABELS = {s.value: s.value.replace("_", " ") for s in ClaimStatus}  # msgids of the status names
_SENT_OR_LATER = {"sent", "received", "assessed", "paid", "closed"}
_ANSWERED = {"received", "assessed", "rejected", "paid", "closed"}  # the office's assessment has come back


@router.get("/batches/{batch_id}/progress")
def batch_progress(
    request: Request, db: DbSession, batch_id: int, who: Principal = Depends(roles(*READERS))
) -> Response:
    """Counts for the progress bar, and each claim's status label (the first 1,000) for the table."""
    found = _visible_batch(db, who, batch_id)
    counts = queries.batch_progress(db, found.id)
    done = sum(n for s, n in counts.items() if s in _SENT_OR_LATER)
    failed = sum(n for s, n in counts.items() if s in ("needs_fix", "rejected"))
    total = sum(counts.values())
    _ = gettext_of(request)
    labels = {c.id: _(STATUS_LABELS.get(c.status, c.status)) for c in queries.batch_claims(db, found.id, limit=1000)}
    answered = sum(n for s, n in counts.items() if s in _ANSWERED)
    return JSONResponse({"total": total, "done": done, "failed": failed, "answered": answered, "statuses": counts,
                         "finished": done + failed == total, "claims": labels})  # fmt: skip


@router.get("/ledger")
def ledger(
    request: Request,
    db: DbSession,
    who: Principal = Depends(roles(*READERS)),
    facility_id: int | None = Query(None, ge=1),
    after: int | None = Query(None, ge=1),
) -> Response:
    rows, next_after = queries.ledger_page(db, who, facility_id if who.sees_all_facilities else None, after)
    return render(request, "ledger.html", who=who, rows=rows, next_after=next_after, facility_id=facility_id)
