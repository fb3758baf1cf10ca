"""All user queries."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from claims.auth.models import User
from claims.auth.scope import Principal
from claims.kit.errors import NotFound
from claims.kit.pagination import PageParams, paginate


def by_username(session: Session, username: str) -> User | None:
    """Unscoped: only for login."""
    return session.scalar(select(User).where(User.username == username))


def by_id_unscoped(session: Session, user_id: int) -> User | None:
    """Unscoped: only for resolving the authenticated user of a token."""
    return session.get(User, user_id)


def get(session: Session, scope: Principal, user_id: int) -> User:
    stmt = scope.restrict(select(User).where(User.id == user_id), User.facility_id)
    user = session.scalar(stmt)
    if user is None:
        raise NotFound("user not found")
    return user


def list_users(session: Session, scope: Principal, page: PageParams) -> tuple[list[User], int]:
    stmt = scope.restrict(select(User).order_by(User.id), User.facility_id)
    return paginate(session, stmt, page)
