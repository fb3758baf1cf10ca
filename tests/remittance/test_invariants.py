"""Hypothesis: for any set of claims and any assessment and payment the office can produce (in its
documented shape, through its own renderers), claimed = approved + disallowed + not assessed and
approved = paid + outstanding, per line, per claim and per period, to the đồng."""

from __future__ import annotations

import itertools
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from claims.insurer.schemas import DisallowanceReason
from claims.remittance import service
from claims.remittance.figures import claim_figures, line_figures
from claims.settlement import service as settlement
from tests.remittance.helpers import ACTOR, ZERO, answer_for, as_csv, as_json, sent_month
from tests.remittance.helpers import settlement as settle

REASONS = [DisallowanceReason("PRICE_ABOVE_TARIFF", "giá"), DisallowanceReason("QUANTITY_ABOVE_LIMIT", "số lượng"),
           DisallowanceReason("OUT_OF_SCOPE", "ngoài phạm vi")]  # fmt: skip

# Per claim: assessed? with lines? rejected? settled? and for each line a share approved (0..100 %).
CODES = itertools.count(10001)
claim_plan = st.tuples(st.booleans(), st.booleans(), st.booleans(), st.booleans(),
                       st.lists(st.integers(0, 100), min_size=1, max_size=12))  # fmt: skip


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(plans=st.lists(claim_plan, min_size=1, max_size=8), csv_lines=st.booleans(), seed=st.integers(1, 50))
def test_every_dong_is_accounted_for(session_factory, plans, csv_lines, seed) -> None:
    with session_factory() as session:
        code = f"{next(CODES):05d}"  # one facility per example: the database lives across examples
        facility, claims = sent_month(session, len(plans) + 2, seed=seed, code=code)
        results, paid = [], []
        for claim, (assessed, with_lines, rejected, settled, shares) in zip(claims, plans, strict=False):
            if not assessed:
                continue

            def decide(c, line, shares=shares):
                share = shares[line.stt % len(shares)]
                approved = (line.t_bhtt * share / 100).quantize(Decimal("0.01"))
                return approved, (() if approved == line.t_bhtt else (REASONS[line.stt % 3],))

            reason = REASONS[2] if rejected else None
            result = answer_for(claim, decide, code=code, with_lines=with_lines, rejected=reason)
            results.append(result)
            if settled:
                paid.append(result)
        if results:
            service.import_file(session, ACTOR, "assessment", "kq.json", as_json(results))
        period = claims[0].period
        if paid:
            notice = settle("QT", f"{period[:4]}-{period[4:]}", paid, code=code)
            service.import_file(session, ACTOR, "notice", "tb.csv", as_csv([notice]))
        service.reconcile(session, ACTOR, facility.id, period)

        for row in session.execute(line_figures(facility.id, period)).mappings():
            assert row["claimed"] == row["approved"] + row["disallowed"] or row["assessed"] != "line"
        total = dict.fromkeys(("claimed", "approved", "disallowed", "not_assessed", "paid", "outstanding"), ZERO)
        for row in session.execute(claim_figures(facility.id, period)).mappings():
            assert row["claimed"] == row["approved"] + row["disallowed"] + row["not_assessed"]
            assert row["approved"] == row["paid"] + row["outstanding"]
            for key in total:
                total[key] += row[key]
        s = settlement.summary(session, ACTOR, facility.id, period)
        assert s.adds_up, s
        assert s.claimed == total["claimed"] == sum((c.t_bhtt for c in claims), ZERO)
        assert s.approved == sum((r.approved for r in results), ZERO)
        assert s.paid == sum((r.approved for r in paid), ZERO)
        assert s.claimed == s.paid + s.disallowed + s.outstanding + s.not_assessed
        session.rollback()


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(plans=st.lists(claim_plan, min_size=1, max_size=6), late_share=st.integers(0, 100), seed=st.integers(1, 50))
def test_after_close_live_approved_is_frozen_paid_outstanding_and_adjustments(
    session_factory, plans, late_share, seed
) -> None:
    """Close the month, then the office answers the claims it had not assessed and pays them: per claim and
    per period, live approved = frozen paid + frozen outstanding + adjustments (approved and paid)."""
    from claims.settlement.models import Adjustment, PeriodCloseClaim

    with session_factory() as session:
        code = f"{next(CODES):05d}"
        facility, claims = sent_month(session, len(plans) + 2, seed=seed, code=code)
        period = claims[0].period
        office = f"{period[:4]}-{period[4:]}"
        first = [answer_for(c, lambda c, line: (line.t_bhtt, ()), code=code)
                 for c, plan in zip(claims, plans, strict=False) if plan[0]]  # fmt: skip
        if first:
            service.import_file(session, ACTOR, "assessment", "kq.json", as_json(first))
        settlement.close_period(session, ACTOR, facility.id, period)
        frozen = settlement.summary(session, ACTOR, facility.id, period)
        late_claims = [c for c in claims if c.ma_lk not in {r.ma_lk for r in first}]

        def late_decide(c, line):
            return (line.t_bhtt * late_share / 100).quantize(Decimal("0.01")), (REASONS[0],)

        late = [answer_for(c, late_decide, code=code) for c in late_claims]
        if late:
            service.import_file(session, ACTOR, "assessment", "kq_late.json", as_json(late))
            notice = settle("QT-L", office, late, code=code)
            service.import_file(session, ACTOR, "notice", "tb_late.csv", as_csv([notice]))
        service.reconcile(session, ACTOR, facility.id, period)
        after = settlement.summary(session, ACTOR, facility.id, period)
        assert (after.claimed, after.approved, after.paid) == (frozen.claimed, frozen.approved, frozen.paid)
        live = settlement.live_totals(session, facility.id, period)
        assert live["approved"] == after.paid + after.outstanding + after.adjustments_out
        assert live["paid"] == after.paid + after.adjustments_paid_out
        booked = session.scalars(select(Adjustment).where(Adjustment.facility_id == facility.id))
        adjustments = {a.ma_lk: a for a in booked}
        closed_rows = {r.ma_lk: r for r in session.scalars(
            select(PeriodCloseClaim).where(PeriodCloseClaim.facility_id == facility.id))}  # fmt: skip
        for row in session.execute(claim_figures(facility.id, period)).mappings():
            adj = adjustments.get(row["ma_lk"])
            frozen_row = closed_rows[row["ma_lk"]]
            assert row["approved"] == frozen_row.approved + (adj.approved if adj else ZERO)
            assert row["paid"] == frozen_row.paid + (adj.paid if adj else ZERO)
        nxt = settlement.summary(session, ACTOR, facility.id, settlement.next_month(period))
        assert nxt.adjustments_in == sum((r.approved for r in late), ZERO)
        session.rollback()
