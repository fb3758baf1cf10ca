"""`claims serve` without Redis: the app runs the outbox relay and a worker thread in-process."""

from __future__ import annotations

import threading
import time

from fastapi.testclient import TestClient

from claims.settings import Settings
from claims.submission import outbox
from workers.broker import actor

done = threading.Event()
seen: list[str] = []


@actor(queue_name="embedded-test", max_retries=0)
def remember(note: str) -> None:
    seen.append(note)
    done.set()


def test_job_committed_in_a_request_transaction_runs_in_process(db_url):
    from workers.embedded import create_app

    app = create_app(Settings(database_url=db_url, relay_interval_seconds=30))
    seen.clear()
    done.clear()
    with TestClient(app) as client:
        assert client.get("/health").json()["broker_kind"] == "in-process"
        with app.state.session_factory() as s:
            outbox.enqueue(s, "remember", {"note": "hello"}, dedupe_key="embedded-1")
            s.commit()  # the after-commit hook wakes the relay long before its 30 s poll
        start = time.monotonic()
        assert done.wait(15)
        assert time.monotonic() - start < 10
    assert seen == ["hello"]
