"""Page plumbing: rendering with the request's language and CSRF token, the signed-in principal,
role checks and HTML error pages (a web router's errors are pages, not JSON)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from claims.api.deps import DbSession, current_principal
from claims.auth.models import Role
from claims.auth.scope import Principal
from claims.encounter.schemas import VIETNAM_TZ
from claims.kit.errors import DomainError, NotAuthenticated, PermissionDenied
from claims.settings import Settings
from claims.web import security
from claims.web.i18n import pick_language, translations

LANG_COOKIE = "lang"


class LoginRequired(Exception):
    """No valid session: the page redirects to the login form."""


class CsrfRefused(Exception):
    """A form post without a valid CSRF token."""


def _money(value: Any, lang: str = "vi") -> str:
    if value is None or value == "":
        return ""
    amount = Decimal(str(value))
    text = f"{amount:,.2f}" if amount != amount.to_integral_value() else f"{amount:,.0f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".") if lang == "vi" else text


def _percent(value: Any) -> str:
    """A stored ratio such as ``"1E+2"`` or ``"80"`` as a plain number."""
    if value is None or value == "":
        return ""
    try:
        return f"{Decimal(str(value)).normalize():f}"
    except ArithmeticError:
        return str(value)


def _local_time(value: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """Times are stored in UTC and shown in Vietnam time, as the people using the pages read them."""
    if value is None:
        return ""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(VIETNAM_TZ).strftime(pattern)


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    tpl = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
    tpl.env.filters["money"] = _money
    tpl.env.filters["percent"] = _percent
    tpl.env.filters["vntime"] = _local_time
    tpl.env.autoescape = True
    return tpl


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def language(request: Request) -> str:
    return pick_language(
        request.query_params.get("lang"), request.cookies.get(LANG_COOKIE), settings_of(request).language
    )


def render(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    """Render ``name`` with ``_``/``ngettext`` of the request's language and a CSRF token for its forms."""
    settings = settings_of(request)
    lang = language(request)
    trans = translations(lang)
    seed, new_seed = security.csrf_seed(request)
    context = {
        "lang": lang,
        "_": trans.gettext,
        "ngettext": trans.ngettext,
        "csrf_token": security.csrf_token(settings.secret_key, seed),
        "path": request.url.path,
        **ctx,
    }
    response = templates().TemplateResponse(request, name, context, status_code=status)
    if new_seed:
        security.set_csrf_cookie(response, request, settings, seed)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    # Only our own script and style sheet; no inline code, no framing, forms post here only.
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    )
    return response


def gettext_of(request: Request) -> Callable[[str], str]:
    return translations(language(request)).gettext


def web_principal(request: Request, db: DbSession) -> Principal:
    """The signed-in user (session cookie only: pages never take bearer tokens)."""
    try:
        who = current_principal(request, db, None)
    except NotAuthenticated:
        raise LoginRequired() from None
    request.state.web_who = who  # error pages keep the navigation
    return who


def roles(*allowed: Role) -> Callable[..., Principal]:
    """Dependency: the signed-in principal if their role is one of ``allowed`` (403 page otherwise)."""

    def check(who: Principal = Depends(web_principal)) -> Principal:
        if who.role not in allowed:
            raise PermissionDenied(required=[r.value for r in allowed])
        return who

    return check


ANY_ROLE = tuple(Role)
BILLING_EDIT = (Role.billing, Role.admin)


async def csrf_checked(request: Request) -> None:
    """Dependency of every POST: the form (or the X-CSRF-Token header) must carry the token."""
    submitted = request.headers.get(security.CSRF_HEADER)
    if submitted is None:
        form = await request.form()
        value = form.get(security.CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    if not security.csrf_valid(settings_of(request).secret_key, request, submitted):
        raise CsrfRefused()


def _error_page(request: Request, status: int, message: str) -> Response:
    who = getattr(request.state, "web_who", None)
    return render(request, "error.html", status=status, status_code=status, message=message, who=who)


class WebRoute(APIRoute):
    """Routes of the web UI: authentication, permission and input errors become pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            _ = gettext_of(request)
            try:
                return await handler(request)
            except LoginRequired:
                return RedirectResponse("/login", status_code=303)
            except CsrfRefused:
                return _error_page(request, 403, _("The form has expired. Go back, reload the page and try again."))
            except PermissionDenied:
                return _error_page(request, 403, _("Your role does not allow this page or action."))
            except DomainError as exc:
                if exc.status == 404:
                    return _error_page(request, 404, _("Not found."))
                known = DOMAIN_MESSAGES.get(exc.code)
                text = _(known) if known else exc.message
                if known and exc.code in DETAILED:  # the where (file, row, field) matters to the reader
                    text = f"{text} {exc.message}"
                return _error_page(request, exc.status, text)
            except RequestValidationError as exc:
                fields = ", ".join(".".join(str(p) for p in err.get("loc", ())[1:]) for err in exc.errors())
                return _error_page(request, 422, _("Invalid input: {fields}").format(fields=fields))
            except StarletteHTTPException as exc:
                return _error_page(request, exc.status_code, str(exc.detail))

        return route


def N_(message: str) -> str:
    return message


# Words the templates translate from data (roles, severities), listed so extraction finds them.
DYNAMIC_MESSAGES = (
    N_("billing"), N_("finance"), N_("insurer"), N_("admin"), N_("error"), N_("warning"), N_("info"),
)  # fmt: skip

# Domain errors a page can meet, in the user's language (other errors show their English message).
DOMAIN_MESSAGES = {
    "claim_blocked": N_("The claim has blocking findings; fix them before approving."),
    "claims_blocked": N_("Some claims of the period have blocking findings; fix them before making a batch."),
    "nothing_to_batch": N_("There is no approved claim in this period."),
    "claim_frozen": N_("The claim has been sent; it can no longer be changed here."),
    "invalid_fix": N_("The corrected value is not valid, or nothing was changed."),
    "illegal_transition": N_("The claim's status does not allow this action."),
    "conflict": N_("The request conflicts with the current state; reload the page."),
    "period_closed": N_("This period is closed; later changes are booked as adjustments to the next open period."),
    "denial_action_refused": N_("This action is not possible on the denial in its present state."),
    "note_required": N_("This action needs a note."),
    "import_refused": N_("The file cannot be imported."),
}
DETAILED = frozenset({"import_refused"})
