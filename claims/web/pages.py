"""The web UI router: sign-in/out, language switch, our own static files, the dashboard, and the
billing, office, finance and admin pages (their own modules, included here)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from claims.api.deps import SESSION_COOKIE, DbSession
from claims.auth import service
from claims.auth.models import Role
from claims.auth.scope import Principal
from claims.auth.security import issue_token
from claims.catalogue import facilities
from claims.kit.errors import NotAuthenticated
from claims.kit.types import utcnow
from claims.web import admin, billing, denials, finance, office, queries, security
from claims.web.i18n import LANGUAGES
from claims.web.routing import LANG_COOKIE, WebRoute, csrf_checked, gettext_of, render, roles, settings_of

router = APIRouter(include_in_schema=False, route_class=WebRoute)
STATIC_DIR = Path(__file__).parent / "static"
_STATIC_FILES = {"app.js": "text/javascript", "app.css": "text/css"}


def limiters(request: Request) -> tuple[security.LoginLimiter, security.LoginLimiter]:
    """Failed sign-ins: 5 per username and 30 per address (a ward behind one NAT) every 5 minutes."""
    found = getattr(request.app.state, "web_login_limiters", None)
    if found is None:
        found = (security.LoginLimiter(attempts=5), security.LoginLimiter(attempts=30))
        request.app.state.web_login_limiters = found
    return found


def local_path(target: str | None) -> str:
    """Only paths of this site are redirect targets (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/static/{name}")
def static(name: str) -> Response:
    if name not in _STATIC_FILES:
        return Response(status_code=404)
    return FileResponse(STATIC_DIR / name, media_type=_STATIC_FILES[name], headers={"Cache-Control": "max-age=300"})


@router.get("/login")
def login_page(request: Request) -> Response:
    return render(request, "login.html")


@router.post("/login", dependencies=[Depends(csrf_checked)])
def login(
    request: Request,
    db: DbSession,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
) -> Response:
    _ = gettext_of(request)
    settings = settings_of(request)
    name = username.strip()
    by_user, by_address = limiters(request)
    user_key, address_key = name.lower(), request.client.host if request.client else "-"
    wait = max(by_user.blocked(user_key), by_address.blocked(address_key))
    if wait > 0:
        message = _("Too many failed attempts. Try again in {minutes} minutes.").format(minutes=int(wait // 60) + 1)
        refused = render(request, "login.html", status=429, error=message, username=name)
        refused.headers["Retry-After"] = str(int(wait) + 1)
        return refused
    try:
        user = service.authenticate(db, name, password)
    except NotAuthenticated:
        by_user.failed(user_key)
        by_address.failed(address_key)
        return render(request, "login.html", status=401, error=_("Wrong username or password."), username=name)
    by_user.succeeded(user_key)
    response: Response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        issue_token(settings.secret_key, user.id),
        max_age=settings.token_ttl_seconds,
        httponly=True,
        samesite="lax",
        secure=security.secure_cookie(request, settings),
    )
    # A new CSRF seed for the new session (a seed planted before sign-in is not kept).
    security.set_csrf_cookie(response, request, settings, secrets.token_hex(16))
    return response


@router.post("/logout", dependencies=[Depends(csrf_checked)])
def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/lang/{code}")
def switch_language(request: Request, code: str, next: str | None = Query(None, max_length=500)) -> Response:
    response = RedirectResponse(local_path(next), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="lax", httponly=True,
                            secure=security.secure_cookie(request, settings_of(request)))  # fmt: skip
    return response


@router.get("/")
def dashboard(
    request: Request,
    db: DbSession,
    who: Principal = Depends(roles(*Role)),
    facility_id: int | None = Query(None, ge=1, alias="facility_id"),
) -> Response:
    """The facility's pipeline from imported to paid, findings by code and the backlog by age."""
    # Facility-bound roles see their own facility; insurer and admin all of them unless they pick one.
    chosen = who.facility_id if not who.sees_all_facilities else facility_id
    facility = facilities.get(db, who, chosen) if chosen is not None else None
    board = queries.dashboard(db, who, chosen, utcnow())
    return render(
        request,
        "dashboard.html",
        who=who,
        facility=facility,
        facility_id=chosen,
        facilities=queries.facilities_visible(db, who) if who.sees_all_facilities else [],
        board=board,
    )


router.include_router(billing.router)
router.include_router(office.router)
router.include_router(admin.router)
router.include_router(finance.router)
router.include_router(denials.router)
