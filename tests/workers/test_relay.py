"""The outbox relay sends each committed message exactly once, even run twice or concurrently,
on every database backend and every broker backend."""

from __future__ import annotations

import threading

import dramatiq
from sqlalchemy import func, select

from claims.submission import outbox
from claims.submission.models import OutboxMessage
from workers.broker import actor
from workers.relay import MAX_ATTEMPTS, relay_all, relay_once

received: list[int] = []
_lock = threading.Lock()


@actor(queue_name="relay-test", max_retries=0)
def record(n: int) -> None:
    with _lock:
        received.append(n)


def _enqueue(factory, count: int, start: int = 0) -> None:
    with factory() as s:
        for n in range(start, start + count):
            outbox.enqueue(s, "record", {"n": n}, dedupe_key=f"test:{n}")
        s.commit()


def _drain(broker) -> list[int]:
    """Run a worker until the queue is empty and return what the actor received."""
    received.clear()
    worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=100)
    worker.start()
    try:
        broker.join("relay-test", timeout=30_000)
        worker.join()
    finally:
        worker.stop()
    return sorted(received)


def test_relay_twice_sends_once(session_factory, broker):
    _enqueue(session_factory, 25)
    assert relay_once(session_factory, broker) == 25
    assert relay_once(session_factory, broker) == 0
    assert relay_all(session_factory, broker) == 0
    assert _drain(broker) == list(range(25))
    with session_factory() as s:
        assert s.scalar(select(func.count()).where(OutboxMessage.relayed_at.is_(None))) == 0
        assert set(s.scalars(select(OutboxMessage.attempts))) == {1}


def test_concurrent_relays_send_each_message_once(session_factory, broker):
    _enqueue(session_factory, 120)
    counts: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            counts.append(relay_all(session_factory, broker, batch_size=7))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sum(counts) == 120
    assert _drain(broker) == list(range(120))


def test_rolled_back_enqueue_is_never_sent(session_factory, broker):
    with session_factory() as s:
        outbox.enqueue(s, "record", {"n": 1}, dedupe_key="rolled-back")
        s.rollback()
    assert relay_all(session_factory, broker) == 0


def test_dedupe_key_makes_enqueue_idempotent(session_factory):
    with session_factory() as s:
        first = outbox.enqueue(s, "record", {"n": 1}, dedupe_key="same")
        second = outbox.enqueue(s, "record", {"n": 1}, dedupe_key="same")
        s.commit()
        assert first is second
    _enqueue(session_factory, 0)
    with session_factory() as s:
        outbox.enqueue(s, "record", {"n": 1}, dedupe_key="same")
        s.commit()
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_failed_send_stays_pending_and_is_retried(session_factory, broker):
    with session_factory() as s:
        outbox.enqueue(s, "no-such-actor", {}, dedupe_key="bad")
        s.commit()
    _enqueue(session_factory, 3)
    assert relay_all(session_factory, broker) == 3
    with session_factory() as s:
        bad = s.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key == "bad")).one()
        assert bad.relayed_at is None and bad.attempts >= 1 and "ActorNotFound" in (bad.last_error or "")
        tried = bad.attempts
    assert relay_once(session_factory, broker) == 0
    with session_factory() as s:
        bad = s.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key == "bad")).one()
        assert bad.attempts == tried + 1  # retried on the next run
        bad.attempts = MAX_ATTEMPTS
        s.commit()
    assert relay_once(session_factory, broker) == 0
    with session_factory() as s:
        assert s.scalars(select(OutboxMessage.attempts).where(OutboxMessage.dedupe_key == "bad")).one() == MAX_ATTEMPTS


def test_after_commit_hook_fires_only_on_commit(session_factory):
    calls: list[int] = []
    hook = lambda: calls.append(1)  # noqa: E731
    outbox.on_commit(hook)
    try:
        with session_factory() as s:
            outbox.enqueue(s, "record", {"n": 1}, dedupe_key="h1")
            s.rollback()
        assert calls == []
        with session_factory() as s:
            outbox.enqueue(s, "record", {"n": 2}, dedupe_key="h2")
            s.commit()
        assert calls == [1]
    finally:
        outbox.remove_hook(hook)


def test_relay_loop_wakes_on_commit_and_stops_cleanly(session_factory, broker):
    from workers.relay import RelayLoop

    loop = RelayLoop(session_factory, broker, interval=60)
    outbox.on_commit(loop.wake)
    loop.start()
    try:
        _enqueue(session_factory, 3)
        for _ in range(100):
            with session_factory() as s:
                if s.scalar(select(func.count()).where(OutboxMessage.relayed_at.is_(None))) == 0:
                    break
            threading.Event().wait(0.05)
    finally:
        outbox.remove_hook(loop.wake)
        loop.stop()
    assert not loop.is_alive()
    assert _drain(broker) == [0, 1, 2]


def test_hook_waits_for_the_outer_commit_not_a_savepoint(session_factory):
    """after_commit also fires when a SAVEPOINT is released; the relay must not be woken before
    the rows are visible to other connections."""
    seen_by_hook: list[int] = []

    def hook() -> None:
        with session_factory() as other:
            seen_by_hook.append(other.scalar(select(func.count()).select_from(OutboxMessage)) or 0)

    outbox.on_commit(hook)
    try:
        with session_factory() as s:
            outbox.enqueue(s, "record", {"n": 1}, dedupe_key="sp1")
            with s.begin_nested():
                outbox.enqueue(s, "record", {"n": 2}, dedupe_key="sp2")
            assert seen_by_hook == []
            s.commit()
    finally:
        outbox.remove_hook(hook)
    assert seen_by_hook == [2]
