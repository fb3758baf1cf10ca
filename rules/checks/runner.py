"""Run the check catalogue over many claims."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import date

from rules.checks.base import Check, Context, Hit
from rules.checks.findings import Finding, Severity
from rules.checks.lookup import CardLookup, CatalogueLookup, CodeListLookup
from rules.checks.model import Claim
from rules.checks.registry import CHECKS

__all__ = ["CHECK_FAILED", "run"]

CHECK_FAILED = "CHECK_FAILED"


class _Params(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def _finding(chk: Check, hit: Hit, severity: Severity) -> Finding:
    params = _Params(hit.params)
    params.setdefault("value", hit.value)
    rec = hit.record
    return Finding(
        code=chk.code,
        severity=severity,
        table=rec.table,
        stt=rec.stt,
        ma_lk=rec.ma_lk,
        field=hit.field,
        value=hit.value,
        message_vi=chk.message_vi.format_map(params),
        message_en=chk.message_en.format_map(params),
        hint=chk.hint,
        legal_ref=chk.legal_ref,
    )


def _failed(chk: Check, claim: Claim | None, exc: Exception) -> Finding:
    """A check that crashes on odd input becomes a finding; it never sinks the batch."""
    rec = claim.xml1 if claim is not None else None
    return Finding(
        code=CHECK_FAILED,
        severity=Severity.WARNING,
        table=rec.table if rec else "",
        stt=rec.stt if rec else "",
        ma_lk=rec.ma_lk if rec else "",
        field="",
        value=chk.code,
        message_vi=f"Không chạy được kiểm tra {chk.code} ({type(exc).__name__}).",
        message_en=f"Check {chk.code} could not run ({type(exc).__name__}).",
        hint="Báo cho bộ phận kỹ thuật. / Report to the technical team.",
        legal_ref="",
    )


def run(
    claims: Iterable[Claim],
    catalogue: CatalogueLookup | None = None,
    *,
    cards: CardLookup | None = None,
    code_lists: CodeListLookup | None = None,
    as_of: date | None = None,
    enabled: Collection[str] | Callable[[str], bool] | None = None,
    severity_overrides: Mapping[str, Severity | str] | None = None,
    checks: Sequence[Check] = CHECKS,
) -> list[Finding]:
    """Run the checks over the claims and return every finding (claim checks first, then batch checks).

    A check applies to a claim when `as_of` (or else the claim's discharge date, else its admission date) lies
    within the check's validity. `enabled` limits the checks by code (a set or a predicate); `severity_overrides`
    replaces a check's severity ("blocking"/"warning"; per-facility settings are stored elsewhere and passed in).
    """
    batch = list(claims)
    ctx = Context(catalogue=catalogue, cards=cards, code_lists=code_lists)
    if enabled is None:
        selected = list(checks)
    elif callable(enabled):
        selected = [c for c in checks if enabled(c.code)]
    else:
        allowed = frozenset(enabled)
        selected = [c for c in checks if c.code in allowed]
    # Checks whose reference data was not given cannot find anything: leave them out up front.
    missing = {name for name, value in (("catalogue", catalogue), ("cards", cards), ("code_lists", code_lists))
               if value is None}
    selected = [c for c in selected if c.needs not in missing]
    overrides = {code: Severity(sev) for code, sev in (severity_overrides or {}).items()}
    claim_checks = [c for c in selected if c.scope == "claim"]
    batch_checks = [c for c in selected if c.scope == "batch"]
    by_day: dict[date | None, list[Check]] = {}
    out: list[Finding] = []
    append = out.append
    for claim in batch:
        day = as_of or claim.reference_date
        todo = by_day.get(day)
        if todo is None:
            todo = by_day[day] = [c for c in claim_checks if c.applies_on(day)]
        for chk in todo:
            try:
                hits = list(chk.func(claim, ctx))
            except Exception as exc:  # one bad record never sinks a batch
                append(_failed(chk, claim, exc))
                continue
            if hits:
                sev = overrides.get(chk.code, chk.severity)
                for hit in hits:
                    append(_finding(chk, hit, sev))
    for chk in batch_checks:
        members = [c for c in batch if chk.applies_on(as_of or c.reference_date)]
        try:
            hits = list(chk.func(members, ctx))
        except Exception as exc:
            append(_failed(chk, None, exc))
            continue
        sev = overrides.get(chk.code, chk.severity)
        for hit in hits:
            append(_finding(chk, hit, sev))
    return out
