"""Work-queue queries: keyset pages cover every claim once in both directions, filters and counts agree,
the filter lists come from the facility's own claims."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from claims.auth.models import Role
from claims.auth.scope import Principal
from claims.claim.models import Claim
from claims.review.models import Finding
from claims.web import queries
from claims.web.diff import diff_snapshots
from tests import factories

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _claims(session, facility_id: int, n: int, prefix: str) -> list[Claim]:
    made = []
    for i in range(n):
        status = ("priced", "needs_fix", "approved")[i % 3]
        c = Claim(facility_id=facility_id, ma_lk=f"{prefix}{i:03d}", period=f"20261{i % 2}", status=status,
                  ma_khoa=f"K0{i % 4}", ma_doituong_kcb=("1.1", "1.4")[i % 2], created_at=NOW - timedelta(days=i * 3),
                  t_tongchi_bv=Decimal(1000 + i), xml1={"ho_ten": f"BN {i}"})  # fmt: skip
        session.add(c)
        made.append(c)
    session.flush()
    return made


def test_keyset_pages_forward_and_back(session) -> None:
    fa, fb = factories.facility(session, "01001"), factories.facility(session, "79002")
    mine = _claims(session, fa.id, 23, "A")
    _claims(session, fb.id, 9, "B")
    session.add(Finding(claim_id=mine[1].id, facility_id=fa.id, code="pham_vi", severity="error", message="x"))
    session.commit()
    who = Principal(1, "clerk", Role.billing, fa.id)
    f = queries.QueueFilters()
    seen, after, pages = [], None, []
    while True:
        page = queries.queue_page(session, who, f, NOW, after=after, limit=5)
        pages.append(page)
        seen += [r.id for r in page.rows]
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == sorted((c.id for c in mine), reverse=True) and len(pages) == 5
    # Walking back from the last page gives the same pages.
    back = queries.queue_page(session, who, f, NOW, before=pages[-1].rows[0].id, limit=5)
    assert [r.id for r in back.rows] == [r.id for r in pages[-2].rows]
    assert back.prev_before is not None and back.next_after == pages[-2].next_after
    first = queries.queue_page(session, who, f, NOW, before=pages[1].rows[0].id, limit=5)
    assert [r.id for r in first.rows] == [r.id for r in pages[0].rows] and first.prev_before is None
    # Filters and counts agree; B's claims never appear.
    counts = queries.status_counts(session, who, f, NOW)
    assert counts == {"priced": 8, "needs_fix": 8, "approved": 7}
    dept = queries.QueueFilters(department="K01", status="needs_fix")
    rows = queries.queue_page(session, who, dept, NOW).rows
    assert rows and all(r.ma_khoa == "K01" and r.status == "needs_fix" for r in rows)
    assert [r.id for r in queries.queue_page(session, who, queries.QueueFilters(finding="pham_vi"), NOW).rows] == [
        mine[1].id
    ]
    assert queries.queue_page(session, who, queries.QueueFilters(finding="pham_vi"), NOW).rows[0].blocking == 1
    aged = queries.queue_page(session, who, queries.QueueFilters(age="8-30"), NOW).rows
    assert {r.ma_lk for r in aged} == {f"A{i:03d}" for i in range(3, 11)}  # created 9 to 30 days ago
    board = queries.dashboard(session, who, fa.id, NOW)
    assert dict(board.backlog)["8-30"] == len(aged) and board.total == 23 and board.findings == [("pham_vi", 1)]
    assert queries.distinct_values(session, who, Claim.ma_khoa, None) == ["K00", "K01", "K02", "K03"]
    assert queries.distinct_values(session, who, Claim.period, fa.id) == ["202610", "202611"]
    assert queries.distinct_values(session, who, Claim.period, fb.id) == []  # not A's to list
    other = Principal(2, "clerk-b", Role.billing, fb.id)
    assert queries.distinct_values(session, other, Claim.ma_doituong_kcb, None) == ["1.1", "1.4"]  # B's own
    assert queries.distinct_values(session, other, Claim.ma_doituong_kcb, fa.id) == []
    assert all(r.ma_lk.startswith("B") for r in queries.queue_page(session, other, f, NOW).rows)


def test_snapshot_difference() -> None:
    left = {"claim": {"id": 1, "status": "batched", "t_bhtt": "10.00", "xml1": {"can_nang": "13"}},
            "lines": [{"id": 5, "table_name": "XML3", "stt": 1, "t_bhtt": "10.00", "trace": [1]}]}  # fmt: skip
    right = {"claim": {"id": 2, "status": "priced", "t_bhtt": "12.00", "xml1": {"can_nang": "14"}},
             "lines": [{"id": 9, "table_name": "XML3", "stt": 1, "t_bhtt": "12.00", "trace": [2]},
                       {"id": 10, "table_name": "XML2", "stt": 1, "t_bhtt": "1.00"}]}  # fmt: skip
    changes = {(c.where, c.field): (c.before, c.after) for c in diff_snapshots(left, right)}
    assert changes == {
        ("XML1", "status"): ("batched", "priced"),
        ("XML1", "t_bhtt"): ("10.00", "12.00"),
        ("XML1", "xml1.can_nang"): ("13", "14"),
        ("XML2 #1", "(line)"): (None, "added"),
        ("XML3 #1", "t_bhtt"): ("10.00", "12.00"),
    }
    assert diff_snapshots(left, left) == []
