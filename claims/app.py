"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractContextManager, ExitStack, asynccontextmanager

from fastapi import FastAPI

from claims import __version__
from claims.settings import Settings, get_settings

# Domain routers, in the order they appear in the OpenAPI document. Other domains append theirs.
ROUTERS = (
    "claims.api.health:router",
    "claims.auth.endpoints:router",
    "claims.catalogue.facility_endpoints:router",
    "claims.encounter.endpoints:router",
    "claims.claim.endpoints:router",
    "claims.audit.endpoints:router",
    "claims.web.pages:router",
    "claims.remittance.endpoints:router",
    "claims.settlement.endpoints:router",
)


def _load(spec: str) -> object:
    import importlib

    module, attr = spec.split(":")
    return getattr(importlib.import_module(module), attr)


LifespanHook = Callable[[FastAPI], AbstractContextManager[None]]


def create_app(settings: Settings | None = None, lifespan_hooks: Sequence[LifespanHook] = ()) -> FastAPI:
    """Build the app: database engine and sessions, error rendering, metrics, routers.

    ``lifespan_hooks`` are context managers entered at start-up (the embedded worker and relay).
    """
    from claims.api import errors, metrics
    from claims.kit.db import make_engine, make_session_factory
    from claims.logging import configure_logging

    settings = settings or get_settings()
    configure_logging(settings.env, settings.log_level)
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with ExitStack() as stack:
            for hook in lifespan_hooks:
                stack.enter_context(hook(app))
            yield
        engine.dispose()

    app = FastAPI(
        lifespan=lifespan,
        title="bhyt-claims",
        version=__version__,
        description="Hospital encounters to BHYT claims: pricing, XML 130, submission, reconciliation.",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    errors.install(app)
    app.middleware("http")(metrics.middleware)
    for spec in ROUTERS:
        app.include_router(_load(spec))  # type: ignore[arg-type]

    return app
