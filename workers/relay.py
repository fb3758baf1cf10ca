"""The outbox relay: hands committed outbox rows to the broker, each exactly once.

Safe to run twice or concurrently: on PostgreSQL candidate rows are locked with
``SELECT ... FOR UPDATE SKIP LOCKED`` so concurrent relays take disjoint rows; on SQLite the relay
transaction begins IMMEDIATE (one writer at a time). In both, a row is marked relayed in the same
transaction that sends it, and the dramatiq message id is derived from the row id so a consumer
can recognise a redelivery after a crash between send and commit.
"""

from __future__ import annotations

import threading
from typing import Any

import dramatiq
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

import workers.actors  # noqa: F401 - the relay must know every actor to route its messages
from claims.kit.db import begin_write
from claims.kit.types import utcnow
from claims.logging import get_logger
from claims.submission.models import OutboxMessage
from workers.broker import queue_of

log = get_logger(__name__)
MAX_ATTEMPTS = 20


def message_id(row_id: int) -> str:
    return f"outbox-{row_id}"


def _send(broker: dramatiq.Broker, row: OutboxMessage) -> None:
    message: dramatiq.Message[Any] = dramatiq.Message(
        queue_name=queue_of(broker, row.topic),
        actor_name=row.topic,
        args=(),
        kwargs=dict(row.payload),
        options={},
        message_id=message_id(row.id),
    )
    broker.enqueue(message)


def relay_once(factory: sessionmaker[Session], broker: dramatiq.Broker, batch_size: int = 100) -> int:
    """Relay up to ``batch_size`` pending rows; returns how many were sent."""
    sent = 0
    with factory() as session:
        begin_write(session)
        stmt = (
            select(OutboxMessage)
            .where(OutboxMessage.relayed_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS)
            .order_by(OutboxMessage.id)
            .limit(batch_size)
            .with_for_update(skip_locked=True)  # PostgreSQL; SQLite ignores it (BEGIN IMMEDIATE instead)
        )
        for row in session.scalars(stmt).all():
            # Claim the row: only one relay can turn relayed_at from NULL to a time.
            claimed = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id, OutboxMessage.relayed_at.is_(None))
                .values(relayed_at=utcnow(), attempts=OutboxMessage.attempts + 1)
                .execution_options(synchronize_session=False)
            )
            if getattr(claimed, "rowcount", 0) != 1:
                continue
            try:
                _send(broker, row)
            except Exception as exc:  # keep the row for a later attempt, go on with the others
                session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == row.id)
                    .values(relayed_at=None, last_error=f"{type(exc).__name__}: {exc}"[:1000])
                    .execution_options(synchronize_session=False)
                )
                log.warning("outbox_send_failed", outbox_id=row.id, topic=row.topic, error=type(exc).__name__)
                continue
            sent += 1
        session.commit()
    if sent:
        log.info("outbox_relayed", count=sent)
    return sent


def relay_all(factory: sessionmaker[Session], broker: dramatiq.Broker, batch_size: int = 100) -> int:
    """Relay until nothing is pending."""
    total = 0
    while (n := relay_once(factory, broker, batch_size)) > 0:
        total += n
    return total


class RelayLoop(threading.Thread):
    """Background relay: runs every ``interval`` seconds and as soon as ``wake()`` is called
    (after a transaction that enqueued messages commits)."""

    def __init__(self, factory: sessionmaker[Session], broker: dramatiq.Broker, interval: float = 1.0) -> None:
        super().__init__(name="outbox-relay", daemon=True)
        self.factory, self.broker, self.interval = factory, broker, interval
        self._wake = threading.Event()
        self._stopping = threading.Event()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._wake.set()
        self.join(timeout)

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                relay_all(self.factory, self.broker)
            except Exception as exc:  # the database may be briefly unavailable; try again later
                log.warning("outbox_relay_error", error=type(exc).__name__)
            self._wake.wait(self.interval)
            self._wake.clear()
