"""The denial work queue: what the office disallowed or refused, with its reason and amount, oldest
first; take an item, appeal it, fix and resend the claim (a new version to correct), ask for a
write-off and have finance approve it. Each action is the remittance service's (audited there)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from claims.api.deps import DbSession
from claims.auth.models import Role
from claims.auth.scope import Principal
from claims.kit.errors import NotFound, PermissionDenied
from claims.remittance import repository
from claims.remittance import service as remittance
from claims.web import queries, reconciliation
from claims.web.finance import CATEGORY_LABELS
from claims.web.routing import N_, WebRoute, csrf_checked, render, roles

router = APIRouter(route_class=WebRoute)
QUEUE = (Role.billing, Role.finance, Role.admin)
STATUS_LABELS = {
    "open": N_("open"), "appealed": N_("appealed"), "write_off_requested": N_("write-off asked"),
    "written_off": N_("written off"), "resent": N_("resent"), "resolved": N_("resolved"),
}  # fmt: skip
ACTION_LABELS = {
    "review": N_("review"), "await_office": N_("await the office"), "approve_write_off": N_("approve the write-off"),
    "send_new_version": N_("send the new version"), "none": N_("none"),
}  # fmt: skip
ACTIONS = ("assign", "release", "appeal", "write-off", "approve-write-off", "resend")


@router.get("/denials")
def denial_queue(
    request: Request,
    db: DbSession,
    who: Principal = Depends(roles(*QUEUE)),
    status: str | None = Query(None, pattern=r"^[a-z_]{1,24}$"),
    facility_id: int | None = Query(None, ge=1),
    mine: bool = False,
    offset: int = Query(0, ge=0, le=10_000_000),
    done: str | None = Query(None, pattern=r"^[a-z_]{1,24}$"),
) -> Response:
    chosen = facility_id if who.sees_all_facilities else None
    items, more = reconciliation.denials(db, who, facility_id=chosen, status=status, mine=mine, offset=offset)
    claims = queries.claims_by_id(db, who, [d.claim_id for d in items if d.claim_id is not None])
    return render(
        request, "denials.html", who=who, items=items, more=more, offset=offset, page=reconciliation.PAGE,
        status_filter=status, mine=mine, facility_id=chosen, counts=reconciliation.denial_counts(db, who, chosen),
        statuses=reconciliation.DENIAL_STATUSES, status_labels=STATUS_LABELS, action_labels=ACTION_LABELS,
        category_labels=CATEGORY_LABELS, claims=claims, done=done,
        facilities=queries.facilities_visible(db, who) if who.sees_all_facilities else [],
    )  # fmt: skip


@router.post("/denials/{denial_id}/{action}", dependencies=[Depends(csrf_checked)])
def act(
    db: DbSession,
    denial_id: int,
    action: str,
    note: Annotated[str, Form(max_length=2000)] = "",
    who: Principal = Depends(roles(*QUEUE)),
) -> Response:
    if action not in ACTIONS:
        raise NotFound("no such action")
    if repository.denial(db, who, denial_id) is None:
        raise NotFound("denial not found")
    if action == "assign":
        remittance.assign(db, who, denial_id, who.username)
    elif action == "release":
        remittance.assign(db, who, denial_id, None)
    elif action == "appeal":
        remittance.appeal(db, who, denial_id, note)
    elif action == "write-off":
        remittance.request_write_off(db, who, denial_id, note)
    elif action == "approve-write-off":
        if who.role not in (Role.finance, Role.admin):
            raise PermissionDenied(required=["finance", "admin"])
        remittance.approve_write_off(db, who, denial_id)
    else:
        denial = remittance.resend(db, who, denial_id, note or None)
        db.commit()
        return RedirectResponse(f"/claims/{denial.new_claim_id}?done=resent", status_code=303)
    db.commit()
    return RedirectResponse(f"/denials?done={action.replace('-', '_')}#d{denial_id}", status_code=303)
