"""The pricing engine: price every line and split it between the fund and the patient (benefits.md §4–§7).

Pure: no I/O, no clock. Every value is looked up as of a date taken from the encounter (or ``as_of``).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from functools import lru_cache
from typing import Any

from rules.beds import check_beds, rule_rows
from rules.benefit import (
    CardInfo,
    RouteInfo,
    base_salary,
    multiple,
    resolve_card_cached,
    route_factor,
)
from rules.model import (
    ClaimParameters,
    Encounter,
    Finding,
    Line,
    PricedClaim,
    PricedLine,
    RejectedLine,
    Totals,
    TraceStep,
)
from rules.money import CENT, HUNDRED, ROUNDING_MODES, ZERO, round2
from rules.options import DEFAULT_OPTIONS, PricingOptions
from rules.params import DatedRow, Parameters, default_parameters
from rules.price_class import price_class
from rules.tariff import Tariff
from rules.transport import group_reason, route_reason, transport_rule

_ONE = Decimal(1)
_SUPPLY_GROUPS = frozenset({"10", "11"})
_NEAR_POOR_2026 = date(2026, 1, 1)
_EARLIEST = datetime.min
_PCT = Decimal("0.01")  # × 0.01 is exact, like ÷ 100, and cheaper
_MILLI = Decimal("0.001")
# named tuples built without the keyword-handling wrapper (hot path: about 8 per line)
_new: Callable[..., Any] = tuple.__new__
_RATIO_STEPS: dict[tuple[Decimal, str], TraceStep] = {}
_DV_STEPS: dict[tuple[str, Decimal], TraceStep] = {}
_NK_NONE = TraceStep("LINE.T_NGUONKHAC", "t_nguonkhac", ZERO, (("type", "-"), ("why", "no other funding")))


class _Ctx:
    """Per-encounter working state (not exported)."""

    __slots__ = ("enc", "findings", "options", "params", "rejected", "trace")

    def __init__(self, enc: Encounter, params: Parameters, options: PricingOptions) -> None:
        self.enc = enc
        self.params = params
        self.options = options
        self.findings: list[Finding] = []
        self.rejected: list[RejectedLine] = []
        self.trace: list[TraceStep] = []

    def reject(self, line: Line, field: str, reason: str) -> None:
        self.rejected.append(RejectedLine(line.stt, line.code, field, reason))
        self.findings.append(
            Finding(f"lines[stt={line.stt}].{field}", reason, stt=line.stt, code="line_rejected")
        )


class _Work:
    """Intermediate amounts of one accepted line."""

    __slots__ = ("bh", "bv", "card", "date", "dv", "line", "nk_b", "price_bh", "ratio", "steps")

    def __init__(self, line: Line, card: CardInfo, on: date) -> None:
        self.line = line
        self.card = card
        self.date = on
        self.price_bh = line.unit_price_bh
        self.dv = line.service_ratio
        self.ratio = line.listed_payment_ratio
        self.bv = ZERO
        self.bh = ZERO
        self.nk_b = ZERO
        self.steps: list[TraceStep] = []


def _line_date(line: Line, enc: Encounter) -> date:
    return line.line_datetime.date() if line.line_datetime is not None else enc.encounter_date


def _card_for(
    cards: Sequence[CardInfo], on: date, enc: Encounter, grace: int
) -> tuple[CardInfo | None, bool]:
    """Best card valid on ``on`` (highest rate, then ratio-exempt); True when valid only by grace period."""
    best: CardInfo | None = None
    for info in cards:
        c = info.card
        if (c.valid_from is None or c.valid_from <= on) and (c.valid_to is None or on <= c.valid_to):
            if best is None or (info.rate, not info.ratio_limits_apply) > (
                best.rate,
                not best.ratio_limits_apply,
            ):
                best = info
    if best is not None:
        return best, False
    if grace > 0:
        start = enc.admission_datetime.date() if enc.admission_datetime else enc.encounter_date
        for info in cards:
            c = info.card
            if (
                c.valid_to is not None
                and (c.valid_from is None or c.valid_from <= start)
                and start <= c.valid_to
            ):
                if on <= c.valid_to + timedelta(days=grace):
                    return info, True
    return None, False


def _bed_days(enc: Encounter, ctx: _Ctx) -> tuple[int | None, Decimal | None]:
    """Rule CLAIM.BED_DAYS (Circular 39/2018 Art. 6 as amended by Circular 13/2019)."""
    if enc.visit_type != "inpatient" or enc.admission_datetime is None or enc.discharge_datetime is None:
        return None, None
    on = enc.admission_datetime.date()
    p = ctx.params
    min_row = _scalar("bed_min_hours", on, p)
    full_row = _scalar("bed_full_day_hours", on, p)
    if min_row is None or full_row is None:
        return None, None
    seconds = (enc.discharge_datetime - enc.admission_datetime).total_seconds()
    if seconds < 0:
        ctx.findings.append(Finding("discharge_datetime", "discharge before admission"))
        return None, None
    hours = Decimal(int(seconds)) / Decimal(3600)
    if hours <= Decimal(min_row.values["value"]):
        days, why = 0, "≤ 4 h"
    elif hours < Decimal(full_row.values["value"]):
        days, why = 1, "< 24 h"
    else:
        days = (enc.discharge_datetime.date() - enc.admission_datetime.date()).days
        why = "discharge date − admission date"
        extra = _extra_day(enc, on, p)
        if extra is not None:
            days += 1
            why += f" + 1 ({enc.condition_at_discharge}, MA_LOAI_RV {enc.discharge_type or '-'}; {extra})"
    ctx.trace.append(
        TraceStep(
            "CLAIM.BED_DAYS",
            "bed_days",
            Decimal(days),
            (("hours", str(hours.quantize(Decimal("0.01")))), ("why", why)),
        )
    )
    return days, hours


@lru_cache(maxsize=8192)
def _scalar(name: str, on: date, params: Parameters) -> DatedRow | None:
    """The ``scalars.csv`` row ``name`` in force on ``on`` (memoised: encounters repeat dates)."""
    return params.scalars.get((name,), on)


@lru_cache(maxsize=16)
def _first_rates(params: Parameters) -> date | None:
    """First day any card-digit rate is in force (benefits.md §2.2 / §4.2: 2015-01-01)."""
    starts = [rows[0].valid_from for key in params.card_digits.keys() if (rows := params.card_digits.rows(key))]
    return min(starts) if starts else None


def _extra_day(enc: Encounter, on: date, params: Parameters) -> str | None:
    """Source of the extra bed day on a severe discharge, or None (Circular 39/2018 Art. 6(1)(a)).

    ``bed_rules.csv`` rows ``extra_day`` name ``condition/MA_LOAI_RV`` pairs (``*`` = any discharge type):
    a severe patient not improved who died, was taken home by the family or was transferred upward; an
    ordinary transfer adds no day.
    """
    condition = enc.condition_at_discharge
    if not condition:
        return None
    wanted = (f"{condition}/{enc.discharge_type or ''}", f"{condition}/*")
    for row in rule_rows("extra_day", on, params):
        if row.values["value"] in wanted:
            return row.source
    return None


_Amount = tuple[Decimal, TraceStep]


@lru_cache(maxsize=4096)
def _salary_parameters(on: date, params: Parameters) -> tuple[_Amount | None, _Amount | None, _Amount | None]:
    """Base salary, 15 % threshold and 45-month supply cap in force on ``on`` (memoised per date)."""
    lcs_info = base_salary(on, params)
    if lcs_info is None:
        return None, None, None
    lcs = lcs_info[0]
    return (
        lcs_info,
        multiple("free_visit_threshold", on, lcs, params, "PARAM.THRESHOLD_15"),
        multiple("supply_package_cap", on, lcs, params, "PARAM.SUPPLY_CAP"),
    )


@lru_cache(maxsize=4096)
def _allowed_ratios(on: date, params: Parameters) -> frozenset[tuple[str, Decimal]]:
    """(group, TYLE_TT_DV) pairs of the service-ratio table in force on ``on``."""
    table = params.service_ratios
    return frozenset(
        (key[0], Decimal(key[1])) for key in table.keys() if any(r.covers(on) for r in table.rows(key))
    )


def _check_ratios(lines: Sequence[Line], on: date, ctx: _Ctx) -> None:
    allowed = _allowed_ratios(on, ctx.params)
    exams_full = 0
    for line in lines:
        if line.group == "exam" and line.service_ratio == HUNDRED:
            exams_full += 1
        if (line.group, line.service_ratio) not in allowed:
            ctx.findings.append(
                Finding(
                    f"lines[stt={line.stt}].service_ratio",
                    f"TYLE_TT_DV {line.service_ratio} is not a ratio of the rules for "
                    f"{line.group} lines on {on.isoformat()}",
                    "warning",
                    line.stt,
                    "service_ratio",
                )
            )
    if exams_full > 1:
        ctx.findings.append(
            Finding(
                "lines.service_ratio",
                f"{exams_full} examinations at 100 % in one visit "
                "(2nd and later exams are paid at 30 %, Circular 39/2018 Art. 5)",
                "warning",
                code="exam_ratio",
            )
        )


def _check_exams_and_beds(works: Sequence[_Work], bed_days: int | None, on: date, ctx: _Ctx) -> None:
    """Warnings: exams above 2 × one exam (Circular 39/2018 Art. 5(3)); bed days above the stay (Art. 6)."""
    exams = [w for w in works if w.line.group == "exam"]
    cap_row = _scalar("exam_total_cap_multiple", on, ctx.params) if exams else None
    if exams and cap_row is not None:
        one = max(w.price_bh for w in exams)
        limit = one * Decimal(cap_row.values["value"])
        total = sum((w.line.quantity * w.price_bh * w.dv * _PCT for w in exams), ZERO)
        if total > limit:
            ctx.findings.append(
                Finding(
                    "lines.service_ratio",
                    f"examinations total {total} above {limit} (2 × one exam, {cap_row.source})",
                    "warning",
                    code="exam_total",
                )
            )
    if bed_days is not None:
        billed = sum((w.line.quantity for w in works if w.line.group == "bed"), ZERO)
        if billed > bed_days:
            ctx.findings.append(
                Finding(
                    "lines.quantity",
                    f"{billed} bed days billed for a stay of {bed_days} (Circular 39/2018 Art. 6)",
                    "warning",
                    code="bed_days",
                )
            )


def _refused_by_episode(
    line: Line, enc: Encounter, direct_row: DatedRow | None, late_row: DatedRow | None, ctx: _Ctx
) -> bool:
    """Exam fee of a direct admission (Circular 39/2018 Art. 5); care before a late card (Decree 188 Art. 38)."""
    if direct_row is not None and line.group == "exam":
        ctx.reject(line, "group", f"no exam fee for a direct admission to a ward ({direct_row.source})")
        return True
    presented = enc.card_presented_at
    if late_row is not None and presented is not None:
        if (line.line_datetime or enc.admission_datetime or presented) < presented:
            ctx.reject(
                line,
                "card",
                f"card presented on {presented.isoformat(sep=' ')}: care before that is not paid by the "
                f"facility's claim but refunded directly ({late_row.source})",
            )
            return True
    return False


def _transport_ok(line: Line, card: CardInfo, on: date, ctx: _Ctx) -> bool:
    """Rule TRANSPORT.ELIGIBLE (Decree 146/2018 Art. 26; ``transport.csv``); False when the line is rejected."""
    rule = transport_rule(on, ctx.params)
    field = f"lines[stt={line.stt}].group"
    if rule is None:
        ctx.findings.append(
            Finding(
                field,
                f"no transport rule in force on {on.isoformat()}: eligibility not checked",
                "warning",
                line.stt,
                "transport",
            )
        )
        return True
    reason = route_reason(ctx.enc, rule) or group_reason(card.prefix, rule)
    ctx.trace.append(
        TraceStep(
            "TRANSPORT.ELIGIBLE",
            "transport",
            "no" if reason else "yes",
            (("stt", str(line.stt)), ("group", card.prefix[:2]), ("why", reason or "conditions met"),
             ("source", rule.source)),
        )
    )
    if reason is None:
        return True
    if ctx.options.transport_rule == "reject":
        ctx.reject(line, "group", f"{reason} ({rule.source})")
        return False
    ctx.findings.append(Finding(field, f"{reason} ({rule.source})", "warning", line.stt, "transport"))
    return True


def price(
    encounter: Encounter,
    tariff: Tariff | None = None,
    as_of: date | None = None,
    options: PricingOptions = DEFAULT_OPTIONS,
    params: Parameters | None = None,
) -> PricedClaim:
    """Price one encounter: per-line amounts, XML1 totals, rejected lines, findings and a trace.

    Benefit level ``MUC_HUONG = R × F`` (Law 25/2008 Art. 22 as amended by Law 46/2014 and Law 51/2024;
    Decree 146/2018 Art. 14; Decree 188/2025 Art. 18–19; QĐ 3276/QĐ-BYT), line formulas of QĐ 130/QĐ-BYT as
    amended by QĐ 4750/QĐ-BYT. ``as_of`` is the anchor date of the benefit rules and the base salary; it
    defaults to the admission date (``encounter_date``) as benefits.md §0.1 prescribes. ``tariff``, when
    given, must hold every line's code on the admission date (Circular 39/2018 Art. 12), at the price class
    of the facility (Circular 39/2018 Art. 4). Bed rules of Circular 39/2018 Art. 6 (:mod:`rules.beds`),
    transport eligibility of Decree 146/2018 Art. 26 (:mod:`rules.transport`) and the other dated rules of
    ``docs/pricing-rules.md`` refuse lines with a reason. Bad input never raises: it is reported as a
    :class:`~rules.model.Finding`.
    """
    params = params or default_parameters()
    ctx = _Ctx(encounter, params, options)
    enc = encounter
    anchor = as_of or enc.encounter_date
    if options.base_salary_anchor == "discharge" and as_of is None and enc.discharge_datetime is not None:
        lcs_anchor = enc.discharge_datetime.date()
    else:
        lcs_anchor = anchor

    # ---- claim-level parameters
    lcs_info, thr, cap = _salary_parameters(lcs_anchor, params)
    lcs = threshold = cap45 = None
    if lcs_info is None:
        ctx.findings.append(Finding("encounter_date", f"no base salary in force on {lcs_anchor.isoformat()}"))
    else:
        lcs, step = lcs_info
        ctx.trace.append(step)
        if thr is not None:
            threshold = thr[0]
            ctx.trace.append(thr[1])
        if cap is not None:
            cap45 = cap[0]
            ctx.trace.append(cap[1])

    cards: list[CardInfo] = []
    if not enc.cards:
        ctx.findings.append(Finding("cards", "no BHYT card"))
    for i, card in enumerate(enc.cards):
        info, card_findings = resolve_card_cached(card, i, anchor, params, options)
        ctx.findings.extend(card_findings)
        if info is not None:
            cards.append(info)
            ctx.trace.append(info.step)
    if cards and _card_for(cards, enc.encounter_date, enc, 0)[0] is None:
        ctx.findings.append(
            Finding("cards", f"no card valid on {enc.encounter_date.isoformat()}", code="card_validity")
        )

    route = route_factor(enc, anchor, enc.visit_type, params, options, ctx.findings)
    ctx.trace.append(route.step)
    exam_route = route
    if enc.visit_type == "inpatient" and options.exam_before_admission_factor == "outpatient":
        exam_route = route_factor(enc, anchor, "outpatient", params, options, [])
    first_rates = _first_rates(params)
    blocked: str | None = None
    if first_rates is not None and anchor < first_rates:
        # benefits.md §4.2 gives group rates from 2015-01-01 only (Law 46/2014); the original 2008 rates are
        # not in the sheet, so nothing earlier is priced
        blocked = (
            f"no benefit rules before {first_rates.isoformat()}: the card-digit rates (Law 25/2008 Art. 22 as "
            f"amended by Law 46/2014) start then and earlier rates are not in the rules; encounter of "
            f"{anchor.isoformat()}"
        )
        ctx.findings.append(Finding("encounter_date", blocked, code="before_rules"))
    elif lcs_info is None:
        # no base salary, so no threshold and no cap: nothing can be priced safely
        blocked = f"no dated parameters in force on {lcs_anchor.isoformat()}"
    if blocked is not None:
        for line in enc.lines:
            ctx.reject(line, "encounter_date", blocked)

    bed_days, stay_hours = _bed_days(enc, ctx)
    beds = check_beds(enc, anchor, params, options.bed_rule_action == "reject")
    refused: dict[int, tuple[str, str]] = {}
    if beds is not None:
        refused = beds.refused
        ctx.findings.extend(beds.findings)
        ctx.trace.extend(beds.steps)
    stopped_row = _scalar("stopped_service_suffix", anchor, params)
    unpriced_row = _scalar("unpriced_service_suffix", anchor, params)
    suffixes = tuple(r.values["value"] for r in (stopped_row, unpriced_row) if r is not None)
    late_row = (
        _scalar("card_late_presentation_rule", anchor, params)
        if enc.card_presented_at is not None and not (enc.emergency or enc.route == "emergency")
        else None
    )
    direct_row = (
        _scalar("exam_not_paid_direct_admission", anchor, params)
        if enc.admitted_directly and enc.visit_type == "inpatient"
        else None
    )
    if options.check_service_ratios:
        _check_ratios(enc.lines, anchor, ctx)

    # Decree 146/2018 Art. 27(9): inpatients; Decree 188/2025 Art. 50(4): also day-patients/outpatients
    grace_name = "card_grace_days_inpatient" if enc.visit_type == "inpatient" else "card_grace_days_outpatient"
    grace_row = _scalar(grace_name, anchor, params)
    grace = int(grace_row.values["value"]) if grace_row else 0
    rounding = options.rounding

    # ---- stage 1: validate lines and compute THANH_TIEN_BV / THANH_TIEN_BH
    works: list[_Work] = []
    price_day = enc.admission_datetime.date() if enc.admission_datetime else enc.encounter_date
    for line in enc.lines if blocked is None else ():
        if line.quantity < 0:
            ctx.reject(line, "quantity", f"negative quantity {line.quantity}")
            continue
        if line.unit_price_bv < 0 or line.unit_price_bh < 0:
            ctx.reject(line, "unit_price", "negative unit price")
            continue
        if line.pham_vi not in (1, 2, 3):
            ctx.reject(line, "pham_vi", f"PHAM_VI {line.pham_vi} is not 1, 2 or 3")
            continue
        if not (ZERO <= line.service_ratio <= HUNDRED) or not (ZERO <= line.listed_payment_ratio <= HUNDRED):
            ctx.reject(line, "service_ratio", "ratio outside 0–100")
            continue
        if line.group == "bed" and bed_days == 0:
            ctx.reject(line, "quantity", f"bed day billed for a stay of {stay_hours} h (≤ 4 h: no bed day)")
            continue
        if refused and line.stt in refused:
            ctx.reject(line, *refused[line.stt])
            continue
        if suffixes and line.group == "service" and line.code.endswith(suffixes):
            if stopped_row is not None and line.code.endswith(stopped_row.values["value"]):
                ctx.reject(
                    line,
                    "code",
                    f"service stopped for clinical reasons (code suffix {stopped_row.values['value']}): only "
                    f"the drugs and supplies used are paid ({stopped_row.source})",
                )
                continue
            if unpriced_row is not None:
                # a warning, not a rejection: vectors.json uses such codes as illustrative codes with prices
                ctx.findings.append(
                    Finding(
                        f"lines[stt={line.stt}].code",
                        f"technique without a price yet (code suffix {unpriced_row.values['value']}) is not "
                        f"paid until the Ministry sets its price ({unpriced_row.source})",
                        "warning",
                        line.stt,
                        "unpriced_service",
                    )
                )
        if (direct_row is not None or late_row is not None) and _refused_by_episode(
            line, enc, direct_row, late_row, ctx
        ):
            continue
        on = _line_date(line, enc)
        info, by_grace = _card_for(cards, on, enc, grace)
        if info is None:
            ctx.reject(line, "card", f"no valid card on {on.isoformat()}")
            continue
        if line.group == "transport" and not _transport_ok(line, info, anchor, ctx):
            continue
        w = _Work(line, info, on)
        if by_grace:
            ctx.findings.append(
                Finding(
                    f"lines[stt={line.stt}].card",
                    f"card expired during the stay; covered for at most {grace} days after expiry",
                    "warning",
                    line.stt,
                    "card_grace",
                )
            )
        if tariff is not None:
            pclass = price_class(enc.facility, line.group, price_day, params)
            row = tariff.lookup(line.code, price_day, pclass.price_class)
            if row is None:
                ctx.reject(
                    line, "code", f"code {line.code} is not in the catalogue on {price_day.isoformat()}"
                )
                continue
            ref_price = row.price_bh
            if pclass.source is not None:
                if ref_price is not None and pclass.pct != HUNDRED and row.facility_class is None:
                    # a class-specific row already holds the class price; the percentage applies to the
                    # common (annex-III) price only. DON_GIA keeps 3 decimals (QĐ 130; benefits.md §6.3)
                    ref_price = (ref_price * pclass.pct * _PCT).quantize(_MILLI, rounding=ROUNDING_MODES[rounding])
                w.steps.append(
                    TraceStep(
                        "PRICE.CLASS",
                        "don_gia_bh",
                        ref_price if ref_price is not None else ZERO,
                        (
                            ("price_class", pclass.price_class or "-"),
                            ("pct", pclass.pct),
                            ("catalogue_price", row.price_bh if row.price_bh is not None else ZERO),
                            ("on", price_day.isoformat()),
                            ("valid", pclass.validity or ""),
                            ("source", pclass.source),
                        ),
                    )
                )
            if ref_price is not None and w.price_bh > ref_price:
                ctx.findings.append(
                    Finding(
                        f"lines[stt={line.stt}].unit_price_bh",
                        f"BH unit price {w.price_bh} above the catalogue price {ref_price}; "
                        "the catalogue price is used",
                        "warning",
                        line.stt,
                        "price_above",
                    )
                )
                w.price_bh = ref_price
            if row.payment_ratio != w.ratio:
                ctx.findings.append(
                    Finding(
                        f"lines[stt={line.stt}].listed_payment_ratio",
                        f"payment ratio {w.ratio} differs from the catalogue "
                        f"({row.payment_ratio}); the catalogue ratio is used",
                        "warning",
                        line.stt,
                        "ratio_differs",
                    )
                )
                w.ratio = row.payment_ratio
            w.steps.append(
                TraceStep(
                    "LINE.TARIFF",
                    "don_gia_bh",
                    w.price_bh,
                    (("on", price_day.isoformat()),),
                    row.row_id or f"{row.code}@{row.valid_from.isoformat()}",
                )
            )
        _amounts(w, ctx, cap45, ROUNDING_MODES[rounding])
        works.append(w)

    _check_exams_and_beds(works, bed_days, anchor, ctx)

    # ---- stage 2: benefit level (15 % test on the in-scope total of the accepted lines)
    t_tongchi_bh = sum((w.bh for w in works), ZERO)
    below = threshold is not None and t_tongchi_bh < threshold
    five = enc.five_year
    claim_rate: Decimal | None = None
    claim_muc: Decimal | None = None
    exempt_steps: list[TraceStep] = []
    if below:
        exempt_steps.append(
            TraceStep(
                "EXEMPT.15PCT",
                "final_rate",
                HUNDRED,
                (("t_tongchi_bh", (t_tongchi_bh)), ("threshold", (threshold or ZERO))),
            )
        )
    commune = anchor < date(2025, 1, 1) and enc.facility.old_level == "commune"
    if commune:
        exempt_steps.append(TraceStep("EXEMPT.COMMUNE", "final_rate", HUNDRED))
    ctx.trace.extend(exempt_steps)

    five_eligible = five is not None and not route.self_referral
    remaining: Decimal | None = None
    ngay_mien: date | None = None
    if five_eligible and five is not None:
        if five.ngay_mien_cct is not None:
            ngay_mien = five.ngay_mien_cct
        elif (
            five.nam_nam_lien_tuc is not None
            and five.nam_nam_lien_tuc <= anchor
            and five.prior_copay_in_year is not None
            and lcs is not None
        ):
            ceil = multiple("five_year_ceiling", anchor, lcs, params, "PARAM.FIVE_YEAR_CEILING")
            if ceil is not None:
                ctx.trace.append(ceil[1])
                old = five.prior_copay_base_salary
                if old and old != lcs:
                    # base salary changed within the year: convert what was paid into months of the old salary
                    months = ceil[0] / lcs - five.prior_copay_in_year / old
                    remaining = max(ZERO, round2(months * lcs, options.rounding))
                    ctx.trace.append(
                        TraceStep(
                            "PARAM.FIVE_YEAR_CEILING",
                            "five_year_remaining",
                            remaining,
                            (("multiplier", str(months)), ("base_salary", lcs)),
                        )
                    )
                else:
                    remaining = max(ZERO, round2(ceil[0] - five.prior_copay_in_year, options.rounding))
                if remaining == ZERO:
                    ngay_mien = anchor

    priced: list[PricedLine] = []
    order = sorted(works, key=_order_key)
    rate_cache: dict[tuple[int, bool, bool], tuple[Decimal, Decimal, TraceStep]] = {}
    mode = ROUNDING_MODES[rounding]
    for w in order:
        line = w.line
        is_exam = line.group == "exam"
        rinfo = exam_route if is_exam else route
        exempt_5y = ngay_mien is not None and ngay_mien <= w.date and ngay_mien.year == w.date.year
        key = (id(w.card), is_exam, exempt_5y)
        cached = rate_cache.get(key)
        if cached is None:
            r, m, why = _rate(w.card, rinfo, below, commune, exempt_5y, anchor, options)
            recorded = _record_muc(m, anchor, options, params)
            if recorded is not None:
                ctx.trace.append(recorded[1])
                why += f"; {m} recorded as {recorded[0]}"
                m = recorded[0]
            step = TraceStep(
                "LINE.MUC_HUONG", "muc_huong", m, (("why", why), ("rate", r), ("factor", rinfo.factor))
            )
            cached = rate_cache[key] = (r, m, step)
        rate, muc, muc_step = cached
        if claim_muc is None:
            claim_rate, claim_muc = rate, muc
        w.steps.append(muc_step)
        bh = w.bh
        t_bhtt = (bh * muc * _PCT).quantize(CENT, rounding=mode)
        t_bncct = bh - t_bhtt
        if remaining is not None and not exempt_5y and rinfo.factor == _ONE:
            if t_bncct > remaining:
                w.steps.append(
                    TraceStep("LINE.5YEAR_CROSSING", "t_bncct", remaining, (("remaining", remaining),))
                )
                t_bncct = remaining
                t_bhtt = bh - t_bncct
                remaining = ZERO
                ngay_mien = w.date
            else:
                remaining -= t_bncct
                if remaining == ZERO:
                    ngay_mien = w.date
        priced.append(_finish(w, muc, t_bhtt, t_bncct, ctx))

    priced.sort(key=lambda p: p.stt)
    totals = _totals(priced)
    claim_params = ClaimParameters(
        base_salary=lcs,
        threshold_15pct=threshold,
        card_rate=cards[0].rate if cards else None,
        route_factor=route.factor,
        muc_huong=totals.muc_huong if totals.muc_huong is not None else claim_muc,
        final_rate_after_exemptions=claim_rate,
        ma_lydo_vvien=route.ma_lydo_vvien,
        ma_doituong_kcb=route.ma_doituong_kcb,
        bed_days=bed_days,
        ngay_mien_cct=ngay_mien if five_eligible else None,
        vtyt_cap_45_months=cap45,
    )
    if claim_muc is not None:
        ctx.trace.append(
            TraceStep(
                "CLAIM.MUC_HUONG",
                "muc_huong",
                claim_muc,
                (("rate", (claim_rate or ZERO)), ("factor", (route.factor))),
            )
        )
    return PricedClaim(
        enc.ma_lk,
        tuple(priced),
        tuple(ctx.rejected),
        tuple(ctx.findings),
        totals,
        claim_params,
        tuple(ctx.trace),
    )


_MUC_MODES = {"half_up": ROUNDING_MODES["half_up"], "down": ROUND_DOWN}


@lru_cache(maxsize=4096)
def _record_muc(
    muc: Decimal, on: date, options: PricingOptions, params: Parameters
) -> tuple[Decimal, TraceStep] | None:
    """Rule ROUND.MUC_HUONG: MUC_HUONG brought to the decimals the field allows on ``on``, or None if unchanged.

    QĐ 130/QĐ-BYT writes a whole percentage until 2026-06-30; QĐ 1931/QĐ-BYT one decimal from 2026-07-01
    (benefits.md §4.1, §11.4 [UNCONFIRMED]); the mode is ``PricingOptions.muc_huong_rounding``.
    """
    mode = options.muc_huong_rounding
    if mode == "exact":
        return None
    row = params.scalars.get(("muc_huong_decimals",), on)
    if row is None:
        return None
    quantum = Decimal(1).scaleb(-int(row.values["value"]))
    rounded = muc.quantize(quantum, rounding=_MUC_MODES[mode])
    if rounded == muc:
        return None
    step = TraceStep(
        "ROUND.MUC_HUONG",
        "muc_huong",
        rounded,
        (("exact", muc), ("decimals", row.values["value"]), ("mode", mode), ("on", on.isoformat()),
         ("valid", row.validity), ("source", row.source)),
    )
    return rounded, step


def _order_key(w: _Work) -> tuple[datetime, int]:
    line = w.line
    return (line.line_datetime or _EARLIEST, line.stt)


def _rate(
    card: CardInfo,
    route: RouteInfo,
    below: bool,
    commune: bool,
    exempt_5y: bool,
    on: date,
    options: PricingOptions,
) -> tuple[Decimal, Decimal, str]:
    """R after exemptions, MUC_HUONG = R × F, and why (benefits.md §4.1 evaluation order)."""
    rate = card.rate
    why = f"card {card.prefix} {rate}%"
    if options.near_poor_full_rate_2026 and card.prefix.startswith("CN") and on >= _NEAR_POOR_2026:
        rate, why = HUNDRED, "near-poor 100% from 2026 (Resolution 261) [UNCONFIRMED]"
    if route.rate_override is not None:
        rate, why = route.rate_override, f"code {route.ma_doituong_kcb}: 100% regardless of card"
    elif commune:
        rate, why = HUNDRED, "commune level 100%"
    elif below:
        rate, why = HUNDRED, "in-scope total below 15% of base salary"
    elif exempt_5y:
        rate, why = HUNDRED, "five-year co-payment exemption"
    muc = rate * route.factor
    if route.factor != _ONE:
        why += f" × route factor {route.factor}"
    return rate, muc, why


def _amounts(w: _Work, ctx: _Ctx, cap45: Decimal | None, mode: str) -> None:
    """THANH_TIEN_BV, TYLE_TT_BH and THANH_TIEN_BH of one line (QĐ 130 as amended by QĐ 4750)."""
    line = w.line
    steps = w.steps
    qty = line.quantity
    if line.group == "drug":
        w.dv = dv = HUNDRED  # XML2 has no TYLE_TT_DV
        bv_gross = qty * line.unit_price_bv
        base = qty * w.price_bh
    else:
        dv = w.dv
        bv_gross = qty * line.unit_price_bv * dv * _PCT
        base = qty * w.price_bh * dv * _PCT
    w.bv = bv = bv_gross.quantize(CENT, rounding=mode)
    dv_step = _DV_STEPS.get((line.group, dv))
    if dv_step is None:
        why = (
            "drug line: XML2 has no TYLE_TT_DV"
            if line.group == "drug"
            else f"{line.group}: ratio given on the line"
        )
        dv_step = _DV_STEPS[(line.group, dv)] = TraceStep(
            "LINE.TYLE_TT_DV", "tyle_tt_dv", dv, (("why", why),)
        )
    steps.append(dv_step)
    steps.append(
        _new(
            TraceStep,
            (
                "LINE.THANH_TIEN_BV",
                "thanh_tien_bv",
                bv,
                (("quantity", qty), ("price", line.unit_price_bv), ("tyle_tt_dv", dv)),
                None,
            ),
        )
    )
    # TYLE_TT_BH
    card = w.card
    if line.pham_vi == 2:
        ratio, why = ZERO, "PHAM_VI 2: out of scope"
    elif line.pham_vi == 3:
        if card.digit == "5":
            ratio, why = HUNDRED, "PHAM_VI 3: outside the list, paid for army/police/cipher (Decree 70/2015)"
        else:
            ratio, why = ZERO, "PHAM_VI 3 is only paid for army/police/cipher cards"
            ctx.findings.append(
                Finding(f"lines[stt={line.stt}].pham_vi", why, "warning", line.stt, "pham_vi")
            )
    elif not card.ratio_limits_apply:
        ratio, why = HUNDRED, f"card digit {card.digit}: payment ratios of the lists are not applied"
    else:
        ratio, why = w.ratio, "ratio of the drug/service/supply list"
    w.ratio = ratio
    ratio_step = _RATIO_STEPS.get((ratio, why))
    if ratio_step is None:
        ratio_step = _RATIO_STEPS[(ratio, why)] = TraceStep(
            "LINE.TYLE_TT_BH", "tyle_tt_bh", ratio, (("why", why),)
        )
    steps.append(ratio_step)
    # other funding of type b is deducted from the cost before the split (QĐ 130, T_NGUONKHAC case b)
    if line.t_nguonkhac and line.t_nguonkhac_type == "b":
        nk = line.t_nguonkhac.quantize(CENT, rounding=mode)
        nk_b = min(nk, bv)
        if nk > bv:
            ctx.findings.append(
                Finding(
                    f"lines[stt={line.stt}].t_nguonkhac",
                    "other funding above the line cost",
                    stt=line.stt,
                    code="nguonkhac",
                )
            )
        w.nk_b = nk_b
        base = min(base, bv - nk_b)
    bh = (base * ratio * _PCT).quantize(CENT, rounding=mode)
    steps.append(
        _new(
            TraceStep,
            ("LINE.THANH_TIEN_BH", "thanh_tien_bh", bh, (("base", base), ("tyle_tt_bh", ratio)), None),
        )
    )
    # T_TRANTT 0 is how exports write "no ceiling" (a zero ceiling would be PHAM_VI 2 instead)
    if line.t_trantt and card.supply_cap_applies:
        trantt = line.t_trantt.quantize(CENT, rounding=mode)
        if bh > trantt:
            bh = trantt
            steps.append(TraceStep("LINE.CAP", "thanh_tien_bh", bh, (("t_trantt", trantt),)))
            if cap45 is not None and trantt > cap45:
                ctx.findings.append(
                    Finding(
                        f"lines[stt={line.stt}].t_trantt",
                        f"T_TRANTT {trantt} above 45 × base salary ({cap45})",
                        "warning",
                        line.stt,
                        "cap45",
                    )
                )
    ceiling = bv - w.nk_b
    if bh > ceiling:
        # a BH price above the hospital's own charge: the fund never pays more than the line costs
        ctx.findings.append(
            Finding(
                f"lines[stt={line.stt}].unit_price_bh",
                "BH amount above the hospital amount; limited to THANH_TIEN_BV",
                "warning",
                line.stt,
                "bh_above_bv",
            )
        )
        bh = max(ZERO, ceiling)
    w.bh = bh


def _finish(w: _Work, muc: Decimal, t_bhtt: Decimal, t_bncct: Decimal, ctx: _Ctx) -> PricedLine:
    """T_BHTT, T_BNCCT, T_BNTT, T_NGUONKHAC of one line; other funding of types a and c (QĐ 130)."""
    line = w.line
    steps = w.steps
    bh, bv, nk_b = w.bh, w.bv, w.nk_b
    steps.append(
        _new(TraceStep, ("LINE.T_BHTT", "t_bhtt", t_bhtt, (("thanh_tien_bh", bh), ("muc_huong", muc)), None))
    )
    t_bntt = bv - nk_b - bh
    nk = nk_b
    ntype = line.t_nguonkhac_type
    if ntype is not None or line.t_nguonkhac:
        nk, t_bhtt, t_bncct, t_bntt = _other_funding(w, ctx, nk, t_bhtt, t_bncct, t_bntt)
    else:
        steps.append(_NK_NONE)
    if not muc and t_bncct and ctx.options.zero_factor_share == "T_BNTT":
        t_bntt += t_bncct
        t_bncct = ZERO
        steps.append(TraceStep("LINE.ZERO_FACTOR", "t_bntt", t_bntt, (("target", "T_BNTT"),)))
    steps.append(
        _new(
            TraceStep, ("LINE.T_BNCCT", "t_bncct", t_bncct, (("thanh_tien_bh", bh), ("t_bhtt", t_bhtt)), None)
        )
    )
    steps.append(
        _new(
            TraceStep,
            (
                "LINE.T_BNTT",
                "t_bntt",
                t_bntt,
                (("thanh_tien_bv", bv), ("t_nguonkhac_b", nk_b), ("thanh_tien_bh", bh)),
                None,
            ),
        )
    )
    result: PricedLine = _new(
        PricedLine,
        (
            line.stt,
            line.code,
            line.group,
            line.quantity,
            line.unit_price_bv,
            w.price_bh,
            w.dv,
            w.ratio,
            muc,
            bv,
            bh,
            t_bhtt,
            t_bncct,
            t_bntt,
            nk,
            line.ma_nhom,
            line.ma_pttt,
            tuple(steps),
        ),
    )
    return result


def _other_funding(
    w: _Work, ctx: _Ctx, nk: Decimal, t_bhtt: Decimal, t_bncct: Decimal, t_bntt: Decimal
) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """Other funding of types a and c; type b was deducted before the split (QĐ 130 field T_NGUONKHAC)."""
    line = w.line
    steps = w.steps
    bv = w.bv
    nk_given = line.t_nguonkhac.quantize(CENT, rounding=ROUNDING_MODES[ctx.options.rounding])
    ntype = line.t_nguonkhac_type
    if ntype == "a" and nk_given > ZERO:
        left = min(nk_given, bv)
        if nk_given > bv:
            ctx.findings.append(
                Finding(
                    f"lines[stt={line.stt}].t_nguonkhac",
                    "other funding above the line cost",
                    stt=line.stt,
                    code="nguonkhac",
                )
            )
        nk = left
        take = min(left, t_bntt)
        t_bntt -= take
        left -= take
        take = min(left, t_bncct)
        t_bncct -= take
        left -= take
        t_bhtt -= left
        steps.append(
            TraceStep(
                "LINE.T_NGUONKHAC",
                "t_nguonkhac",
                nk,
                (("type", "a"), ("why", "deducted from T_BNTT, then T_BNCCT, then T_BHTT")),
            )
        )
    elif ntype == "c":
        nk = t_bncct
        t_bncct = ZERO
        steps.append(
            TraceStep(
                "LINE.T_NGUONKHAC",
                "t_nguonkhac",
                nk,
                (("type", "c"), ("why", "special case: other funding takes the co-payment")),
            )
        )
    elif ntype == "b" and nk > ZERO:
        steps.append(
            TraceStep(
                "LINE.T_NGUONKHAC",
                "t_nguonkhac",
                nk,
                (("type", "b"), ("why", "deducted from the cost before the split")),
            )
        )
    elif nk_given > ZERO and ntype is None:
        ctx.findings.append(
            Finding(
                f"lines[stt={line.stt}].t_nguonkhac_type",
                "other funding without a type (a, b or c); ignored",
                stt=line.stt,
                code="nguonkhac",
            )
        )
    return nk, t_bhtt, t_bncct, t_bntt


def _totals(lines: Sequence[PricedLine]) -> Totals:
    """XML1 roll-up as sums of rounded lines (benefits.md §6.4)."""
    t_thuoc = t_vtyt = bv = bh = bntt = bncct = bhtt = nk = gdv = ZERO
    mucs: set[Decimal] = set()
    for p in lines:
        if p.group == "drug":
            t_thuoc += p.thanh_tien_bv
        if (p.ma_nhom in _SUPPLY_GROUPS) if p.ma_nhom else p.group == "supply":
            t_vtyt += p.thanh_tien_bv
        bv += p.thanh_tien_bv
        bh += p.thanh_tien_bh
        bntt += p.t_bntt
        bncct += p.t_bncct
        bhtt += p.t_bhtt
        nk += p.t_nguonkhac
        if p.ma_pttt == 1:
            gdv += p.t_bhtt
        mucs.add(p.muc_huong)
    muc = next(iter(mucs)) if len(mucs) == 1 else None
    return Totals(t_thuoc, t_vtyt, bv, bh, bntt, bncct, bhtt, nk, gdv, muc)


def price_many(
    encounters: Iterable[Encounter],
    tariff: Tariff | None = None,
    as_of: date | None = None,
    options: PricingOptions = DEFAULT_OPTIONS,
    params: Parameters | None = None,
) -> list[PricedClaim]:
    """Price many encounters against one in-memory tariff index; one bad encounter never stops the batch.

    Same rules as :func:`price` (QĐ 130/QĐ-BYT; Decree 146/2018 Art. 14; Decree 188/2025 Art. 18).
    """
    params = params or default_parameters()
    # Pricing builds no reference cycles, but a batch allocates millions of small tuples (trace steps) that
    # keep triggering full cyclic-GC passes over everything already priced; pause the collector for the
    # batch (measured: 2.5× faster) and restore its previous state.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return [price(enc, tariff, as_of, options, params) for enc in encounters]
    finally:
        if was_enabled:
            gc.enable()
