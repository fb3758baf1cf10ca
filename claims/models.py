"""Imports every model module so ``Base.metadata`` is complete (Alembic, tests).

Domains adding tables add their module to MODEL_MODULES.
"""

from __future__ import annotations

import importlib

from sqlalchemy import MetaData

MODEL_MODULES = (
    "claims.catalogue.models",
    "claims.auth.models",
    "claims.audit.models",
    "claims.encounter.models",
    "claims.claim.models",
    "claims.review.models",
    "claims.submission.models",
    "claims.remittance.models",
    "claims.settlement.models",
)


def load_all() -> MetaData:
    """Import all model modules and return the shared metadata."""
    for name in MODEL_MODULES:
        importlib.import_module(name)
    from claims.kit.db import Base

    return Base.metadata
