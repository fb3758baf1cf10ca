"""Broker selection: RedisBroker when CLAIMS_REDIS_URL is set, otherwise an in-memory StubBroker
served by a worker thread inside `claims serve`.

Actors are declared with ``workers.broker.actor`` so they can be re-bound when the broker changes
(tests switch between StubBroker and Redis).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, overload

import dramatiq
from dramatiq.brokers.stub import StubBroker

F = TypeVar("F", bound=Callable[..., Any])

_actors: list[dramatiq.Actor[Any, Any]] = []
_current: dramatiq.Broker | None = None
DEFAULT_NAMESPACE = "claims"


class ConfigureLogging(dramatiq.Middleware):
    """Worker processes started by the dramatiq CLI log like the rest of the service (JSON in
    production, personal fields masked)."""

    def after_process_boot(self, broker: dramatiq.Broker) -> None:
        from claims.logging import configure_logging
        from claims.settings import get_settings

        settings = get_settings()
        configure_logging(settings.env, settings.log_level)


def setup_broker(redis_url: str | None, *, namespace: str = DEFAULT_NAMESPACE) -> dramatiq.Broker:
    """Create the broker, make it dramatiq's global broker and declare every known actor on it."""
    global _current
    broker: dramatiq.Broker
    if redis_url:
        from dramatiq.brokers.redis import RedisBroker

        broker = RedisBroker(url=redis_url, namespace=namespace)
        broker.add_middleware(ConfigureLogging())
    else:
        broker = StubBroker()
        broker.emit_after("process_boot")
    dramatiq.set_broker(broker)
    _current = broker
    for act in _actors:
        act.broker = broker
        broker.declare_actor(act)
    return broker


def get_broker() -> dramatiq.Broker:
    """The configured broker, set up from CLAIMS_REDIS_URL on first use."""
    if _current is None:
        from claims.settings import get_settings

        return setup_broker(get_settings().redis_url)
    return _current


def is_stub(broker: dramatiq.Broker) -> bool:
    return isinstance(broker, StubBroker)


@overload
def actor(fn: F) -> dramatiq.Actor[Any, Any]: ...
@overload
def actor(fn: None = None, **options: Any) -> Callable[[F], dramatiq.Actor[Any, Any]]: ...


def actor(fn: Any = None, **options: Any) -> Any:
    """Declare a dramatiq actor bound to the current broker (and re-bound by ``setup_broker``)."""

    def decorate(func: F) -> dramatiq.Actor[Any, Any]:
        act: dramatiq.Actor[Any, Any] = dramatiq.actor(broker=get_broker(), **options)(func)
        _actors.append(act)
        return act

    return decorate(fn) if fn is not None else decorate


def queue_of(broker: dramatiq.Broker, actor_name: str) -> str:
    """The queue an actor listens on (raises dramatiq.errors.ActorNotFound for unknown actors)."""
    return str(broker.get_actor(actor_name).queue_name)
