"""Running the check catalogue (`rules.checks`) on claims, storing findings, switches and overrides.

Never commits. One implementation serves both sides:

- the hospital runs :func:`run_checks` on stored claims (findings per claim line and per claim, status
  priced → checked / needs_fix);
- the office (claims/insurer) calls :func:`check_hoso` on what it receives: pure, no database.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy.orm import Session

from claims.audit import service as audit
from claims.auth.models import Role
from claims.auth.scope import Principal
from claims.claim.models import Claim
from claims.claim.service import apply_transition
from claims.claim.status import ClaimStatus
from claims.claim.tables import hoso_of_claim
from claims.exchange.checks_input import tables_of_hoso, tables_of_read
from claims.exchange.model import Hoso
from claims.exchange.reader import HosoRead
from claims.kit.errors import InvalidInput, NotFound
from claims.kit.types import utcnow
from claims.review import repository
from claims.review.catalogue import demo_catalogue
from claims.review.models import CheckSetting, Finding
from rules import checks

__all__ = [
    "CHECKABLE",
    "DryRun",
    "RunOutcome",
    "check_hoso",
    "check_many",
    "default_catalogue",
    "dry_run",
    "effective_settings",
    "list_checks",
    "resolve_finding",
    "run_checks",
    "set_check",
]

#: Statuses whose claims are (re-)checked; a frozen claim is never touched.
CHECKABLE = frozenset({ClaimStatus.priced.value, ClaimStatus.checked.value, ClaimStatus.needs_fix.value})
_SEVERITY_COLUMN = {checks.Severity.BLOCKING: "error", checks.Severity.WARNING: "warning"}
_LINE_TABLES = frozenset({"XML2", "XML3"})


@cache
def default_catalogue() -> checks.CatalogueLookup:
    """The catalogue codes are matched against when none is given (the demo tariff, until facility
    catalogues are stored)."""
    return demo_catalogue()


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Building the checks' input allocates millions of small dicts and tuples, none in a reference cycle,
    which keep triggering cyclic-GC passes over everything built so far: pause the collector for the batch
    (as pricing does; measured ~25 % faster over a month) and restore its previous state."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# ------------------------------------------------------------------------------------------ pure entry
def check_many(
    hosos: Iterable[Hoso | HosoRead],
    catalogue: checks.CatalogueLookup | None = None,
    *,
    cards: checks.CardLookup | None = None,
    code_lists: checks.CodeListLookup | None = None,
    enabled: Iterable[str] | None = None,
    severity_overrides: Mapping[str, checks.Severity | str] | None = None,
) -> list[checks.Finding]:
    """Run the catalogue over many claims at once (cross-claim checks see them all). Pure: no database."""
    with _gc_paused():
        claims = [
            checks.claim_from_tables(tables_of_read(h) if isinstance(h, HosoRead) else tables_of_hoso(h))
            for h in hosos
        ]
        return checks.run(
            claims,
            catalogue,
            cards=cards,
            code_lists=code_lists,
            enabled=None if enabled is None else frozenset(enabled),
            severity_overrides=severity_overrides,
        )


def check_hoso(
    hoso: Hoso | HosoRead,
    catalogue: checks.CatalogueLookup | None = None,
    *,
    cards: checks.CardLookup | None = None,
    code_lists: checks.CodeListLookup | None = None,
    enabled: Iterable[str] | None = None,
    severity_overrides: Mapping[str, checks.Severity | str] | None = None,
) -> list[checks.Finding]:
    """The findings of the check catalogue on one received claim (``HOSO``), for the office side.

    Pure wrapper (no database, no clock): ``hoso`` a typed claim, or better the reader's ``HosoRead`` item
    (`claims.exchange.reader.EnvelopeReader` yields them): its kept table documents give the values exactly as
    sent, so format checks such as FMT_DECIMAL_COMMA see what the typed model normalises. ``catalogue`` any
    `rules.checks.CatalogueLookup` (e.g. `claims.review.catalogue.TariffCatalogue.of_tariff(tariff)`) or
    None to skip catalogue matching. Each finding carries code, severity, table, STT, MA_LK, field, value,
    messages (vi/en), hint and legal reference.
    """
    return check_many(
        [hoso], catalogue, cards=cards, code_lists=code_lists, enabled=enabled, severity_overrides=severity_overrides
    )


# ------------------------------------------------------------------------------------------ settings
@dataclass(frozen=True, slots=True)
class FacilitySettings:
    """The switches and overrides of one facility, ready for `rules.checks.run`."""

    disabled: frozenset[str] = frozenset()
    overrides: Mapping[str, checks.Severity] = field(default_factory=dict)

    def enabled(self, code: str) -> bool:
        return code not in self.disabled


def _settings_of(rows: Mapping[str, CheckSetting]) -> FacilitySettings:
    return FacilitySettings(
        disabled=frozenset(code for code, r in rows.items() if not r.enabled),
        overrides={code: checks.Severity(r.severity_override) for code, r in rows.items() if r.severity_override},
    )


def effective_settings(session: Session, facility_ids: Iterable[int]) -> dict[int, FacilitySettings]:
    return {fid: _settings_of(rows) for fid, rows in repository.settings(session, facility_ids).items()}


def _known_check(code: str) -> checks.Check:
    chk = checks.CHECKS_BY_CODE.get(code)
    if chk is None:
        raise NotFound(f"no check with code {code!r}")
    return chk


def set_check(
    session: Session,
    actor: Principal,
    facility_id: int,
    code: str,
    *,
    enabled: bool | None = None,
    severity_override: str | None = None,
    clear_override: bool = False,
    reason: str | None = None,
) -> CheckSetting:
    """Switch a check on/off or override its severity for one facility (admin; audited)."""
    actor.require(Role.admin)
    _known_check(code)
    repository.facility(session, actor, facility_id)
    if severity_override is not None and severity_override not in (s.value for s in checks.Severity):
        raise InvalidInput("severity_override must be 'blocking' or 'warning'", field="severity_override")
    row = repository.setting(session, facility_id, code)
    before = None if row is None else {"enabled": row.enabled, "severity_override": row.severity_override}
    if row is None:
        row = CheckSetting(facility_id=facility_id, code=code, enabled=True, updated_by=actor.username)
        session.add(row)
    if enabled is not None:
        row.enabled = enabled
    if clear_override:
        row.severity_override = None
    elif severity_override is not None:
        row.severity_override = severity_override
    row.updated_by = actor.username
    row.updated_at = utcnow()
    session.flush()
    summary: dict[str, Any] = {
        "code": code,
        "before": before,
        "after": {"enabled": row.enabled, "severity_override": row.severity_override},
    }
    if reason:
        summary["reason"] = reason
    audit.record(session, actor, "check_setting", row.id, "update", summary, facility_id=facility_id)
    return row


def list_checks(session: Session, actor: Principal, facility_id: int | None) -> list[dict[str, Any]]:
    """Every check of the catalogue with the facility's switch and override (the caller's own facility
    when bound to one; none given: the catalogue's defaults)."""
    if facility_id is None and not actor.sees_all_facilities:
        facility_id = actor.facility_id
    rows: Mapping[str, CheckSetting] = {}
    if facility_id is not None:
        repository.facility(session, actor, facility_id)
        rows = repository.settings(session, [facility_id])[facility_id]
    out = []
    for chk in checks.CHECKS:
        row = rows.get(chk.code)
        override = row.severity_override if row is not None else None
        out.append(
            {
                **chk.describe(),
                "facility_id": facility_id,
                "enabled": row.enabled if row is not None else True,
                "severity_override": override,
                "effective_severity": override or chk.severity.value,
            }
        )
    return out


