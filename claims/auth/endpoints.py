"""Auth API: bearer tokens for API clients, the current user, user administration (admin)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from claims.api.deps import CurrentPrincipal, DbSession, get_settings_dep, require_roles
from claims.auth import repository, service
from claims.auth.models import Role
from claims.auth.schemas import TokenRequest, TokenResponse, UserCreate, UserOut, UserPage
from claims.auth.scope import Principal
from claims.auth.security import issue_token
from claims.kit.errors import error_responses
from claims.kit.pagination import PageParams, page_params
from claims.settings import Settings

router = APIRouter(tags=["auth"], responses=error_responses(401, 422))
admin_only = require_roles(Role.admin)


@router.post("/api/auth/token", response_model=TokenResponse)
def token(body: TokenRequest, db: DbSession, settings: Settings = Depends(get_settings_dep)) -> TokenResponse:
    """Exchange a username and password for a bearer token."""
    user = service.authenticate(db, body.username, body.password)
    return TokenResponse(access_token=issue_token(settings.secret_key, user.id), expires_in=settings.token_ttl_seconds)


@router.get("/api/auth/me", response_model=UserOut)
def me(who: CurrentPrincipal, db: DbSession) -> UserOut:
    return UserOut.model_validate(repository.get(db, who, who.user_id or 0))


@router.get("/api/users", response_model=UserPage, responses=error_responses(403))
def list_users(
    db: DbSession, who: Principal = Depends(admin_only), page: PageParams = Depends(page_params)
) -> UserPage:
    rows, total = repository.list_users(db, who, page)
    return UserPage(items=[UserOut.model_validate(u) for u in rows], total=total, offset=page.offset, limit=page.limit)


@router.post("/api/users", response_model=UserOut, status_code=201, responses=error_responses(403, 404, 409))
def create_user(body: UserCreate, db: DbSession, who: Principal = Depends(admin_only)) -> UserOut:
    return UserOut.model_validate(service.create_user(db, who, body))


@router.get("/api/users/{user_id}", response_model=UserOut, responses=error_responses(403, 404))
def get_user(user_id: int, db: DbSession, who: Principal = Depends(admin_only)) -> UserOut:
    return UserOut.model_validate(repository.get(db, who, user_id))
