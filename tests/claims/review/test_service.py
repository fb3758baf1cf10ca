"""Checks on stored claims: findings per line and per claim, idempotent re-runs, statuses, switches and
overrides (audited), dry runs by department, facility scoping. Both database backends."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from claims.audit.models import AuditEvent
from claims.auth.models import Role
from claims.auth.scope import Principal
from claims.claim.models import Claim, ClaimLine
from claims.exchange.synthetic_checks import catalogue
from claims.kit.errors import InvalidInput, NotFound, PermissionDenied
from claims.review import repository, service
from claims.review.models import Finding
from tests import factories
from tests.claims.review.helpers import ACTOR, PERIOD, store, unknown_code, wrong_days

CAT = catalogue()


def _findings(session: Session, claim_id: int | None = None) -> list[tuple[Any, ...]]:
    stmt = select(Finding).order_by(Finding.claim_id, Finding.code, Finding.table_name, Finding.record)
    if claim_id is not None:
        stmt = stmt.where(Finding.claim_id == claim_id)
    return [
        (f.claim_id, f.claim_line_id, f.code, f.severity, f.table_name, f.record, f.field, f.value, f.source,
         f.resolved, f.override_reason)
        for f in session.scalars(stmt)
    ]  # fmt: skip


def _status(session: Session, claim_id: int) -> str:
    return session.scalar(select(Claim.status).where(Claim.id == claim_id)) or ""


def test_findings_per_line_and_per_claim_stored_and_rerun_is_idempotent(session: Session) -> None:
    fac = factories.facility(session, "01001")
    clean, bad_line, bad_total = store(session, fac, [None, unknown_code, wrong_days])
    session.add(
        Finding(
            claim_id=bad_line.id, facility_id=fac.id, code="PRICE_X", severity="error", message="m", source="pricing"
        )
    )
    session.commit()

    first = service.run_checks(session, ACTOR, period=PERIOD, catalogue=CAT)
    session.commit()
    assert first.claims == 3 and first.to_checked == [clean.id]
    assert sorted(first.to_needs_fix) == sorted([bad_line.id, bad_total.id])
    stored = _findings(session)

    line_id = session.scalar(
        select(ClaimLine.id).where(
            ClaimLine.claim_id == bad_line.id, ClaimLine.table_name == "XML3", ClaimLine.stt == 4
        )
    )
    line_findings = [f for f in stored if f[0] == bad_line.id and f[8] == "check"]
    assert [(f[1], f[2], f[3], f[4], f[5], f[7]) for f in line_findings] == [
        (line_id, "CAT_CODE_UNKNOWN", "error", "XML3", 4, "99.9999.9999")
    ]
    claim_findings = [f for f in stored if f[0] == bad_total.id]
    assert [(f[1], f[2], f[4], f[5], f[6]) for f in claim_findings] == [
        (None, "SO_NGAY_DTRI_MISMATCH", "XML1", 1, "SO_NGAY_DTRI")
    ]
    assert not [f for f in stored if f[0] == clean.id]
    assert _status(session, clean.id) == "checked" and _status(session, bad_line.id) == "needs_fix"

    statuses = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "status")
    audits = session.scalar(statuses)
    second = service.run_checks(session, ACTOR, period=PERIOD, catalogue=CAT)
    session.commit()
    assert second.claims == 3 and second.to_checked == [] and second.to_needs_fix == []
    assert _findings(session) == stored  # same findings, the pricing one untouched, nothing doubled
    assert session.scalar(statuses) == audits
    assert ("PRICE_X", "pricing") in {(f[2], f[8]) for f in stored}


def test_a_resolved_finding_stays_resolved_when_found_again(session: Session) -> None:
    fac = factories.facility(session, "01001")
    [claim] = store(session, fac, [wrong_days])
    session.commit()
    service.run_checks(session, ACTOR, claim_ids=[claim.id], catalogue=CAT)
    session.commit()
    [finding] = repository.findings_of_claim(session, ACTOR, claim.id)
    billing = Principal(None, "clerk", Role.billing, fac.id)
    with pytest.raises(InvalidInput):
        service.resolve_finding(session, billing, finding.id, "  ")
    service.resolve_finding(session, billing, finding.id, "rounding agreed with the office")
    session.commit()

    service.run_checks(session, ACTOR, claim_ids=[claim.id], catalogue=CAT)
    session.commit()
    [again] = repository.findings_of_claim(session, ACTOR, claim.id)
    assert (again.code, again.resolved, again.override_reason, again.overridden_by) == (
        "SO_NGAY_DTRI_MISMATCH", True, "rounding agreed with the office", "clerk"
    )
    event = session.scalar(select(AuditEvent).where(AuditEvent.entity == "finding", AuditEvent.action == "resolve"))
    assert event is not None and event.summary["reason"] == "rounding agreed with the office"
    finance = Principal(None, "fin", Role.finance, fac.id)
    with pytest.raises(PermissionDenied):
        service.resolve_finding(session, finance, finding.id, "not my job")


def test_switches_and_overrides_are_honoured_per_facility_and_audited(session: Session) -> None:
    fa, fb = factories.facility(session, "01001"), factories.facility(session, "79002")
    a_line, a_total = store(session, fa, [unknown_code, wrong_days])
    b_line, b_total = store(session, fb, [unknown_code, wrong_days])
    admin = Principal(None, "root", Role.admin, None)
    service.set_check(session, admin, fa.id, "CAT_CODE_UNKNOWN", enabled=False, reason="catalogue not final")
    service.set_check(session, admin, fa.id, "SO_NGAY_DTRI_MISMATCH", severity_override="warning")
    session.commit()

    service.run_checks(session, ACTOR, period=PERIOD, catalogue=CAT)
    session.commit()
    assert not [f for f in _findings(session, a_line.id) if f[2] == "CAT_CODE_UNKNOWN"]
    assert [(f[2], f[3]) for f in _findings(session, a_total.id)] == [("SO_NGAY_DTRI_MISMATCH", "warning")]
    assert _status(session, a_line.id) == "checked" and _status(session, a_total.id) == "checked"
    # facility B keeps the catalogue's defaults
    assert [(f[2], f[3]) for f in _findings(session, b_line.id)] == [("CAT_CODE_UNKNOWN", "error")]
    assert [(f[2], f[3]) for f in _findings(session, b_total.id)] == [("SO_NGAY_DTRI_MISMATCH", "error")]
    assert _status(session, b_line.id) == "needs_fix"

    setting_events = select(AuditEvent).where(AuditEvent.entity == "check_setting").order_by(AuditEvent.id)
    events = list(session.scalars(setting_events))
    assert [(e.actor, e.facility_id, e.summary["code"], e.summary["after"]) for e in events] == [
        ("root", fa.id, "CAT_CODE_UNKNOWN", {"enabled": False, "severity_override": None}),
        ("root", fa.id, "SO_NGAY_DTRI_MISMATCH", {"enabled": True, "severity_override": "warning"}),
    ]
    assert events[0].summary["reason"] == "catalogue not final"

    listed = {c["code"]: c for c in service.list_checks(session, admin, fa.id)}
    assert listed["CAT_CODE_UNKNOWN"]["enabled"] is False
    assert listed["SO_NGAY_DTRI_MISMATCH"]["effective_severity"] == "warning"
    assert listed["LINE_SPLIT"]["enabled"] is True and listed["LINE_SPLIT"]["severity_override"] is None

    billing = Principal(None, "clerk", Role.billing, fa.id)
    with pytest.raises(PermissionDenied):
        service.set_check(session, billing, fa.id, "SO_NGAY_DTRI_MISMATCH", enabled=False)
    with pytest.raises(NotFound):
        service.set_check(session, admin, fa.id, "NO_SUCH_CHECK", enabled=False)


def test_dry_run_counts_flagged_claims_by_department_and_stores_nothing(session: Session) -> None:
    fac = factories.facility(session, "01001")
    store(
        session,
        fac,
        [unknown_code, None, unknown_code, wrong_days, None, unknown_code],
        departments=["K01", "K01", "K02", "K02", "K03", "K01"],
    )
    admin = Principal(None, "root", Role.admin, None)
    service.set_check(session, admin, fac.id, "CAT_CODE_UNKNOWN", enabled=False)  # not yet switched on
    session.commit()

    result = service.dry_run(session, ACTOR, "CAT_CODE_UNKNOWN", PERIOD, facility_id=fac.id, catalogue=CAT)
    assert (result.claims, result.flagged, result.findings) == (6, 3, 3)
    assert result.by_department == {"K01": (3, 2), "K02": (2, 1), "K03": (1, 0)}
    other = service.dry_run(session, ACTOR, "SO_NGAY_DTRI_MISMATCH", PERIOD, catalogue=CAT)
    assert (other.flagged, other.by_department["K02"]) == (1, (2, 1))
    assert session.scalar(select(func.count()).select_from(Finding)) == 0
    assert {c.status for c in session.scalars(select(Claim))} == {"priced"}
    with pytest.raises(NotFound):
        service.dry_run(session, ACTOR, "NO_SUCH_CHECK", PERIOD)


def test_facility_a_cannot_see_or_touch_b(session: Session) -> None:
    fa, fb = factories.facility(session, "01001"), factories.facility(session, "79002")
    [a_claim] = store(session, fa, [wrong_days])
    [b_claim] = store(session, fb, [wrong_days])
    session.commit()
    service.run_checks(session, ACTOR, claim_ids=[b_claim.id], catalogue=CAT)
    session.commit()
    [b_finding] = repository.findings_of_claim(session, ACTOR, b_claim.id)

    billing_a = Principal(None, "clerk_a", Role.billing, fa.id)
    with pytest.raises(NotFound):
        repository.findings_of_claim(session, billing_a, b_claim.id)
    with pytest.raises(NotFound):
        service.resolve_finding(session, billing_a, b_finding.id, "mine now")
    with pytest.raises(NotFound):
        service.dry_run(session, billing_a, "SO_NGAY_DTRI_MISMATCH", PERIOD, facility_id=fb.id, catalogue=CAT)
    with pytest.raises(NotFound):
        service.list_checks(session, billing_a, fb.id)
    assert service.run_checks(session, billing_a, claim_ids=[b_claim.id], catalogue=CAT).claims == 0
    outcome = service.run_checks(session, billing_a, period=PERIOD, catalogue=CAT)  # only A's claims
    session.commit()
    assert (outcome.claims, outcome.to_needs_fix) == (1, [a_claim.id])
    assert service.dry_run(session, billing_a, "SO_NGAY_DTRI_MISMATCH", PERIOD, catalogue=CAT).claims == 1
    assert [f.resolved for f in repository.findings_of_claim(session, ACTOR, b_claim.id)] == [False]


def test_frozen_claims_are_not_rechecked(session: Session) -> None:
    fac = factories.facility(session, "01001")
    [sent] = store(session, fac, [wrong_days], status="sent")
    session.commit()
    assert service.run_checks(session, ACTOR, period=PERIOD, catalogue=CAT).claims == 0
    assert _findings(session) == [] and _status(session, sent.id) == "sent"
    with pytest.raises(InvalidInput):
        service.run_checks(session, ACTOR)
