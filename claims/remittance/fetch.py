"""Fetching the office's answers by API: assessment results and payment notices of a facility and period,
stored as imports (so reconciliation sees them exactly as if a file had been imported), then reconciled
so that the claims move along the status machine (sent → received → assessed | rejected → paid).

Idempotent: the same answers fetched again have the same bytes, which the import recognises by hash and
skips; a fetch that brings more or corrected answers supersedes the earlier fetch of that period (same
``name``), keeping it. Never commits (the actor or the CLI owns the transaction).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session

from claims.auth.scope import Principal
from claims.catalogue.models import Facility
from claims.kit.errors import NotFound
from claims.portal.schemas import FacilityAccount
from claims.remittance import service
from claims.remittance.imports import ImportOutcome


class AnswersGateway(Protocol):
    """What fetching needs of the office gateway (:class:`claims.portal.sync.SyncGateway` has it)."""

    def fetch_results(self, account: FacilityAccount, period: str | None = None) -> bytes: ...

    def fetch_notices(self, account: FacilityAccount, period: str | None = None) -> bytes: ...


@dataclass
class FetchOutcome:
    facility_code: str
    period: str  # yyyy-MM
    results: int = 0  # results in the office's answer
    notices: int = 0
    results_import: ImportOutcome | None = None  # None: nothing to import
    notices_import: ImportOutcome | None = None
    reconciled: dict[str, Any] = field(default_factory=dict)

    @property
    def new_answers(self) -> bool:
        return any(o is not None and not o.duplicate for o in (self.results_import, self.notices_import))


def _count(data: bytes, key: str) -> int:
    try:
        payload = json.loads(data)
    except ValueError:
        return 0
    items = payload.get(key) if isinstance(payload, dict) else None
    return len(items) if isinstance(items, list) else 0


def dashed(period: str) -> str:
    """``yyyymm`` or ``yyyy-mm`` → ``yyyy-mm`` (the office's ``kyQT``)."""
    digits = period.replace("-", "")
    if len(digits) != 6 or not digits.isdigit():
        raise ValueError(f"period must be yyyy-mm, got {period!r}")
    return f"{digits[:4]}-{digits[4:]}"


def fetch_answers(
    session: Session,
    actor: Principal,
    facility_id: int,
    period: str,
    gateway: AnswersGateway,
    account: FacilityAccount,
    *,
    reconcile: bool = True,
) -> FetchOutcome:
    """Fetch, store and (by default) reconcile the office's results and notices of one facility and period."""
    actor.ensure_visible(facility_id, "facility")
    facility = session.get(Facility, facility_id)
    if facility is None:
        raise NotFound("facility not found", facility_id=facility_id)
    kyqt = dashed(period)
    outcome = FetchOutcome(facility.ma_cskcb, kyqt)
    results = gateway.fetch_results(account, kyqt)
    outcome.results = _count(results, "results")
    if outcome.results:
        outcome.results_import = service.import_file(
            session, actor, "assessment", f"api:ket_qua_{facility.ma_cskcb}_{kyqt}.json", results, source="api"
        )
    notices = gateway.fetch_notices(account, kyqt)
    outcome.notices = _count(notices, "notices")
    if outcome.notices:
        outcome.notices_import = service.import_file(
            session, actor, "notice", f"api:thong_bao_{facility.ma_cskcb}_{kyqt}.json", notices, source="api"
        )
    if reconcile and (outcome.results or outcome.notices):
        outcome.reconciled = service.reconcile(session, actor, facility_id, kyqt.replace("-", ""))
    return outcome
