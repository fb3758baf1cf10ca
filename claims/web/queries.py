"""Read queries of the pages, every one through the principal's facility scope.

The work queue is keyset-paginated on ``claim.id`` (newest first) so page 2,000 costs what page 1
costs; every filter is an indexed column (see the ``ix_claim_facility_*`` indexes) or an EXISTS on
``finding`` by code.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, select, text
from sqlalchemy.orm import Session

from claims.auth.scope import Principal
from claims.catalogue.models import Facility
from claims.claim.models import Claim
from claims.claim.status import TERMINAL, ClaimStatus
from claims.review.models import Finding
from claims.submission.models import Batch, BatchClaim, SubmissionLedger

PAGE_SIZE = 50
# Backlog age buckets in days since the claim was created: label → (from, to) inclusive, None = open.
AGE_BUCKETS: dict[str, tuple[int, int | None]] = {"0-7": (0, 7), "8-30": (8, 30), "31-90": (31, 90), "90+": (91, None)}
PIPELINE = (
    ClaimStatus.imported, ClaimStatus.priced, ClaimStatus.needs_fix, ClaimStatus.checked, ClaimStatus.approved,
    ClaimStatus.batched, ClaimStatus.sending, ClaimStatus.sent, ClaimStatus.received, ClaimStatus.assessed,
    ClaimStatus.rejected, ClaimStatus.paid, ClaimStatus.closed,
)  # fmt: skip
OPEN_STATUSES = tuple(s.value for s in ClaimStatus if s not in TERMINAL and s not in (ClaimStatus.paid,))


@dataclass(frozen=True)
class QueueFilters:
    period: str | None = None
    department: str | None = None
    status: str | None = None
    finding: str | None = None
    category: str | None = None
    facility_id: int | None = None
    age: str | None = None
    denied: bool = False  # the denial queue: refused by the office, or open findings from the insurer

    def query(self, **changes: Any) -> dict[str, str]:
        """The filters as query parameters (for links), with ``changes`` applied."""
        values = {**self.__dict__, **changes}
        return {k: ("1" if v is True else str(v)) for k, v in values.items() if v not in (None, "", False)}

    def without(self, name: str) -> QueueFilters:
        cleared: dict[str, Any] = {name: False if name == "denied" else None}
        return replace(self, **cleared)


def _filtered(stmt: Any, who: Principal, f: QueueFilters, now: datetime) -> Any:
    stmt = who.restrict(stmt, Claim.facility_id)
    if f.facility_id is not None:
        stmt = stmt.where(Claim.facility_id == f.facility_id)
    if f.status:
        stmt = stmt.where(Claim.status == f.status)
    if f.period:
        stmt = stmt.where(Claim.period == f.period)
    if f.department:
        stmt = stmt.where(Claim.ma_khoa == f.department)
    if f.category:
        stmt = stmt.where(Claim.ma_doituong_kcb == f.category)
    if f.finding:
        stmt = stmt.where(
            exists().where(Finding.claim_id == Claim.id, Finding.code == f.finding, Finding.resolved.is_(False))
        )
    if f.denied:
        flagged = select(Finding.claim_id).where(Finding.source == "insurer", Finding.resolved.is_(False))
        stmt = stmt.where((Claim.status == ClaimStatus.rejected) | Claim.id.in_(flagged))
    if f.age in AGE_BUCKETS:
        low, high = AGE_BUCKETS[f.age]
        stmt = stmt.where(Claim.created_at <= now - timedelta(days=low), Claim.status.in_(OPEN_STATUSES))
        if high is not None:
            stmt = stmt.where(Claim.created_at > now - timedelta(days=high + 1))
    return stmt


@dataclass(frozen=True)
class QueueRow:
    id: int
    facility_id: int
    ma_lk: str
    version: int
    status: str
    period: str
    ma_khoa: str | None
    ma_doituong_kcb: str | None
    patient: str
    t_tongchi_bv: Any
    t_bhtt: Any
    patient_pays: Any
    blocking: int


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    next_after: int | None
    prev_before: int | None


def queue_page(
    session: Session,
    who: Principal,
    f: QueueFilters,
    now: datetime,
    *,
    after: int | None = None,
    before: int | None = None,
    limit: int = PAGE_SIZE,
) -> QueuePage:
    """One page of the work queue, newest first; ``after``/``before`` are the keyset cursors (claim ids)."""
    columns = (
        Claim.id, Claim.facility_id, Claim.ma_lk, Claim.version, Claim.status, Claim.period, Claim.ma_khoa,
        Claim.ma_doituong_kcb, Claim.t_tongchi_bv, Claim.t_bhtt, Claim.t_bncct, Claim.t_bntt,
    )  # fmt: skip
    stmt = _filtered(select(*columns), who, f, now)
    if before is not None:
        stmt = stmt.where(Claim.id > before).order_by(Claim.id.asc())
    else:
        if after is not None:
            stmt = stmt.where(Claim.id < after)
        stmt = stmt.order_by(Claim.id.desc())
    rows = list(session.execute(stmt.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    if before is not None:
        rows.reverse()
    ids = [r.id for r in rows]
    names: dict[int, str] = {}
    blocking: dict[int, int] = {}
    if ids:
        names = {i: str((x or {}).get("ho_ten", "")) for i, x in session.execute(
            select(Claim.id, Claim.xml1).where(Claim.id.in_(ids)))}  # fmt: skip
        blocking = dict(
            session.execute(  # type: ignore[arg-type]
                select(Finding.claim_id, func.count())
                .where(Finding.claim_id.in_(ids), Finding.severity == "error", Finding.resolved.is_(False))
                .group_by(Finding.claim_id)
            ).all()
        )
    items = [
        QueueRow(r.id, r.facility_id, r.ma_lk, r.version, r.status, r.period, r.ma_khoa, r.ma_doituong_kcb,
                 names.get(r.id, ""), r.t_tongchi_bv, r.t_bhtt, (r.t_bncct or 0) + (r.t_bntt or 0),
                 blocking.get(r.id, 0))
        for r in rows
    ]  # fmt: skip
    if before is not None:
        next_after = items[-1].id if items else None
        prev_before = items[0].id if items and more else None
    else:
        next_after = items[-1].id if items and more else None
        prev_before = items[0].id if items and (after is not None) else None
    return QueuePage(items, next_after, prev_before)


def status_counts(session: Session, who: Principal, f: QueueFilters, now: datetime) -> dict[str, int]:
    """Claims per status under every filter but the status itself."""
    counted: Any = select(Claim.status, func.count())
    stmt = _filtered(counted, who, f.without("status"), now).group_by(Claim.status)
    return {status: int(n) for status, n in session.execute(stmt)}


def facilities_visible(session: Session, who: Principal) -> list[Facility]:
    return list(session.scalars(who.restrict(select(Facility).order_by(Facility.ma_cskcb), Facility.id)))


_LISTED_COLUMNS = frozenset({"ma_khoa", "ma_doituong_kcb", "period"})


def distinct_values(session: Session, who: Principal, column: Any, facility_id: int | None) -> list[str]:
    """Values of an indexed claim column (departments, categories, periods) for the filter lists.

    For one facility this is a loose index scan (a recursive query taking the next value from the
    ``(facility_id, column)`` index): a few dozen index probes instead of reading every claim.
    """
    name = column.key
    if name not in _LISTED_COLUMNS:
        raise ValueError(f"not a listed column: {name}")
    facility = facility_id if facility_id is not None else (None if who.sees_all_facilities else who.facility_id)
    if facility is None:  # every facility: the union of each one's values
        merged: set[str] = set()
        for fid in session.scalars(select(Facility.id).order_by(Facility.id).limit(1000)):
            merged.update(distinct_values(session, who, column, fid))
        return sorted(merged)[:500]
    if not who.can_see(facility):
        return []
    # The column name comes from the whitelist above, never from the request.
    sql = text(f"""
        WITH RECURSIVE listed(v) AS (
            SELECT min({name}) FROM claim WHERE facility_id = :f
            UNION ALL
            SELECT (SELECT min({name}) FROM claim WHERE facility_id = :f AND {name} > listed.v)
            FROM listed WHERE listed.v IS NOT NULL
        )
        SELECT v FROM listed WHERE v IS NOT NULL LIMIT 500
    """)  # noqa: S608
    return [str(v) for v in session.scalars(sql, {"f": facility}) if v != ""]


def finding_codes(session: Session, who: Principal, facility_id: int | None) -> list[str]:
    stmt = who.restrict(select(Finding.code).distinct(), Finding.facility_id).where(Finding.resolved.is_(False))
    if facility_id is not None:
        stmt = stmt.where(Finding.facility_id == facility_id)
    return sorted(session.scalars(stmt.limit(500)))


def claim_findings(session: Session, claim_id: int) -> list[Finding]:
    """Findings of a claim already loaded through the caller's scope (open first)."""
    return list(
        session.scalars(
            select(Finding).where(Finding.claim_id == claim_id).order_by(Finding.resolved, Finding.severity, Finding.id)
        )
    )


