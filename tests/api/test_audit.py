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
    spec = client.get("/openapi.json").json()
    write_ops = {(m, p) for p, ops in spec["paths"].items() for m in ops if m in ("post", "put", "patch", "delete")}
    covered = {
        ("post", "/api/facilities"),
        ("post", "/api/users"),
        ("post", "/api/claims/{claim_id}/transition"),
        ("post", "/api/auth/token"),
        # remittance and settlement writes: audited in tests/remittance/test_api.py
        ("post", "/api/remittance/imports"),
        ("post", "/api/remittance/assessments"),
        ("post", "/api/remittance/notices"),
        ("post", "/api/remittance/reconcile"),
        ("post", "/api/remittance/denials/{denial_id}/resend"),
        ("post", "/api/remittance/denials/{denial_id}/appeal"),
        ("post", "/api/remittance/denials/{denial_id}/write-off"),
        ("post", "/api/remittance/denials/{denial_id}/approve-write-off"),
        ("post", "/api/settlement/close"),
    }  # token issuing writes nothing
    assert write_ops <= covered, f"new write endpoints need an audit test: {write_ops - covered}"


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
