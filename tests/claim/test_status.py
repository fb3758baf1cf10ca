from __future__ import annotations

import itertools

import pytest

from claims.claim.status import ALLOWED, FROZEN, TERMINAL, ClaimStatus, can_transition, check_transition
from claims.kit.errors import IllegalTransition

HAPPY_PATH = ["imported", "priced", "checked", "approved", "batched", "sending", "sent", "received", "assessed",
              "paid", "closed"]  # fmt: skip


def test_every_status_has_its_transitions_listed():
    assert set(ALLOWED) == set(ClaimStatus)
    for targets in ALLOWED.values():
        assert targets <= set(ClaimStatus)


def test_happy_path_is_allowed():
    for current, target in itertools.pairwise(HAPPY_PATH):
        assert check_transition(current, target) == ClaimStatus(target)


@pytest.mark.parametrize(
    ("current", "target"),
    [("imported", "sent"), ("closed", "priced"), ("superseded", "imported"), ("sent", "approved"),
     ("imported", "nonsense"), ("paid", "needs_fix")],
)  # fmt: skip
def test_illegal_transitions_raise_domain_error(current, target):
    with pytest.raises(IllegalTransition) as info:
        check_transition(current, target)
    assert info.value.code == "illegal_transition" and info.value.status == 409
    assert info.value.details["current"] == current


def test_terminal_and_frozen():
    assert TERMINAL == {ClaimStatus.closed, ClaimStatus.superseded}
    assert ClaimStatus.sent in FROZEN and ClaimStatus.priced not in FROZEN
    assert not can_transition("closed", "closed")


def test_needs_fix_and_rejection_paths():
    assert can_transition("checked", "needs_fix") and can_transition("needs_fix", "priced")
    assert can_transition("sent", "rejected") and can_transition("rejected", "needs_fix")
    assert can_transition("assessed", "superseded")
