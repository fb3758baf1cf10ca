"""User state changes and authentication. Never commits."""

from __future__ import annotations

from sqlalchemy.orm import Session

from claims.audit import service as audit
from claims.auth import repository
from claims.auth.models import FACILITY_BOUND_ROLES, Role, User
from claims.auth.schemas import UserCreate
from claims.auth.scope import Principal
from claims.auth.security import hash_password, verify_password
from claims.catalogue import facilities
from claims.kit.errors import Conflict, InvalidInput, NotAuthenticated


def authenticate(session: Session, username: str, password: str) -> User:
    user = repository.by_username(session, username)
    if not verify_password(user.password_hash if user else None, password) or user is None or not user.active:
        raise NotAuthenticated("wrong username or password")
    return user


def principal_of(user: User) -> Principal:
    return Principal(user_id=user.id, username=user.username, role=Role(user.role), facility_id=user.facility_id)


def create_user(session: Session, actor: Principal, data: UserCreate) -> User:
    actor.require(Role.admin)
    if data.role in FACILITY_BOUND_ROLES and data.facility_id is None:
        raise InvalidInput("billing and finance users need a facility", field="facility_id")
    if data.facility_id is not None:
        facilities.get(session, actor, data.facility_id)  # 404 when unknown
    if repository.by_username(session, data.username) is not None:
        raise Conflict("username already taken", field="username")
    user = User(
        username=data.username,
        display_name=data.display_name,
        password_hash=hash_password(data.password),
        role=data.role.value,
        facility_id=data.facility_id,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor,
        "user",
        user.id,
        "create",
        {"username": user.username, "role": user.role, "facility_id": user.facility_id},
        facility_id=user.facility_id,
    )
    return user
