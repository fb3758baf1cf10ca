from __future__ import annotations

from claims.kit.errors import DomainError, NotFound, all_error_classes, error_responses


def test_each_code_has_one_status_and_statuses_are_http_errors():
    """A code is stable: every class using it (subclasses may inherit it) answers the same status."""
    status_of: dict[str, set[int]] = {}
    for cls in all_error_classes():
        status_of.setdefault(cls.code, set()).add(cls.status)
    assert all(len(s) == 1 for s in status_of.values()), status_of
    assert all(400 <= cls.status < 600 for cls in all_error_classes())


def test_body_shape():
    body = NotFound("claim not found", claim_id=3).body().model_dump()
    assert body == {"code": "not_found", "message": "claim not found", "details": {"claim_id": 3}}
    assert DomainError().body().details is None


def test_openapi_declaration_lists_codes():
    responses = error_responses(404, 422)
    assert "not_found" in responses[404]["description"]
    assert "validation_error" in responses[422]["description"]
