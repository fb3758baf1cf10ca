"""The claim status machine: every status, every allowed transition, in one place.

    imported → priced → checked → approved → batched → sending → sent → received → assessed → paid → closed
    needs_fix: a check, the insurer or a reviewer found something to correct; fixing re-prices.
    rejected: the insurer refused the claim; it may be corrected (needs_fix) or closed.
    superseded: a newer version replaced this one (terminal).

Changing status goes through ``transition`` (claims.claim.service), which also writes the audit event.
"""

from __future__ import annotations

from enum import StrEnum

from claims.kit.errors import IllegalTransition


class ClaimStatus(StrEnum):
    imported = "imported"
    priced = "priced"
    checked = "checked"
    needs_fix = "needs_fix"
    approved = "approved"
    batched = "batched"
    sending = "sending"
    sent = "sent"
    received = "received"
    assessed = "assessed"
    rejected = "rejected"
    paid = "paid"
    closed = "closed"
    superseded = "superseded"


S = ClaimStatus

ALLOWED: dict[ClaimStatus, frozenset[ClaimStatus]] = {
    S.imported: frozenset({S.priced, S.needs_fix, S.superseded}),
    S.priced: frozenset({S.checked, S.needs_fix, S.priced, S.superseded}),
    S.checked: frozenset({S.approved, S.needs_fix, S.priced, S.superseded}),
    S.needs_fix: frozenset({S.priced, S.superseded, S.closed}),
    S.approved: frozenset({S.batched, S.needs_fix, S.priced}),
    S.batched: frozenset({S.sending, S.approved}),
    S.sending: frozenset({S.sent, S.batched, S.needs_fix}),  # back to batched: retry after a failed send
    S.sent: frozenset({S.received, S.rejected, S.sending}),
    S.received: frozenset({S.assessed, S.rejected}),
    S.assessed: frozenset({S.paid, S.needs_fix, S.superseded, S.closed}),
    S.rejected: frozenset({S.needs_fix, S.superseded, S.closed}),
    S.paid: frozenset({S.closed, S.superseded}),
    S.closed: frozenset(),
    S.superseded: frozenset(),
}

# Statuses after which the claim content is frozen: a change makes a new version.
FROZEN = frozenset({S.sending, S.sent, S.received, S.assessed, S.rejected, S.paid, S.closed, S.superseded})
TERMINAL = frozenset(s for s, nxt in ALLOWED.items() if not nxt)


def can_transition(current: str, target: str) -> bool:
    try:
        return ClaimStatus(target) in ALLOWED[ClaimStatus(current)]
    except ValueError:
        return False


def check_transition(current: str, target: str) -> ClaimStatus:
    """Return the target status, or raise IllegalTransition naming both ends."""
    if target not in ClaimStatus.__members__:
        raise IllegalTransition(f"unknown status {target!r}", current=current, target=target)
    if not can_transition(current, target):
        allowed = sorted(ALLOWED.get(ClaimStatus(current), frozenset())) if current in ClaimStatus.__members__ else []
        raise IllegalTransition(
            f"a claim in status {current!r} cannot move to {target!r}",
            current=current,
            target=target,
            allowed=allowed,
        )
    return ClaimStatus(target)
