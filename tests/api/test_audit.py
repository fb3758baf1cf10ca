"""Every write leaves an audit event in the same transaction; audit events cannot change."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DatabaseError

from claims.audit import service as audit
from claims.audit.guard import UnauditedWrite, require_audit
from claims.audit.models import AuditEvent, AuditImmutable
from claims.catalogue.models import Facility
from claims.claim.models import Claim


def _events(app):
    with app.state.session_factory() as s:
        return list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_every_write_endpoint_records_an_audit_event(app, client, world, login):
    admin = login("admin")
    writes = [
        (
            client.post,
            "/api/facilities",
            {"ma_cskcb": "48003", "name": "BV Đà Nẵng", "province": "48"},
            admin,
            ("facility", "create"),
        ),
        (
            client.post,
            "/api/users",
            {
                "username": "new_billing",
                "password": "long-enough-pw",
                "role": "billing",
                "facility_id": world.facility_a.id,
            },
            admin,
            ("user", "create"),
        ),
        (
            client.post,
            f"/api/claims/{world.claim_a.id}/transition",
            {"to": "priced"},
            login("billing_a"),
            ("claim", "status"),
        ),
    ]
    for call, url, body, headers, (entity, action) in writes:
        before = len(_events(app))
        r = call(url, json=body, headers=headers)
        assert r.status_code in (200, 201), r.text
        events = _events(app)
        assert len(events) == before + 1, url
        assert (events[-1].entity, events[-1].action) == (entity, action)
        assert events[-1].actor in ("admin", "billing_a")


def test_no_write_endpoint_commits_without_an_audit_event(app, client, world, login):
    """API transactions refuse to commit writes without an audit event (UnauditedWrite -> 500).
    Every write operation in the OpenAPI document, called with a plausible body by each role,
    must therefore never answer 5xx."""
    from tests.api.test_scoping import _example, _fill

    spec = client.get("/openapi.json").json()
    own_ids = {"claim_id": world.claim_a.id, "encounter_id": world.encounter_a.id,
               "facility_id": world.facility_a.id, "user_id": world.users["billing_a"].id}  # fmt: skip
    for who in ("billing_a", "admin"):
        headers = login(who)
        for path, ops in spec["paths"].items():
            for method, op in ops.items():
                if method not in ("post", "put", "patch", "delete"):
                    continue
                body = None
                if "requestBody" in op:
                    content = op["requestBody"]["content"]
                    body = _example(content[next(iter(content))]["schema"], spec)
                url, _ = _fill(path, {**world.b_ids(), **own_ids})
                r = client.request(method.upper(), url, headers=headers, json=body)
                assert r.status_code < 500, f"{who} {method.upper()} {url} -> {r.status_code} {r.text[:200]}"


def test_failed_write_leaves_no_event_and_no_change(app, client, world, login):
    before = len(_events(app))
    r = client.post(f"/api/claims/{world.claim_a.id}/transition", json={"to": "paid"}, headers=login("billing_a"))
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"
    assert len(_events(app)) == before


def test_guard_refuses_unaudited_write(app, world):
    with app.state.session_factory() as s:
        require_audit(s)
        s.get(Facility, world.facility_a.id).name = "changed without audit"
        with pytest.raises(UnauditedWrite):
            s.commit()
        s.rollback()
        s.get(Facility, world.facility_a.id).name = "changed with audit"
        audit.record(s, "test", "facility", world.facility_a.id, "rename")
        s.commit()


def test_audit_event_cannot_be_updated_or_deleted(session):
    audit.record(session, "tester", "claim", 1, "status", {"from": "imported", "to": "priced"})
    session.commit()
    ev = session.scalars(select(AuditEvent)).one()
    ev.action = "tampered"
    with pytest.raises(AuditImmutable):
        session.flush()
    session.rollback()
    with pytest.raises(AuditImmutable):
        session.delete(session.scalars(select(AuditEvent)).one())
        session.flush()
    session.rollback()
    # Below the ORM: the database trigger refuses as well.
    for stmt in (update(AuditEvent).values(action="tampered"), delete(AuditEvent)):
        with pytest.raises(DatabaseError):
            session.execute(stmt)
        session.rollback()
    with pytest.raises(DatabaseError):
        session.execute(text("UPDATE audit_event SET summary = NULL"))
    session.rollback()
    assert session.scalars(select(AuditEvent)).one().action == "status"
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == 1


def test_status_transition_is_audited_in_service(session):
    from claims.auth.scope import system_principal
    from claims.claim.service import transition
    from claims.kit.errors import IllegalTransition
    from tests import factories

    f = factories.facility(session, "01999")
    c = factories.claim(session, f.id, "LK1")
    who = system_principal("test")
    transition(session, who, c.id, "priced")
    with pytest.raises(IllegalTransition):
        transition(session, who, c.id, "sent")
    session.commit()
    assert session.get(Claim, c.id).status == "priced"
    ev = session.scalars(select(AuditEvent)).one()
    assert ev.summary == {"from": "imported", "to": "priced"}
