"""The acting principal and the facility scope every repository query goes through.

Repositories take a ``Principal`` and call ``restrict`` on their select statements, so a record of
another facility is simply not found (404) — no endpoint has to remember to check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select

from claims.auth.models import FACILITY_BOUND_ROLES, Role
from claims.kit.errors import NotFound, PermissionDenied

S = TypeVar("S", bound=Select[Any])


@dataclass(frozen=True)
class Principal:
    """Who is acting. billing/finance are bound to one facility; insurer and admin see all."""

    user_id: int | None
    username: str
    role: Role
    facility_id: int | None

    @property
    def sees_all_facilities(self) -> bool:
        return self.role not in FACILITY_BOUND_ROLES

    def restrict(self, stmt: S, facility_column: Any) -> S:
        """Limit ``stmt`` to the rows this principal may see."""
        if self.sees_all_facilities:
            return stmt
        return stmt.where(facility_column == self.facility_id)

    def can_see(self, facility_id: int | None) -> bool:
        return self.sees_all_facilities or (facility_id is not None and facility_id == self.facility_id)

    def ensure_visible(self, facility_id: int | None, what: str = "record") -> None:
        """Raise NotFound (not 403: do not reveal that it exists) for another facility's record."""
        if not self.can_see(facility_id):
            raise NotFound(f"{what} not found")

    def require(self, *roles: Role) -> None:
        if self.role not in roles:
            raise PermissionDenied(required=[r.value for r in roles])


SYSTEM = Principal(user_id=None, username="system", role=Role.admin, facility_id=None)


def system_principal(component: str) -> Principal:
    """A principal for background jobs (actors, CLI): sees every facility."""
    return Principal(user_id=None, username=f"system:{component}", role=Role.admin, facility_id=None)
