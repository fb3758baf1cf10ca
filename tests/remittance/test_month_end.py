"""A month end to end: claims sent → assessment with disallowed lines → a payment that pays part →
reconciliation → period close; every đồng of the claimed total is paid, disallowed (with a reason) or
outstanding, and a later answer for the closed month is booked as an adjustment to the next one."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from claims.audit.models import AuditEvent
from claims.claim.models import Claim
from claims.insurer.schemas import DisallowanceReason
from claims.remittance import service
from claims.remittance.models import AnswerLine, Denial, Variance
from claims.settlement import service as settlement
from claims.settlement.models import Adjustment
from tests.remittance.helpers import ACTOR, ZERO, advance, answer_for, as_csv, as_json, sent_month
from tests.remittance.helpers import settlement as settle

PRICE = DisallowanceReason("PRICE_ABOVE_TARIFF", "Đơn giá vượt giá BHYT", "TT 39/2024")
DRUG = DisallowanceReason("DRUG_NOT_IN_LIST", "Thuốc ngoài danh mục")
CARD = DisallowanceReason("CARD_INVALID", "Thẻ không hợp lệ")


def test_a_month_adds_up_to_the_dong(session) -> None:
    facility, claims = sent_month(session, 12)
    assert len(claims) >= 6
    period = claims[0].period
    office_period = f"{period[:4]}-{period[4:]}"
    first_line = {c.id: min(c.lines, key=lambda x: (x.table_name, x.stt)).id for c in claims}

    def decide(claim, line):
        if line.id == first_line[claim.id] and claim is claims[0]:
            return ZERO, (DRUG,)  # disallowed entirely by a named check
        if line.id == first_line[claim.id] and claim is claims[1]:
            approved = (line.t_bhtt / 2).quantize(Decimal("0.01"))
            return approved, (PRICE,)  # reduced to the tariff
        return line.t_bhtt, ()

    results = [answer_for(c, decide) for c in claims[:-2]]  # the last two: not assessed yet
    results[2] = answer_for(claims[2], decide, rejected=CARD, with_lines=False)
    data = as_json(results)
    first = service.import_file(session, ACTOR, "assessment", "ket_qua_01999.json", data)
    again = service.import_file(session, ACTOR, "assessment", "ket_qua_01999.json", data)
    assert not first.duplicate and again.duplicate and again.records == 0
    assert session.scalar(select(func.count()).select_from(AnswerLine)) == sum(len(r.lines) for r in results)

    paid_results = [r for r in results[:4] if r.approved > 0]
    notices = [advance("TU-1", office_period, Decimal("1000.00")),
               settle("QT-1", office_period, paid_results, advances=Decimal("1000.00"))]  # fmt: skip
    service.import_file(session, ACTOR, "notice", "thong_bao_01999.csv", as_csv(notices))
    counts = service.reconcile(session, ACTOR, facility.id, period)
    session.commit()
    assert counts["lines_unmatched"] == 0 and counts["answers_unmatched"] == 0
    # The answers moved the claims along the status machine, one audited transition each.
    statuses = {c.ma_lk: status for c in claims for status in [session.get(Claim, c.id).status]}
    paid_lk = {r.ma_lk for r in paid_results}
    assert statuses[claims[2].ma_lk] == "rejected"
    assert {statuses[lk] for lk in paid_lk} == {"paid"}
    assert {statuses[c.ma_lk] for c in claims[-2:]} == {"sent"}
    assert {statuses[r.ma_lk] for r in results if r.ma_lk not in paid_lk and r is not results[2]} <= {"assessed"}
    moved = session.scalars(
        select(AuditEvent.summary).where(AuditEvent.entity == "claim", AuditEvent.action == "status")
    ).all()
    assert sum(1 for m in moved if m.get("to") == "received") == len(results)

    s = settlement.summary(session, ACTOR, facility.id, period)
    claimed_total = sum((c.t_bhtt for c in claims), ZERO)
    assert s.claimed == claimed_total
    assert s.paid == sum((r.approved for r in paid_results), ZERO)
    assert s.received == s.paid  # advance + settlement = what was approved for the claims settled
    assert s.not_assessed == claims[-1].t_bhtt + claims[-2].t_bhtt
    assert s.claimed == s.paid + s.disallowed + s.outstanding + s.not_assessed
    assert s.adds_up, s
    assert set(s.disallowed_by_reason) == {"DRUG_NOT_IN_LIST", "PRICE_ABOVE_TARIFF", "CARD_INVALID"}
    assert s.disallowed_by_reason["CARD_INVALID"] == claims[2].t_bhtt
    categories = set(session.scalars(select(Variance.category).where(Variance.period == period)))
    assert {"disallowed_check", "price_reduced", "claim_rejected", "not_assessed"} <= categories
    assert session.scalar(select(func.count()).select_from(Denial)) == 3

    closed = settlement.close_period(session, ACTOR, facility.id, period)
    session.commit()
    assert closed.claimed == claimed_total and closed.paid == s.paid

    # A late answer for a claim of the closed month: the frozen figures stay, the change is an adjustment.
    late = answer_for(claims[-1], lambda c, line: (line.t_bhtt, ()))
    service.import_file(session, ACTOR, "assessment", "ket_qua_late.json", as_json([late]))
    service.reconcile(session, ACTOR, facility.id, period)
    session.commit()
    after = settlement.summary(session, ACTOR, facility.id, period)
    assert after.closed and after.approved == s.approved and after.not_assessed == s.not_assessed
    adjustment = session.scalar(select(Adjustment))
    assert adjustment is not None and adjustment.approved == claims[-1].t_bhtt
    assert adjustment.to_period == settlement.next_month(period)
    live = settlement.live_totals(session, facility.id, period)
    assert live["approved"] == after.paid + after.outstanding + after.adjustments_out
    nxt = settlement.summary(session, ACTOR, facility.id, settlement.next_month(period))
    assert nxt.adjustments_in == claims[-1].t_bhtt
    actions = set(
        session.scalars(select(AuditEvent.action).where(AuditEvent.entity.in_(["period", "remittance_import"])))
    )
    assert {"import", "reconcile", "close", "adjustment"} <= actions
