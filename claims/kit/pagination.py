"""Keyset-free, simple offset pagination for list endpoints (limits are bounded)."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")
MAX_LIMIT = 500


class PageParams(BaseModel):
    """Requested page: ``offset`` rows skipped, at most ``limit`` rows returned."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    offset: int = 0
    limit: int = 50


def page_params(offset: int = Query(0, ge=0, le=10_000_000), limit: int = Query(50, ge=1, le=MAX_LIMIT)) -> PageParams:
    """FastAPI dependency reading ``?offset=&limit=``."""
    return PageParams(offset=offset, limit=limit)


class Page(BaseModel, Generic[T]):
    """A page of results with the total count."""

    items: list[T]
    total: int
    offset: int
    limit: int


def paginate(session: Session, stmt: Select[Any], params: PageParams) -> tuple[list[Any], int]:
    """Run ``stmt`` for one page and count all matching rows."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(session.scalars(stmt.offset(params.offset).limit(params.limit)))
    return rows, int(total)
