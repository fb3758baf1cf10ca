"""Matching rules, supersession, payment variances and the resend action, on both backends."""

from __future__ import annotations

import dataclasses
import io
from decimal import Decimal

from openpyxl import Workbook
from sqlalchemy import func, select

from claims.claim.models import Claim
from claims.insurer.schemas import DisallowanceReason
from claims.remittance import service
from claims.remittance.models import AnswerLine, AssessmentAnswer, Denial, LineMatch, RemittanceImport, Variance
from claims.settlement import service as settlement
from tests.remittance.helpers import ACTOR, ZERO, answer_for, as_csv, as_json, sent_month
from tests.remittance.helpers import settlement as settle

CHECK = DisallowanceReason("OUT_OF_SCOPE", "Ngoài phạm vi")


def _all(claim, line):
    return line.t_bhtt, ()


def _kinds(session) -> dict[str, int]:
    rows = session.execute(select(LineMatch.kind, func.count()).group_by(LineMatch.kind)).all()
    return {kind: n for kind, n in rows}


def test_changed_stt_is_matched_by_rule_and_unknown_lines_are_exceptions(session) -> None:
    facility, claims = sent_month(session, 4)
    claim = next(c for c in claims if len(c.lines) >= 2)
    result = answer_for(claim, _all)
    keys = [(x.table, x.item_code) for x in result.lines]
    # The changed STT must leave one candidate: a line whose table and code are unique in the claim.
    i = next(n for n, x in enumerate(result.lines) if keys.count((x.table, x.item_code)) == 1)
    j = next(n for n in range(len(result.lines)) if n != i)
    lines = list(result.lines)
    lines[i] = dataclasses.replace(lines[i], line_no=lines[i].line_no + 50)
    lines[j] = dataclasses.replace(lines[j], item_code="NOT.SENT", line_no=999)
    result = dataclasses.replace(result, lines=tuple(lines))
    service.import_file(session, ACTOR, "assessment", "kq.json", as_json([result]))
    counts = service.reconcile(session, ACTOR, facility.id, claim.period)
    assert counts["lines_moved"] == 1 and counts["lines_unmatched"] == 1
    assert counts["lines_exact"] == len(result.lines) - 2
    assert _kinds(session) == {"exact": len(result.lines) - 2, "moved_stt": 1, "unmatched": 1}
    unmatched = session.scalars(select(Variance).where(Variance.category == "unmatched_answer")).all()
    assert [v.ma_lk for v in unmatched] == [claim.ma_lk]
    # Run again: nothing changes, the unmatched line is tried again and stays unmatched.
    service.reconcile(session, ACTOR, facility.id, claim.period)
    assert _kinds(session) == {"exact": len(result.lines) - 2, "moved_stt": 1, "unmatched": 1}


def test_a_corrected_file_supersedes_and_both_are_kept(session) -> None:
    facility, claims = sent_month(session, 4)
    period = claims[0].period
    first_line = min(claims[0].lines, key=lambda x: (x.table_name, x.stt)).id
    cut = [answer_for(c, lambda c, line: (ZERO, (CHECK,)) if line.id == first_line else (line.t_bhtt, ()))
           for c in claims]  # fmt: skip
    service.import_file(session, ACTOR, "assessment", "ket_qua_01999_2026-10_claims.json", as_json(cut))
    service.reconcile(session, ACTOR, facility.id, period)
    before = settlement.summary(session, ACTOR, facility.id, period)
    assert before.disallowed > 0
    # Paid on the first answer; the payment stays what it was when the answer is corrected.
    service.import_file(session, ACTOR, "notice", "tb.csv", as_csv([settle("QT-1", f"{period[:4]}-{period[4:]}",
                                                                           cut[:1])]))  # fmt: skip
    service.reconcile(session, ACTOR, facility.id, period)
    denial = session.scalar(select(Denial))
    assert denial is not None and denial.status == "open"
    corrected = [answer_for(c, _all) for c in claims]
    outcome = service.import_file(session, ACTOR, "assessment", "ket_qua_01999_2026-10_claims.json", as_json(corrected))
    assert outcome.superseded_import_id is not None
    service.reconcile(session, ACTOR, facility.id, period)
    after = settlement.summary(session, ACTOR, facility.id, period)
    assert after.disallowed == 0 and after.approved == after.claimed and after.adds_up
    assert after.paid == cut[0].approved and after.outstanding == after.approved - cut[0].approved
    paid_less = session.scalar(select(Variance.amount).where(Variance.category == "paid_less"))
    assert paid_less == cut[0].approved - corrected[0].approved
    session.refresh(denial)
    assert denial.status == "resolved"  # the corrected answer no longer disallows it
    kinds = session.scalars(select(RemittanceImport.kind).order_by(RemittanceImport.id)).all()
    assert kinds == ["assessment", "notice", "assessment"]
    kept = session.scalar(select(func.count()).select_from(AssessmentAnswer).where(AssessmentAnswer.current.is_(False)))
    assert kept == len(claims)
    old_lines = session.scalar(select(func.count()).select_from(AnswerLine).where(AnswerLine.current.is_(False)))
    assert old_lines == sum(len(c.lines) for c in claims)


