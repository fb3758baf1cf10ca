"""Office (insurer) pages.

The office's own store is read when the office gateway app is mounted in this process
(``app.state.office_gateway``); otherwise the pages show what this service knows: the ledger of what
was sent with the office's result codes, and the claims the office has answered. Every page is
tolerant of data that does not exist yet.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from claims.api.deps import DbSession
from claims.auth.models import Role
from claims.auth.scope import Principal
from claims.claim.models import Claim
from claims.claim.status import ClaimStatus
from claims.web import queries
from claims.web.routing import WebRoute, render, roles

router = APIRouter(route_class=WebRoute)
OFFICE = (Role.insurer, Role.admin)
_ANSWERED = (ClaimStatus.assessed, ClaimStatus.rejected, ClaimStatus.paid, ClaimStatus.closed)


def office_store(request: Request) -> Any:
    """The mounted office gateway's store, if any."""
    gateway = getattr(request.app.state, "office_gateway", None)
    return getattr(gateway, "store", None)


@router.get("/office/files")
def files(
    request: Request,
    db: DbSession,
    who: Principal = Depends(roles(*OFFICE)),
    after: int | None = Query(None, ge=1),
) -> Response:
    store = office_store(request)
    documents = []
    if store is not None:
        documents = [d for kind in _kinds() for d in store.documents(kind)]
        documents.sort(key=lambda d: d.received_at, reverse=True)
    rows, next_after = queries.ledger_page(db, who, None, after)
    return render(request, "office_files.html", who=who, documents=documents[:500], mounted=store is not None,
                  rows=rows, next_after=next_after)  # fmt: skip


@router.get("/office/assessments")
def assessments(
    request: Request,
    db: DbSession,
    who: Principal = Depends(roles(*OFFICE)),
    after: int | None = Query(None, ge=1),
) -> Response:
    stmt = who.restrict(select(Claim).where(Claim.status.in_(_ANSWERED)), Claim.facility_id)
    if after is not None:
        stmt = stmt.where(Claim.id < after)
    answered = list(db.scalars(stmt.order_by(Claim.id.desc()).limit(queries.PAGE_SIZE + 1)))
    more = len(answered) > queries.PAGE_SIZE
    answered = answered[: queries.PAGE_SIZE]
    return render(request, "office_assessments.html", who=who, claims=answered,
                  next_after=answered[-1].id if more and answered else None)  # fmt: skip


@router.get("/office/notices")
def notices(request: Request, who: Principal = Depends(roles(*OFFICE))) -> Response:
    store = office_store(request)
    found: list[Any] = []
    if store is not None:
        codes = {d.facility_code for kind in _kinds() for d in store.documents(kind)}
        for code in sorted(codes):
            found.extend(store.notices(code))
    return render(request, "office_notices.html", who=who, notices=found, mounted=store is not None)


def _kinds() -> tuple[str, ...]:
    from typing import get_args

    from claims.insurer.schemas import DocumentKind

    return tuple(get_args(DocumentKind))
