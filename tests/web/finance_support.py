"""A reconciled month for the web tests: some claims of a facility sent, the office's answers (one line
disallowed with a reason, one claim refused, one not answered yet) and a settlement paying part."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from claims.auth.scope import system_principal
from claims.claim import service as claim_service
from claims.claim.models import Claim
from claims.claim.status import ClaimStatus
from claims.insurer.schemas import DisallowanceReason
from claims.remittance import service as remittance
from tests.remittance.helpers import ZERO, answer_for, as_csv, as_json, settlement

ACTOR = system_principal("test")
DRUG = DisallowanceReason("DRUG_NOT_IN_LIST", "Thuốc ngoài danh mục", "TT 20/2022")
CARD = DisallowanceReason("CARD_INVALID", "Thẻ không hợp lệ")
SEND_PATH = (ClaimStatus.checked, ClaimStatus.approved, ClaimStatus.batched, ClaimStatus.sending, ClaimStatus.sent)


@dataclass
class Month:
    facility_id: int
    period: str
    claim_ids: list[int]
    disallowed_claim: int  # one line disallowed (DRUG_NOT_IN_LIST)
    disallowed_line: tuple[str, int]  # its table and STT
    refused_claim: int  # the whole claim refused (CARD_INVALID)
    ma_lks: list[str]


def send(session, claim_ids: list[int]) -> list[Claim]:
    claims = [c for c in session.scalars(select(Claim).where(Claim.id.in_(claim_ids)).order_by(Claim.id))]
    for claim in claims:
        for step in SEND_PATH:
            claim_service.apply_transition(session, ACTOR, claim, step.value)
    session.flush()
    return claims


def answered_month(session, facility, claim_ids: list[int], pay: bool = True) -> Month:
    """Send ``claim_ids`` (priced), answer all but the last, pay the accepted ones, reconcile."""
    claims = send(session, claim_ids)
    code = facility.ma_cskcb
    period = claims[0].period
    target = claims[0]
    first = min(target.lines, key=lambda x: (x.table_name, x.stt))

    def decide(claim, line):
        if claim is target and line is first:
            return ZERO, (DRUG,)
        return line.t_bhtt, ()

    results = [answer_for(c, decide, code=code) for c in claims[:-1]]
    results[1] = answer_for(claims[1], decide, code=code, rejected=CARD, with_lines=False)
    remittance.import_file(session, ACTOR, "assessment", f"ket_qua_{code}.json", as_json(results))
    if pay:
        paid = [r for r in results if r.approved > 0][:2]
        office_period = f"{period[:4]}-{period[4:]}"
        remittance.import_file(session, ACTOR, "notice", f"thong_bao_{code}.csv",
                               as_csv([settlement("QT-1", office_period, paid, code=code)]))  # fmt: skip
    remittance.reconcile(session, ACTOR, facility.id, period)
    session.commit()
    return Month(facility.id, period, [c.id for c in claims], target.id, (first.table_name, first.stt), claims[1].id,
                 [c.ma_lk for c in claims])  # fmt: skip


def money(value: Decimal) -> str:
    """A amount as the Vietnamese pages write it (1.234.567 or 1.234,5)."""
    text = f"{value:,.2f}" if value != value.to_integral_value() else f"{value:,.0f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