@dataclass(frozen=True)
class Dashboard:
    pipeline: list[tuple[str, int]]
    findings: list[tuple[str, int]]
    backlog: list[tuple[str, int]]
    total: int
    denied: int


def dashboard(session: Session, who: Principal, facility_id: int | None, now: datetime) -> Dashboard:
    base = QueueFilters(facility_id=facility_id)
    counts = status_counts(session, who, base, now)
    pipeline = [(s.value, counts.get(s.value, 0)) for s in PIPELINE]
    by_finding: Any = select(Finding.code, func.count(func.distinct(Finding.claim_id)))
    fstmt = who.restrict(by_finding, Finding.facility_id).where(Finding.resolved.is_(False))
    if facility_id is not None:
        fstmt = fstmt.where(Finding.facility_id == facility_id)
    by_code = [(str(c), int(n)) for c, n in session.execute(fstmt.group_by(Finding.code))]
    findings = sorted(by_code, key=lambda x: (-x[1], x[0]))
    backlog = backlog_by_age(session, who, facility_id, now)
    # Denials: rejected claims plus the others with an open insurer finding (a small table: cheap).
    insurer: Any = select(func.count(func.distinct(Finding.claim_id))).join(Claim, Claim.id == Finding.claim_id)
    insurer = _filtered(insurer, who, base, now).where(
        Finding.source == "insurer", Finding.resolved.is_(False), Claim.status != ClaimStatus.rejected
    )
    denied = counts.get(ClaimStatus.rejected.value, 0) + int(session.scalar(insurer) or 0)
    return Dashboard(pipeline, findings, backlog, sum(counts.values()), denied)


