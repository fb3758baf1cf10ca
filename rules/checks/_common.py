"""Shared derived values of a claim (memoised per claim) and code-group helpers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Context, Decimal

from rules.checks._values import parse_date
from rules.checks.model import Claim, Record

ZERO = Decimal(0)
ONE_VND = Decimal(1)
CENT = Decimal("0.01")
HUNDRED = Decimal(100)

DRUG_GROUPS = frozenset({"4", "5", "6"})
BLOOD_GROUPS = frozenset({"7", "17"})
SUPPLY_GROUPS = frozenset({"10", "11"})
BED_GROUPS = frozenset({"14", "15", "16"})
EXAM_GROUP = "13"
TRANSPORT_GROUP = "12"
PERFORMED_GROUPS = frozenset({"1", "2", "3", "8", "18"})  # groups needing a performer and execution time
INPATIENT_TYPES = frozenset({"03", "04", "06"})
ARMED_FORCES_PREFIXES = ("CA", "QN", "CY")


_WIDE = Context(prec=80)  # products of 15-digit values never hit the precision limit


def round2(v: Decimal) -> Decimal:
    """Money rounding to 2 decimals, half-up (benefits.md §6.3, rounding mode unconfirmed)."""
    return v.quantize(CENT, rounding=ROUND_HALF_UP, context=_WIDE)


def care_type(claim: Claim) -> str:
    return claim.xml1.text("MA_LOAI_KCB")


def admission(claim: Claim) -> datetime | None:
    return claim.xml1.moment("NGAY_VAO")


def discharge(claim: Claim) -> datetime | None:
    return claim.xml1.moment("NGAY_RA")


def ward_admission(claim: Claim) -> datetime | None:
    """Bed-day counting starts at the inpatient order when given (Circular 39/2018 Art. 6)."""
    return claim.xml1.moment("NGAY_VAO_NOI_TRU") or claim.xml1.moment("NGAY_VAO")


@dataclass(frozen=True, slots=True)
class CardPeriod:
    index: int
    number: str
    registration: str
    valid_from: date | None
    valid_to: date | None

    def covers(self, d: date) -> bool:
        if self.valid_from is not None and d < self.valid_from:
            return False
        return not (self.valid_to is not None and d > self.valid_to)


def card_periods(claim: Claim) -> tuple[CardPeriod, ...]:
    got = claim.memo("cards")
    if isinstance(got, tuple):
        return got
    x = claim.xml1
    nums = x.items("MA_THE_BHYT")
    regs = x.items("MA_DKBD")
    frm = x.items("GT_THE_TU")
    to = x.items("GT_THE_DEN")


    out = tuple(
        CardPeriod(
            index=i,
            number=n,
            registration=regs[i] if i < len(regs) else "",
            valid_from=parse_date(frm[i]) if i < len(frm) else None,
            valid_to=parse_date(to[i]) if i < len(to) else None,
        )
        for i, n in enumerate(nums)
        if n
    )
    return claim.remember("cards", out)  # type: ignore[no-any-return]


def line_day(rec: Record, claim: Claim) -> date | None:
    """catalogues.md §10 step 3: order date, else execution date, else admission date."""
    return rec.day("NGAY_YL") or rec.day("NGAY_TH_YL") or claim.xml1.day("NGAY_VAO")


def is_armed_forces(card: str) -> bool:
    return card.upper().startswith(ARMED_FORCES_PREFIXES)
