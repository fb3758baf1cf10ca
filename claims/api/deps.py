"""FastAPI dependencies: one database transaction per request, the authenticated principal, roles."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from claims.audit.guard import require_audit
from claims.auth import repository as users
from claims.auth.models import Role
from claims.auth.scope import Principal
from claims.auth.security import read_token
from claims.kit.errors import NotAuthenticated, PermissionDenied
from claims.settings import Settings

SESSION_COOKIE = "claims_session"
bearer = HTTPBearer(auto_error=False, description="Token from POST /api/auth/token")


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """The request's unit of work: committed after the endpoint returns, before the response is sent
    (scope="function"), rolled back on any error. Writes without an audit event are refused."""
    session = require_audit(request.app.state.session_factory())
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


DbSession = Annotated[Session, Depends(get_session, scope="function")]


def current_principal(
    request: Request,
    db: DbSession,
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
) -> Principal:
    """The user behind the bearer token or the session cookie; 401 otherwise."""
    settings = get_settings_dep(request)
    token = credentials.credentials if credentials else request.cookies.get(SESSION_COOKIE)
    if not token:
        raise NotAuthenticated()
    user_id = read_token(settings.secret_key, token, settings.token_ttl_seconds)
    user = users.by_id_unscoped(db, user_id) if user_id is not None else None
    if user is None or not user.active:
        raise NotAuthenticated("token invalid or expired")
    from claims.auth.service import principal_of

    return principal_of(user)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Principal]:
    """Dependency factory: the principal, if their role is one of ``roles``; 403 otherwise."""

    def check(who: CurrentPrincipal) -> Principal:
        if who.role not in roles:
            raise PermissionDenied(required=[r.value for r in roles])
        return who

    check.__name__ = "require_" + "_or_".join(r.value for r in roles)
    return check
