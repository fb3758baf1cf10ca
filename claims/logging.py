"""Structured logging: JSON lines in production, readable console output in development.

A processor masks personal fields (names, card and ID numbers, phone, address, birth date)
before anything is rendered, so no log line carries a personal identifier.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

# Keys (lower-cased) whose values are personal data. XML field names and our own names both.
PERSONAL_KEYS = frozenset(
    {
        "ho_ten",
        "name",
        "full_name",
        "patient_name",
        "ten_benh_nhan",
        "so_cccd",
        "cccd",
        "id_number",
        "national_id",
        "ma_the_bhyt",
        "card",
        "card_number",
        "insurance_card",
        "dien_thoai",
        "phone",
        "dia_chi",
        "address",
        "ngay_sinh",
        "birth_date",
        "dob",
        "password",
        "token",
        "access_token",
        "secret",
        "secret_key",
    }
)
# Card numbers: 2 letters + benefit digit + 12 digits; CCCD: 12 digits.
_CARD_RE = re.compile(r"\b[A-Z]{2}\d{13}\b")
_CCCD_RE = re.compile(r"\b\d{12}\b")
MASK = "***"


def _mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return _CCCD_RE.sub(MASK, _CARD_RE.sub(MASK, value))
    if isinstance(value, dict):
        return mask_personal(dict(value))
    if isinstance(value, list | tuple):
        return [_mask_value(v) for v in value]
    return value


def mask_personal(event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Replace personal fields by ``***`` and scrub card/ID numbers out of free text."""
    for key in list(event):
        if key.lower() in PERSONAL_KEYS:
            event[key] = MASK
        else:
            event[key] = _mask_value(event[key])
    return event


def _mask_processor(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    return mask_personal(event)


def configure_logging(env: str = "dev", level: str = "INFO") -> None:
    """Configure structlog and the standard library root logger once per process."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _mask_processor,
    ]
    renderer: Any
    if env == "production":
        renderer = structlog.processors.JSONRenderer()
        shared.append(structlog.processors.format_exc_info)
    else:
        # Plain tracebacks: rich ones print local variables, which may hold patient data.
        renderer = structlog.dev.ConsoleRenderer(
            colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback
        )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        # Cached loggers ignore any later reconfiguration (structlog.testing.capture_logs included): only
        # production, which configures once, caches.
        cache_logger_on_first_use=env == "production",
    )
    handler = logging.StreamHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=shared,
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Alembic narrates every plugin and step at INFO; keep start-up output to what matters.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))


def get_logger(name: str | None = None) -> Any:
    """A structlog logger (use keyword fields, never personal data)."""
    return structlog.get_logger(name)
