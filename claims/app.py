"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractContextManager, ExitStack, asynccontextmanager

from fastapi import APIRouter, FastAPI

from claims import __version__
from claims.settings import Settings, get_settings

# Routers not named ``claims/<domain>/endpoints.py:router`` (those are found automatically).
EXTRA_ROUTERS = (
    "claims.api.health:router",
    "claims.catalogue.facility_endpoints:router",
    "claims.web.pages:router",
)

# Whole ASGI apps mounted under a path: (path, "module:factory"), factory(settings, engine) -> app.
EXTRA_MOUNTS = (("/gateway", "claims.insurer.office:embedded_gateway"),)


def routers() -> list[APIRouter]:
    """Every router of the app: the extras, then each domain's ``endpoints.router`` (a domain whose
    endpoints module has no ``router`` — e.g. one that builds an app of its own — is skipped)."""
    import importlib

    from claims.kit.discovery import domain_modules

    found = [_load(spec) for spec in EXTRA_ROUTERS]
    for name in domain_modules("endpoints"):
        router = getattr(importlib.import_module(name), "router", None)
        if isinstance(router, APIRouter):
            found.append(router)
    return found


def _load(spec: str) -> APIRouter:
    import importlib

    module, attr = spec.split(":")
    router = getattr(importlib.import_module(module), attr)
    assert isinstance(router, APIRouter), spec
    return router


LifespanHook = Callable[[FastAPI], AbstractContextManager[None]]


def create_app(settings: Settings | None = None, lifespan_hooks: Sequence[LifespanHook] = ()) -> FastAPI:
    """Build the app: database engine and sessions, error rendering, metrics, routers.

    ``lifespan_hooks`` are context managers entered at start-up (the embedded worker and relay).
    """
    import importlib

    from claims.api import context, errors, metrics
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
    app.middleware("http")(context.middleware)
    for router in routers():
        app.include_router(router)
    for path, spec in EXTRA_MOUNTS:
        module, attr = spec.split(":")
        factory = getattr(importlib.import_module(module), attr)
        mounted = factory(settings, engine)
        app.mount(path, mounted)
        if hasattr(mounted.state, "gateway"):
            app.state.office_gateway = mounted.state.gateway  # the web's office pages read its store

    return app
