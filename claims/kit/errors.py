"""Domain errors: classes with a stable ``code`` and an HTTP status, rendered as
``{"code", "message", "details"}``. Services raise them; the API renders them.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict


class ErrorBody(BaseModel):
    """JSON shape of every error response."""

    model_config = ConfigDict(json_schema_extra={"example": {"code": "not_found", "message": "...", "details": {}}})

    code: str
    message: str
    details: dict[str, Any] | list[Any] | None = None


class DomainError(Exception):
    """Base of every expected error. Subclasses fix ``code`` and ``status``."""

    code: ClassVar[str] = "domain_error"
    status: ClassVar[int] = 400
    default_message: ClassVar[str] = "The request could not be carried out."

    def __init__(self, message: str | None = None, **details: Any) -> None:
        self.message = message or self.default_message
        self.details = details
        super().__init__(self.message)

    def body(self) -> ErrorBody:
        return ErrorBody(code=self.code, message=self.message, details=self.details or None)


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    status = 401
    default_message = "Credentials are missing or invalid."


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403
    default_message = "Your role does not allow this action."


class NotFound(DomainError):
    """Also used for records of another facility: do not reveal that they exist."""

    code = "not_found"
    status = 404
    default_message = "Not found."


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = "The record conflicts with an existing one."


class IllegalTransition(Conflict):
    code = "illegal_transition"
    default_message = "This status change is not allowed."


class InvalidInput(DomainError):
    code = "invalid_input"
    status = 422
    default_message = "The input is not valid."


class ServiceUnavailable(DomainError):
    code = "service_unavailable"
    status = 503
    default_message = "A dependency is unavailable."


def all_error_classes() -> list[type[DomainError]]:
    """Every DomainError subclass currently imported (for the OpenAPI declaration and docs)."""
    seen: list[type[DomainError]] = []
    stack: list[type[DomainError]] = [DomainError]
    while stack:
        cls = stack.pop()
        seen.append(cls)
        stack.extend(cls.__subclasses__())
    return seen


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries declaring the error body for the given statuses."""
    by_status: dict[int, list[str]] = {422: ["validation_error"], 500: ["internal_error"]}
    for cls in all_error_classes():
        by_status.setdefault(cls.status, []).append(cls.code)
    return {
        status: {
            "model": ErrorBody,
            "description": "Error codes: " + ", ".join(sorted(set(by_status.get(status, ["http_error"])))),
        }
        for status in statuses
    }