# ------------------------------------------------------------------------------------------ running
@dataclass
class RunOutcome:
    """What a run did: claims checked, findings stored, and the status changes."""

    claims: int = 0
    findings: int = 0
    blocking_claims: int = 0
    to_checked: list[int] = field(default_factory=list)
    to_needs_fix: list[int] = field(default_factory=list)


def _check_claims(
    claims: Sequence[Claim],
    catalogue: checks.CatalogueLookup | None,
    settings: FacilitySettings,
    *,
    only: str | None = None,
) -> tuple[list[checks.Claim], list[checks.Finding]]:
    enabled: Any = (lambda code: code == only) if only is not None else settings.enabled
    overrides = {} if only is not None else settings.overrides
    with _gc_paused():
        inputs = [checks.claim_from_tables(tables_of_hoso(hoso_of_claim(c))) for c in claims]
        return inputs, checks.run(inputs, catalogue, enabled=enabled, severity_overrides=overrides)


def _stt(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def run_checks(
    session: Session,
    actor: Principal,
    *,
    claim_ids: Sequence[int] | None = None,
    period: str | None = None,
    facility_id: int | None = None,
    catalogue: checks.CatalogueLookup | None = None,
) -> RunOutcome:
    """Run the catalogue on the checkable claims chosen (by ids, or a period), store their findings and move
    their status. Re-running replaces the checks' findings of those claims (pricing and insurer findings are
    kept); a finding resolved with a reason stays resolved when the same finding is found again. A claim in
    ``priced`` becomes ``checked``, or ``needs_fix`` when an unresolved blocking finding remains; a
    ``checked`` claim with a new blocking finding becomes ``needs_fix`` (transitions audited).
    """
    if claim_ids is None and period is None:
        raise InvalidInput("give claim ids or a period", field="period")
    if facility_id is not None:
        repository.facility(session, actor, facility_id)
    claims = repository.claims_to_check(
        session, actor, CHECKABLE, claim_ids=claim_ids, period=period, facility_id=facility_id, lock=True
    )
    outcome = RunOutcome(claims=len(claims))
    if not claims:
        return outcome
    catalogue = catalogue if catalogue is not None else default_catalogue()
    by_facility: dict[int, list[Claim]] = {}
    for c in claims:
        by_facility.setdefault(c.facility_id, []).append(c)
    settings = effective_settings(session, by_facility)
    ids = [c.id for c in claims]
    resolved = {
        (r.claim_id, r.code, r.table_name, r.record, r.field, r.value): r
        for r in repository.resolved_check_findings(session, ids)
    }
    rows: list[dict[str, Any]] = []
    blocking: set[int] = set()
    now = utcnow()
    for fid, group in by_facility.items():
        _inputs, found = _check_claims(group, catalogue, settings[fid])
        by_lk = {c.ma_lk: c for c in group}
        lines: dict[tuple[int, str, int | None], int] = {
            (c.id, ln.table_name, ln.stt): ln.id for c in group for ln in c.lines
        }
        for f in found:
            owner = by_lk.get(f.ma_lk)
            if owner is None:
                continue  # a record keyed to another episode (MA_LK_MISMATCH); stored claims never have one
            record = _stt(f.stt)
            line_id = lines.get((owner.id, f.table, record)) if f.table in _LINE_TABLES else None
            key = (owner.id, f.code, f.table or None, record, f.field or None, f.value)
            prior = resolved.get(key)
            if f.severity is checks.Severity.BLOCKING and prior is None:
                blocking.add(owner.id)
            rows.append(
                {
                    "claim_id": owner.id,
                    "claim_line_id": line_id,
                    "facility_id": fid,
                    "code": f.code,
                    "severity": _SEVERITY_COLUMN[f.severity],
                    "table_name": f.table or None,
                    "record": record,
                    "field": f.field or None,
                    "value": f.value,
                    "message": f.message_vi,
                    "message_en": f.message_en,
                    "hint": f.hint or None,
                    "legal_ref": f.legal_ref[:255] or None,
                    "source": repository.SOURCE,
                    "resolved": prior is not None,
                    "override_reason": prior.override_reason if prior is not None else None,
                    "overridden_by": prior.overridden_by if prior is not None else None,
                    "resolved_at": prior.resolved_at if prior is not None else None,
                    "created_at": now,
                }
            )
    repository.replace_check_findings(session, ids, rows)
    per_claim: dict[int, int] = {}
    for r in rows:
        per_claim[r["claim_id"]] = per_claim.get(r["claim_id"], 0) + 1
    outcome.findings = len(rows)
    outcome.blocking_claims = len(blocking)
    for c in claims:
        if c.status == ClaimStatus.priced.value:
            target = ClaimStatus.needs_fix if c.id in blocking else ClaimStatus.checked
        elif c.status == ClaimStatus.checked.value and c.id in blocking:
            target = ClaimStatus.needs_fix
        else:
            continue  # needs_fix stays until re-priced (the status machine: fixing re-prices)
        apply_transition(session, actor, c, target.value, "checks", findings=per_claim.get(c.id, 0))
        (outcome.to_needs_fix if target is ClaimStatus.needs_fix else outcome.to_checked).append(c.id)
    return outcome


# ------------------------------------------------------------------------------------------ dry run
@dataclass
class DryRun:
    """How many claims of a period a check would flag, by department (MA_KHOA), without storing anything."""

    code: str
    period: str
    claims: int = 0
    flagged: int = 0
    findings: int = 0
    by_department: dict[str, tuple[int, int]] = field(default_factory=dict)  # MA_KHOA → (claims, flagged)


def dry_run(
    session: Session,
    actor: Principal,
    code: str,
    period: str,
    *,
    facility_id: int | None = None,
    catalogue: checks.CatalogueLookup | None = None,
) -> DryRun:
    """Run one check (whatever its switch) over the period's open and sent claims; nothing is stored."""
    _known_check(code)
    if facility_id is not None:
        repository.facility(session, actor, facility_id)
    statuses = [s.value for s in ClaimStatus if s is not ClaimStatus.superseded]
    claims = repository.claims_to_check(session, actor, statuses, period=period, facility_id=facility_id)
    catalogue = catalogue if catalogue is not None else default_catalogue()
    result = DryRun(code, period, claims=len(claims))
    by_facility: dict[int, list[Claim]] = {}
    for c in claims:
        by_facility.setdefault(c.facility_id, []).append(c)
    counts: dict[str, list[int]] = {}
    for group in by_facility.values():
        _inputs, found = _check_claims(group, catalogue, FacilitySettings(), only=code)
        flagged_lk = {f.ma_lk for f in found}
        result.findings += len(found)
        for c in group:
            dept = c.ma_khoa or ""
            slot = counts.setdefault(dept, [0, 0])
            slot[0] += 1
            if c.ma_lk in flagged_lk:
                slot[1] += 1
                result.flagged += 1
    result.by_department = {k: (v[0], v[1]) for k, v in sorted(counts.items())}
    return result


# ------------------------------------------------------------------------------------------ resolving
def resolve_finding(session: Session, actor: Principal, finding_id: int, reason: str) -> Finding:
    """Resolve (override) a finding with a reason (billing of the claim's facility, or admin; audited)."""
    actor.require(Role.billing, Role.admin)
    reason = reason.strip()
    if len(reason) < 3:
        raise InvalidInput("a reason is required", field="reason")
    row = repository.finding(session, actor, finding_id, lock=True)
    row.resolved = True
    row.override_reason = reason
    row.overridden_by = actor.username
    row.resolved_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "finding",
        row.id,
        "resolve",
        {"claim_id": row.claim_id, "code": row.code, "severity": row.severity, "reason": reason},
        facility_id=row.facility_id,
    )
    return row
