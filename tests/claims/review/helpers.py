"""Stored synthetic claims with chosen defects, for the review tests."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session

from claims.auth.scope import system_principal
from claims.catalogue.models import Facility
from claims.claim.models import Claim
from claims.claim.tables import store_claim
from claims.exchange.checks_input import hoso_of_tables
from claims.exchange.synthetic_checks import claim_tables

ACTOR = system_principal("test")
MONTH = date(2025, 3, 1)
PERIOD = "202503"
Tables = dict[str, list[dict[str, str]]]


def unknown_code(t: Tables) -> None:
    """XML3 STT 4 bills a code that is in no catalogue (CAT_CODE_UNKNOWN, a line finding)."""
    t["XML3"][3]["MA_DICH_VU"] = "99.9999.9999"


def wrong_days(t: Tables) -> None:
    """XML1 SO_NGAY_DTRI is 9 for a stay of at most 5 days (SO_NGAY_DTRI_MISMATCH, a claim finding)."""
    t["XML1"][0]["SO_NGAY_DTRI"] = "9"


def store(
    session: Session,
    facility: Facility,
    defects: list[Callable[[Tables], None] | None],
    *,
    departments: list[str] | None = None,
    status: str = "priced",
) -> list[Claim]:
    """One stored claim per entry of ``defects`` (None = a clean claim), status ``priced``."""
    rng = random.Random(7)
    out = []
    for i, defect in enumerate(defects):
        dept = departments[i] if departments else "K02"
        tables = claim_tables(i, rng, MONTH, facility=facility.ma_cskcb, department=dept)
        if defect is not None:
            defect(tables)
        claim = store_claim(session, ACTOR, facility.id, hoso_of_tables(tables))
        claim.status = status
        out.append(claim)
    session.flush()
    return out
