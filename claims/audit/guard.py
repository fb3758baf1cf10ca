"""Refuse to commit a transaction that wrote domain rows without recording an audit event.

API sessions turn the guard on, so an endpoint that forgets ``audit.record`` fails loudly in tests
instead of silently leaving an unaudited change.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, UOWTransaction

from claims.audit.service import AUDITED_FLAG

# Tables whose rows are bookkeeping, not business changes.
EXEMPT_TABLES = frozenset({"audit_event", "outbox"})
_WRITES = "audit_guard_writes"


class UnauditedWrite(RuntimeError):
    """A transaction changed domain rows but recorded no audit event."""


def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    written: set[str] = session.info.setdefault(_WRITES, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        if (
            table
            and table not in EXEMPT_TABLES
            and (obj in session.new or obj in session.deleted or session.is_modified(obj))
        ):
            written.add(table)


def _before_commit(session: Session) -> None:
    session.flush()
    written = session.info.get(_WRITES) or set()
    if written and not session.info.get(AUDITED_FLAG):
        raise UnauditedWrite(f"transaction wrote {sorted(written)} without an audit event")


def _reset(session: Session, *_args: Any) -> None:
    session.info.pop(_WRITES, None)
    session.info.pop(AUDITED_FLAG, None)


def require_audit(session: Session) -> Session:
    """Turn the guard on for ``session``."""
    event.listen(session, "after_flush", _after_flush)
    event.listen(session, "before_commit", _before_commit)
    event.listen(session, "after_commit", _reset)
    event.listen(session, "after_rollback", _reset)
    return session