def test_paid_twice_and_paid_for_a_claim_never_sent_and_a_manual_xlsx_notice(session) -> None:
    facility, claims = sent_month(session, 4)
    period = claims[0].period
    office = f"{period[:4]}-{period[4:]}"
    results = [answer_for(c, _all) for c in claims]
    service.import_file(session, ACTOR, "assessment", "kq.json", as_json(results))
    ghost = dataclasses.replace(results[1], ma_lk="NEVER-SENT")
    notices = [settle("QT-1", office, results[:1]), settle("QT-2", office, [results[0], ghost])]
    service.import_file(session, ACTOR, "notice", "tb.csv", as_csv(notices))
    # A notice keyed in by hand (XLSX) paying claim 3 less than approved, with who entered it.
    book = Workbook()
    sheet = book.active
    sheet.append(["notice_id", "facility_code", "period", "kind", "issued_on", "amount", "allocations"])
    short = results[2].approved - Decimal("1000.00")
    sheet.append(["TAY-1", "01999", office, "settlement", "2026-11-21", float(short), f"{results[2].ma_lk}={short}"])
    data = io.BytesIO()
    book.save(data)
    outcome = service.import_file(session, ACTOR, "notice", "nhap_tay.xlsx", data.getvalue(), source="manual",
                                  entered_by="Kế toán B")  # fmt: skip
    assert outcome.records == 1 and not outcome.errors
    service.reconcile(session, ACTOR, facility.id, period)
    by_category = dict(
        session.execute(select(Variance.category, func.sum(Variance.amount)).group_by(Variance.category)).all()
    )
    assert by_category.get("paid_twice") is not None
    assert by_category.get("paid_never_sent") is not None
    assert session.scalar(select(Variance.amount).where(Variance.category == "paid_less")) == Decimal("-1000.00")
    s = settlement.summary(session, ACTOR, facility.id, period)
    assert s.claimed == s.paid + s.disallowed + s.outstanding + s.not_assessed


def test_resend_makes_a_new_version_and_is_audited(session) -> None:
    facility, claims = sent_month(session, 3)
    claim = claims[0]
    rejected = answer_for(claim, _all, rejected=CHECK, with_lines=False)
    service.import_file(session, ACTOR, "assessment", "kq.json", as_json([rejected]))
    service.reconcile(session, ACTOR, facility.id, claim.period)
    denial = session.scalar(select(Denial))
    assert denial is not None and denial.category == "claim_rejected" and denial.amount == claim.t_bhtt
    service.resend(session, ACTOR, denial.id, "sửa mã bệnh")
    session.commit()
    newer = session.scalar(select(Claim).where(Claim.ma_lk == claim.ma_lk, Claim.version == claim.version + 1))
    assert newer is not None and newer.status == "needs_fix" and newer.supersedes_id == claim.id
    assert denial.status == "resent" and denial.new_claim_id == newer.id
    # Until the new version is sent, the one sent still stands for the MA_LK in the period's figures.
    s = settlement.summary(session, ACTOR, facility.id, claim.period)
    assert s.claims == len(claims) and s.disallowed == claim.t_bhtt
