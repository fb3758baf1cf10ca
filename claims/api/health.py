"""Liveness with dependency checks: the database and the broker."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from claims.api import metrics

router = APIRouter(tags=["ops"])


def check_database(request: Request) -> str:
    try:
        with request.app.state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:
        return f"error: {type(exc).__name__}"


def check_broker(request: Request) -> str:
    """Redis answers PING when configured; otherwise the in-process broker is used."""
    url = request.app.state.settings.redis_url
    if not url:
        return "ok"
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
        return "ok"
    except Exception as exc:
        return f"error: {type(exc).__name__}"


@router.get("/health")
def health(request: Request) -> JSONResponse:
    checks: dict[str, Any] = {
        "database": check_database(request),
        "broker": check_broker(request),
        "broker_kind": "redis" if request.app.state.settings.redis_url else "in-process",
    }
    ok = checks["database"] == "ok" and checks["broker"] == "ok"
    return JSONResponse({"status": "ok" if ok else "error", **checks}, status_code=200 if ok else 503)


@router.get("/metrics", include_in_schema=True)
def prometheus() -> Any:
    return metrics.metrics_response()
