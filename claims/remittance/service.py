"""Remittance state changes: importing answers, reconciling a period, acting on denials. Never commits."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from claims.audit import service as audit
from claims.auth.models import Role
from claims.auth.scope import Principal
from claims.claim import repository as claims_repository
from claims.claim import service as claim_service
from claims.claim.status import ClaimStatus, can_transition
from claims.kit.errors import Conflict, DomainError, NotFound, PermissionDenied
from claims.kit.types import utcnow
from claims.remittance import imports, parse, variances
from claims.remittance.imports import ImportOutcome, ImportRefused
from claims.remittance.matching import match_period
from claims.remittance.models import Denial


class DenialActionRefused(Conflict):
    code = "denial_action_refused"
    default_message = "This action is not possible on the denial in its present state."


class NoteRequired(DomainError):
    code = "note_required"
    status = 422
    default_message = "This action needs a note."


def import_file(
    session: Session,
    actor: Principal,
    kind: str,
    name: str,
    data: bytes,
    *,
    source: str = "file",
    entered_by: str | None = None,
) -> ImportOutcome:
    """Import an assessment (JSON or CSV) or a notice file (JSON, CSV or XLSX), recognised by its name."""
    lower = name.lower()
    try:
        if kind == "assessment":
            parsed = parse.parse_assessments_csv(data, name) if lower.endswith(".csv") else (
                parse.parse_assessments_json(data, name)
            )  # fmt: skip
            return imports.import_assessments(session, actor, parsed, data, source=source, name=name)
        if kind == "notice":
            if lower.endswith(".xlsx"):
                parsed = parse.parse_notices_xlsx(data, name, entered_by)
            elif lower.endswith(".csv"):
                parsed = parse.parse_notices_csv(data, name, entered_by)
            else:
                parsed = parse.parse_notices_json(data, name, entered_by)
            return imports.import_notices(session, actor, parsed, data, source=source, name=name, entered_by=entered_by)
    except parse.RecordError as exc:
        raise ImportRefused(str(exc), **exc.as_dict()) from None
    raise ImportRefused(f"unknown kind {kind!r}: assessment or notice")


def reconcile(
    session: Session, actor: Principal, facility_id: int, period: str, now: datetime | None = None
) -> dict[str, Any]:
    """Match the period's answers and payments; rebuild its variances and denials while it is open;
    book adjustments for any closed period that a late answer changed."""
    from claims.settlement import service as settlement

    actor.ensure_visible(facility_id, "facility")
    now = now or utcnow()
    counts: dict[str, Any] = asdict(match_period(session, facility_id, period))
    closed = settlement.is_closed(session, facility_id, period)
    if not closed:
        counts.update(variances.rebuild(session, facility_id, period, now))
    counts["statuses"] = advance_statuses(session, actor, facility_id, period)
    counts["adjustments"] = settlement.record_adjustments(session, actor, facility_id, now)
    counts["closed"] = closed
    audit.record(session, actor, "period", f"{facility_id}:{period}", "reconcile", counts, facility_id=facility_id)
    return counts


def advance_statuses(session: Session, actor: Principal, facility_id: int, period: str) -> dict[str, int]:
    """Claims the office answered move along the status machine (sent → received → assessed | rejected →
    paid once paid in full), set-based with one audit event per claim."""
    from sqlalchemy import and_

    from claims.remittance.figures import claim_figures

    figures = claim_figures(facility_id, period).subquery("cf")
    answered = select(figures.c.claim_id).where(figures.c.answer_id.is_not(None))
    rejected = select(figures.c.claim_id).where(figures.c.answer_status == "rejected")
    accepted = select(figures.c.claim_id).where(figures.c.answer_id.is_not(None), figures.c.answer_status != "rejected")
    paid = select(figures.c.claim_id).where(
        and_(figures.c.approved > 0, figures.c.paid >= figures.c.approved, figures.c.notices > 0)
    )
    S = ClaimStatus
    move = claim_service.transition_many
    return {
        "received": move(session, actor, answered, S.sent, S.received, "assessment answer received"),
        "rejected": move(session, actor, rejected, S.received, S.rejected, "rejected by the office"),
        "assessed": move(session, actor, accepted, S.received, S.assessed, "assessed by the office"),
        "paid": move(session, actor, paid, S.assessed, S.paid, "paid in full"),
    }


def reconciliation_summary(session: Session, facility_id: int, period: str) -> Any:
    """For ``claims demo``: the period's paid, disallowed by reason, outstanding and whether they add up
    to the claimed total to the đồng (a :class:`claims.settlement.service.PeriodSummary`; ``period``
    as ``yyyymm`` or ``yyyy-mm``). Reads only: run :func:`reconcile` first."""
    from claims.auth.scope import system_principal
    from claims.settlement import service as settlement

    return settlement.summary(session, system_principal("demo"), facility_id, period.replace("-", ""))


def reconciliation_lines(summary: Any) -> list[str]:
    """The summary as the lines ``claims demo`` prints (amounts exact, in đồng)."""
    lines = [
        f"reconciliation {summary.period[:4]}-{summary.period[4:]}{' (closed)' if summary.closed else ''}: "
        f"{summary.claims} claims, claimed {summary.claimed}",
        f"  paid {summary.paid}  disallowed {summary.disallowed}  outstanding {summary.outstanding}"
        f"  not assessed {summary.not_assessed}",
    ]
    lines += [f"  disallowed {code}: {amount}" for code, amount in summary.disallowed_by_reason.items()]
    total = summary.paid + summary.disallowed + summary.outstanding + summary.not_assessed
    verdict = "yes" if summary.adds_up else "NO"
    lines.append(f"  paid + disallowed + outstanding + not assessed = {total}: adds up to the claimed total: {verdict}")
    return lines


# The denial work queue ------------------------------------------------------------------------------


def _denial(session: Session, actor: Principal, denial_id: int) -> Denial:
    stmt = actor.restrict(select(Denial).where(Denial.id == denial_id), Denial.facility_id).with_for_update()
    denial = session.scalar(stmt)
    if denial is None:
        raise NotFound("denial not found")
    return denial


def _audit(session: Session, actor: Principal, denial: Denial, action: str, **details: Any) -> None:
    summary = {"status": denial.status, "next_action": denial.next_action, "amount": str(denial.amount), **details}
    audit.record(session, actor, "denial", denial.id, action, summary, facility_id=denial.facility_id)


OPEN = ("open", "appealed", "write_off_requested")


def resend(session: Session, actor: Principal, denial_id: int, note: str | None = None) -> Denial:
    """Fix and resend: the claim gets a new version (``needs_fix``) to correct, check and send again."""
    from claims.claim.tables import hoso_of_claim, store_claim

    denial = _denial(session, actor, denial_id)
    if denial.status not in OPEN or denial.claim_id is None:
        raise DenialActionRefused(status=denial.status)
    claim = claims_repository.get(session, actor, denial.claim_id, with_lines=True)
    if claim.status not in (ClaimStatus.assessed, ClaimStatus.rejected, ClaimStatus.paid):
        # The office's answer moves the claim to assessed/rejected; a claim still at ``sent`` gets there first.
        for step in (ClaimStatus.received, ClaimStatus.assessed):
            if claim.status != step and can_transition(claim.status, step):
                claim_service.apply_transition(session, actor, claim, step.value, "assessment answer received")
    new = store_claim(
        session, actor, claim.facility_id, hoso_of_claim(claim), encounter_id=claim.encounter_id,
        status=ClaimStatus.needs_fix,
    )  # fmt: skip
    denial.status, denial.next_action, denial.new_claim_id = "resent", "send_new_version", new.id
    denial.note = note or denial.note
    _audit(session, actor, denial, "resend", claim_id=claim.id, new_claim_id=new.id, new_version=new.version)
    return denial


def appeal(session: Session, actor: Principal, denial_id: int, note: str) -> Denial:
    if not note or not note.strip():
        raise NoteRequired(field="note")
    denial = _denial(session, actor, denial_id)
    if denial.status not in ("open",):
        raise DenialActionRefused(status=denial.status)
    denial.status, denial.next_action, denial.note = "appealed", "await_office", note.strip()[:2000]
    _audit(session, actor, denial, "appeal")
    return denial


def request_write_off(session: Session, actor: Principal, denial_id: int, note: str) -> Denial:
    if not note or not note.strip():
        raise NoteRequired(field="note")
    denial = _denial(session, actor, denial_id)
    if denial.status not in ("open", "appealed"):
        raise DenialActionRefused(status=denial.status)
    denial.status, denial.next_action = "write_off_requested", "approve_write_off"
    denial.note, denial.requested_by = note.strip()[:2000], actor.username
    _audit(session, actor, denial, "request_write_off")
    return denial


def approve_write_off(session: Session, actor: Principal, denial_id: int) -> Denial:
    """Finance (or admin) approves a write-off someone else asked for."""
    if actor.role not in (Role.finance, Role.admin):
        raise PermissionDenied(required=[Role.finance.value, Role.admin.value])
    denial = _denial(session, actor, denial_id)
    if denial.status != "write_off_requested":
        raise DenialActionRefused(status=denial.status)
    if denial.requested_by == actor.username:
        raise DenialActionRefused("a write-off is approved by someone other than who asked for it")
    denial.status, denial.next_action, denial.approved_by = "written_off", "none", actor.username
    _audit(session, actor, denial, "approve_write_off", requested_by=denial.requested_by)
    return denial


def assign(session: Session, actor: Principal, denial_id: int, username: str | None) -> Denial:
    """Give the denial to someone (``None``: back to the pool); the queue shows who works on what."""
    denial = _denial(session, actor, denial_id)
    if denial.status not in OPEN:
        raise DenialActionRefused(status=denial.status)
    before = denial.assigned_to
    denial.assigned_to = (username or "").strip()[:64] or None
    _audit(session, actor, denial, "assign", assigned_to=denial.assigned_to, assigned_before=before)
    return denial
