"""Server-rendered pages: the login form (session cookie) and a minimal home page."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from claims.api.deps import SESSION_COOKIE, DbSession, current_principal, get_settings_dep
from claims.auth import service
from claims.auth.security import issue_token
from claims.catalogue import facilities
from claims.kit.errors import NotAuthenticated
from claims.settings import Settings
from claims.web.i18n import translator

router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    return Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def _lang(request: Request, settings: Settings) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("lang") or settings.language
    return lang if lang in ("vi", "en") else "vi"


def _page(request: Request, name: str, settings: Settings, status: int = 200, **ctx: object) -> HTMLResponse:
    lang = _lang(request, settings)
    return templates().TemplateResponse(request, name, {"lang": lang, "t": translator(lang), **ctx}, status_code=status)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, settings: Settings = Depends(get_settings_dep)) -> HTMLResponse:
    return _page(request, "login.html", settings)


@router.post("/login")
def login(
    request: Request,
    db: DbSession,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    settings: Settings = Depends(get_settings_dep),
) -> Response:
    try:
        user = service.authenticate(db, username.strip(), password)
    except NotAuthenticated:
        lang = _lang(request, settings)
        return _page(request, "login.html", settings, 401, error=translator(lang)["bad_login"], username=username)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        issue_token(settings.secret_key, user.id),
        max_age=settings.token_ttl_seconds,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
    )
    return response


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request, db: DbSession, settings: Settings = Depends(get_settings_dep)) -> Response:
    try:
        who = current_principal(request, db, None)
    except NotAuthenticated:
        return RedirectResponse("/login", status_code=303)
    facility = facilities.get(db, who, who.facility_id).name if who.facility_id else None
    return _page(request, "home.html", settings, who=who, facility=facility)
