"""Composition root of `claims serve`: the API plus, in the same process, the outbox relay and
(when no Redis is configured) a dramatiq worker thread on the in-memory StubBroker."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI

from claims.app import create_app as create_api
from claims.settings import Settings, get_settings


@contextmanager
def background(app: FastAPI) -> Iterator[None]:
    import dramatiq

    import workers.actors  # noqa: F401 - declares the actors
    from claims.submission import outbox
    from workers.broker import is_stub, setup_broker
    from workers.relay import RelayLoop

    settings: Settings = app.state.settings
    broker = setup_broker(settings.redis_url)
    worker = None
    if is_stub(broker):
        worker = dramatiq.Worker(broker, worker_threads=settings.worker_threads, worker_timeout=200)
        worker.start()
    relay = RelayLoop(app.state.session_factory, broker, settings.relay_interval_seconds)
    outbox.on_commit(relay.wake)
    relay.start()
    try:
        yield
    finally:
        outbox.remove_hook(relay.wake)
        relay.stop()
        if worker is not None:
            worker.stop()


def create_app(settings: Settings | None = None) -> FastAPI:
    """uvicorn factory used by `claims serve`."""
    return create_api(settings or get_settings(), lifespan_hooks=(background,))
