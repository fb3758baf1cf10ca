"""The transactional outbox: jobs that must not be lost are rows written in the caller's
transaction; the relay (workers.relay) hands them to the broker after commit.

``actor`` is the dramatiq actor name that will run the job; ``payload`` its keyword arguments
(ids, not data — actors reload state). ``dedupe_key`` makes enqueueing idempotent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from claims.submission.models import OutboxMessage

# Called (without arguments) after a transaction that enqueued messages commits, e.g. to wake the
# relay thread. Registered by the process's composition root (workers), never by claims itself.
_after_commit_hooks: list[Callable[[], None]] = []
_PENDING = "outbox_pending"
_HOOKED = "outbox_hooked"


def on_commit(hook: Callable[[], None]) -> None:
    """Register ``hook`` to run after any transaction that enqueued outbox messages commits."""
    if hook not in _after_commit_hooks:
        _after_commit_hooks.append(hook)


def remove_hook(hook: Callable[[], None]) -> None:
    if hook in _after_commit_hooks:
        _after_commit_hooks.remove(hook)


def _fire(session: Session) -> None:
    # after_commit also fires when a SAVEPOINT is released; only the outermost commit counts.
    if session.in_nested_transaction():
        return
    if session.info.pop(_PENDING, False):
        for hook in list(_after_commit_hooks):
            hook()


def _forget(session: Session, *_args: Any) -> None:
    if session.in_nested_transaction():
        return  # a savepoint rolled back; the outer transaction may still commit earlier messages
    session.info.pop(_PENDING, None)


def enqueue(
    session: Session, actor: str, payload: dict[str, Any], dedupe_key: str, *, requested_by: str = "system"
) -> OutboxMessage:
    """Add a job to the outbox in the caller's transaction (never commits). Enqueueing the same
    ``dedupe_key`` again returns the existing row instead of adding a second one."""
    existing = session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))
    if existing is not None:
        return existing
    msg = OutboxMessage(topic=actor, requested_by=requested_by, payload=payload, dedupe_key=dedupe_key)
    try:
        with session.begin_nested():
            session.add(msg)
    except IntegrityError:
        # A concurrent transaction enqueued the same key first.
        found = session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))
        if found is None:
            raise
        return found
    session.info[_PENDING] = True
    if not session.info.get(_HOOKED):
        session.info[_HOOKED] = True
        event.listen(session, "after_commit", _fire)
        event.listen(session, "after_rollback", _forget)
    return msg
