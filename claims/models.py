"""Imports every model module so ``Base.metadata`` is complete (Alembic, tests).

Every ``claims/<domain>/models.py`` is found automatically; list here only model modules with
another name.
"""

from __future__ import annotations

import importlib

from sqlalchemy import MetaData

EXTRA_MODEL_MODULES: tuple[str, ...] = ()


def model_modules() -> list[str]:
    from claims.kit.discovery import domain_modules

    return [*domain_modules("models"), *EXTRA_MODEL_MODULES]


def load_all() -> MetaData:
    """Import all model modules and return the shared metadata."""
    for name in model_modules():
        importlib.import_module(name)
    from claims.kit.db import Base

    return Base.metadata
