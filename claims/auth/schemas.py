"""Request and response bodies of the auth endpoints."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from claims.auth.models import Role


class Strict(BaseModel):
    """Input models refuse unknown fields."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TokenRequest(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105
    expires_in: int


class UserCreate(Strict):
    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    display_name: str = Field("", max_length=255)
    password: str = Field(min_length=10, max_length=256)
    role: Role
    facility_id: int | None = Field(None, ge=1)


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: Role
    facility_id: int | None
    active: bool


class UserPage(BaseModel):
    items: list[UserOut]
    total: int
    offset: int
    limit: int
