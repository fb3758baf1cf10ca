"""Input and output types of the pricing engine.

The input mirrors the documented input shape of ``shared/spec/vectors.json``; names are stable so that
adapters (canonical encounter → :class:`Encounter`) can rely on them. Money and ratios are ``Decimal``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal, NamedTuple

LineGroup = Literal["exam", "bed", "service", "drug", "supply", "transport"]
Route = Literal["registered_facility", "referral", "appointment", "emergency", "self_referral"]
VisitType = Literal["outpatient", "inpatient", "day_patient"]
OldLevel = Literal["commune", "district", "provincial", "central"]
NewLevel = Literal["ban_dau", "co_ban", "chuyen_sau"]
OtherFundingType = Literal["a", "b", "c"]
Severity = Literal["error", "warning"]

LINE_GROUPS: tuple[str, ...] = ("exam", "bed", "service", "drug", "supply", "transport")
ROUTES: tuple[str, ...] = ("registered_facility", "referral", "appointment", "emergency", "self_referral")
VISIT_TYPES: tuple[str, ...] = ("outpatient", "inpatient", "day_patient")


# --------------------------------------------------------------------------------------------- input
@dataclass(frozen=True, slots=True)
class Card:
    """One BHYT card (``MA_THE_BHYT``; several cards of a claim are separated by ``;`` in XML1)."""

    code: str
    valid_from: date | None = None
    valid_to: date | None = None
    registered_facility: str = ""


@dataclass(frozen=True, slots=True)
class Facility:
    """The treating facility: pre-2025 route level, 2025 expertise level, hospital class."""

    code: str = ""
    old_level: OldLevel | None = None
    new_level: NewLevel | None = None
    pre2025_level: OldLevel | None = None
    hospital_class: str | None = None
    basic_level_score: Decimal | None = None
    #: the ICU meets the conditions of QĐ 01/2008/QĐ-BYT (None: not known, only the class is checked)
    icu_approved: bool | None = None


@dataclass(frozen=True, slots=True)
class FiveYear:
    """Five-consecutive-years facts (``NAM_NAM_LIEN_TUC``, ``NGAY_MIEN_CCT``, co-payments this year)."""

    nam_nam_lien_tuc: date | None = None
    ngay_mien_cct: date | None = None
    prior_copay_in_year: Decimal | None = None
    #: base salary in force when ``prior_copay_in_year`` was paid, if it differs from today's (Decree
    #: 188/2025 Art. 18(2)(c): remaining = (6 − paid / old salary) × new salary) [UNCONFIRMED exact wording]
    prior_copay_base_salary: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Line:
    """One XML2 (drug) or XML3 (service, exam, bed, supply, transport) line before pricing."""

    stt: int
    code: str
    group: LineGroup
    quantity: Decimal
    unit_price_bv: Decimal
    unit_price_bh: Decimal
    name: str = ""
    service_ratio: Decimal = Decimal(100)
    listed_payment_ratio: Decimal = Decimal(100)
    pham_vi: int = 1
    t_trantt: Decimal | None = None
    t_nguonkhac: Decimal = Decimal(0)
    t_nguonkhac_type: OtherFundingType | None = None
    line_datetime: datetime | None = None
    ma_nhom: str | None = None
    ma_pttt: int = 1
    #: bed type (``icu``, ``resuscitation``, ``internal``, ``surgical``, ``burns``, ``observation``,
    #: ``day_care``); None: derived from the code and MA_NHOM by ``rules/data/bed_types.csv``
    bed_type: str | None = None


@dataclass(frozen=True, slots=True)
class Encounter:
    """One treatment episode (``MA_LK``) as the pricing engine needs it."""

    encounter_date: date
    cards: tuple[Card, ...]
    facility: Facility
    route: Route
    visit_type: VisitType
    lines: tuple[Line, ...]
    ma_lk: str = ""
    registered_facility: str = ""
    emergency: bool = False
    admission_datetime: datetime | None = None
    discharge_datetime: datetime | None = None
    ma_loai_kcb: str | None = None
    ma_doituong_kcb: str | None = None
    ma_khuvuc: str | None = None
    discharge_type: str | None = None
    condition_at_discharge: str | None = None
    transfer_to: str | None = None
    five_year: FiveYear | None = None
    #: admitted straight to a ward, not through the outpatient department (no exam fee, benefits.md §7.3)
    admitted_directly: bool = False
    #: when the card was presented, if later than admission (Decree 188/2025 Art. 38(1), benefits.md §9)
    card_presented_at: datetime | None = None


# -------------------------------------------------------------------------------------------- output
class TraceStep(NamedTuple):
    """How one amount was obtained: rule id, parameters with their values, tariff row, legal reference.

    ``text_vi`` / ``text_en`` render the step for a billing clerk; they are built on demand from the rule's
    templates so that batch pricing stays fast (a named tuple: cheap to create, immutable).
    """

    rule_id: str
    field: str
    value: Decimal | str
    params: tuple[tuple[str, str | Decimal], ...] = ()
    tariff_row: str | None = None

    @property
    def legal_ref(self) -> str:
        from rules.trace import RULES

        return RULES[self.rule_id].legal_ref

    @property
    def text_vi(self) -> str:
        from rules.trace import render

        return render(self, "vi")

    @property
    def text_en(self) -> str:
        from rules.trace import render

        return render(self, "en")


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem in the input: where (field, line) and why. ``error`` findings reject what they name."""

    field: str
    reason: str
    severity: Severity = "error"
    stt: int | None = None
    code: str = ""