def backlog_by_age(session: Session, who: Principal, facility_id: int | None, now: datetime) -> list[tuple[str, int]]:
    """Open claims per age bucket, in one pass over the facility's claims."""
    whens = []
    for label, (low, _high) in reversed(AGE_BUCKETS.items()):
        whens.append((Claim.created_at <= now - timedelta(days=low), label))
    bucket = case(*whens, else_="future")
    stmt: Any = select(bucket, func.count()).where(Claim.status.in_(OPEN_STATUSES))
    stmt = who.restrict(stmt, Claim.facility_id)
    if facility_id is not None:
        stmt = stmt.where(Claim.facility_id == facility_id)
    found = {str(label): int(n) for label, n in session.execute(stmt.group_by(bucket))}
    return [(label, found.get(label, 0)) for label in AGE_BUCKETS]


def ledger_page(
    session: Session, who: Principal, facility_id: int | None, after: int | None, limit: int = PAGE_SIZE
) -> tuple[list[tuple[SubmissionLedger, str]], int | None]:
    joined: Any = select(SubmissionLedger, Claim.ma_lk).join(Claim, Claim.id == SubmissionLedger.claim_id)
    stmt = who.restrict(joined, SubmissionLedger.facility_id)
    if facility_id is not None:
        stmt = stmt.where(SubmissionLedger.facility_id == facility_id)
    if after is not None:
        stmt = stmt.where(SubmissionLedger.id < after)
    rows = [(row, ma_lk) for row, ma_lk in session.execute(stmt.order_by(SubmissionLedger.id.desc()).limit(limit + 1))]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1][0].id if more and rows else None)


def batches(session: Session, who: Principal, limit: int = 100) -> list[Batch]:
    stmt = who.restrict(select(Batch), Batch.facility_id).order_by(Batch.id.desc()).limit(limit)
    return list(session.scalars(stmt))


def batch(session: Session, who: Principal, batch_id: int) -> Batch | None:
    return session.scalar(who.restrict(select(Batch).where(Batch.id == batch_id), Batch.facility_id))


def batch_progress(session: Session, batch_id: int) -> dict[str, int]:
    """Claims of a batch (already checked visible) per status."""
    stmt = (
        select(Claim.status, func.count())
        .join(BatchClaim, and_(BatchClaim.claim_id == Claim.id, BatchClaim.batch_id == batch_id))
        .group_by(Claim.status)
    )
    return {status: int(n) for status, n in session.execute(stmt)}


def batch_claims(session: Session, batch_id: int, limit: int = 5000) -> list[Claim]:
    stmt = select(Claim).join(BatchClaim, BatchClaim.claim_id == Claim.id).where(BatchClaim.batch_id == batch_id)
    return list(session.scalars(stmt.order_by(Claim.id).limit(limit)))


def claims_by_id(session: Session, who: Principal, ids: list[int]) -> dict[int, Claim]:
    """Claims of the given ids the principal may see (for links and labels on list pages)."""
    if not ids:
        return {}
    stmt = who.restrict(select(Claim).where(Claim.id.in_(sorted(set(ids)))), Claim.facility_id)
    return {c.id: c for c in session.scalars(stmt)}