class PricedLine(NamedTuple):
    """A priced XML2/XML3 line (field names are the snake_case of the XML elements).

    A named tuple rather than a frozen dataclass: equally immutable, several times cheaper to create in batch.
    """

    stt: int
    code: str
    group: str
    quantity: Decimal
    don_gia_bv: Decimal
    don_gia_bh: Decimal
    tyle_tt_dv: Decimal
    tyle_tt_bh: Decimal
    muc_huong: Decimal
    thanh_tien_bv: Decimal
    thanh_tien_bh: Decimal
    t_bhtt: Decimal
    t_bncct: Decimal
    t_bntt: Decimal
    t_nguonkhac: Decimal
    ma_nhom: str | None = None
    ma_pttt: int = 1
    trace: tuple[TraceStep, ...] = ()


@dataclass(frozen=True, slots=True)
class RejectedLine:
    """A line excluded from the claim, with the field at fault and the reason."""

    stt: int
    code: str
    field: str
    reason: str


@dataclass(frozen=True, slots=True)
class Totals:
    """XML1 roll-up (benefits.md §6.4)."""

    t_thuoc: Decimal
    t_vtyt: Decimal
    t_tongchi_bv: Decimal
    t_tongchi_bh: Decimal
    t_bntt: Decimal
    t_bncct: Decimal
    t_bhtt: Decimal
    t_nguonkhac: Decimal
    t_bhtt_gdv: Decimal
    muc_huong: Decimal | None


@dataclass(frozen=True, slots=True)
class ClaimParameters:
    """Claim-level values the engine looked up or derived (shown in the trace and the CLI)."""

    base_salary: Decimal | None
    threshold_15pct: Decimal | None
    card_rate: Decimal | None
    route_factor: Decimal | None
    muc_huong: Decimal | None
    final_rate_after_exemptions: Decimal | None
    ma_lydo_vvien: str | None
    ma_doituong_kcb: str | None
    bed_days: int | None
    ngay_mien_cct: date | None
    vtyt_cap_45_months: Decimal | None


@dataclass(frozen=True, slots=True)
class PricedClaim:
    """Result of :func:`rules.price`: priced lines, rejected lines, findings, totals and trace."""

    ma_lk: str
    lines: tuple[PricedLine, ...]
    rejected: tuple[RejectedLine, ...]
    findings: tuple[Finding, ...]
    totals: Totals
    parameters: ClaimParameters
    trace: tuple[TraceStep, ...] = field(default=())
