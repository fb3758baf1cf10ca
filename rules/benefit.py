"""Claim-level benefit: card rate, route / expertise-level factor, thresholds (benefits.md §2–§5)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from rules.model import Card, Encounter, Facility, Finding, Severity, TraceStep
from rules.options import PricingOptions
from rules.params import DatedRow, Parameters

REGIME_B_START = date(2025, 1, 1)
_CARD_RE = re.compile(r"^[A-Z]{2}[0-9]")
_ONE = Decimal(1)
_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class CardInfo:
    """A resolved card: its benefit digit row (rate, ratio-limit flag) and validity."""

    card: Card
    prefix: str
    digit: str
    rate: Decimal
    ratio_limits_apply: bool
    supply_cap_applies: bool
    step: TraceStep


class RouteFacts(NamedTuple):
    """The encounter facts the route / expertise-level factor depends on (hashable, for caching)."""

    emergency: bool
    route: str
    facility: Facility
    ma_khuvuc: str | None
    ma_doituong_kcb: str | None
    visit_type: str

    @classmethod
    def of(cls, enc: Encounter, visit_type: str | None = None) -> RouteFacts:
        """Facts of ``enc``; ``visit_type`` overrides the encounter's (exam before admission)."""
        return cls(
            enc.emergency,
            enc.route,
            enc.facility,
            enc.ma_khuvuc,
            enc.ma_doituong_kcb,
            visit_type or enc.visit_type,
        )


@dataclass(frozen=True, slots=True)
class RouteInfo:
    """Route / expertise-level outcome for one visit type."""

    factor: Decimal
    rate_override: Decimal | None
    self_referral: bool
    ma_doituong_kcb: str | None
    ma_lydo_vvien: str | None
    step: TraceStep


def _valid(row: DatedRow, on: date) -> tuple[tuple[str, str], ...]:
    return (("on", on.isoformat()), ("valid", row.validity), ("source", row.source))


def resolve_card(
    card: Card, index: int, on: date, params: Parameters, options: PricingOptions, findings: list[Finding]
) -> CardInfo | None:
    """Rule CARD.RATE — the benefit rate comes from the card's 3rd character (benefits.md §2.2).

    Returns None (with an ``error`` finding) when the code has no object code + digit or the digit is unknown.
    """
    code = card.code.strip().upper()
    field = f"cards[{index}].code"
    if not _CARD_RE.match(code):
        findings.append(
            Finding(
                field, "card code does not start with a 2-letter object code and a digit", code="card_format"
            )
        )
        return None
    if len(code) != 15:
        findings.append(
            Finding(
                field, f"card code has {len(code)} characters, expected 15", "warning", code="card_length"
            )
        )
    prefix, digit = code[:3], code[2]
    row = params.card_digits.get((digit,), on)
    if row is None:
        findings.append(
            Finding(field, f"benefit digit {digit} is not defined on {on.isoformat()}", code="card_digit")
        )
        return None
    if params.card_prefixes.get((prefix,), on) is None:
        severity: Severity = "warning" if options.unknown_prefix == "price_by_digit" else "error"
        findings.append(
            Finding(
                field,
                f"card prefix {prefix} is not in the benefit-level table on {on.isoformat()}",
                severity,
                code="card_prefix",
            )
        )
        if severity == "error":
            return None
    rate = Decimal(row.values["rate"])
    step = TraceStep("CARD.RATE", "card_rate", rate, (("prefix", prefix), ("digit", digit), *_valid(row, on)))
    return CardInfo(
        card,
        prefix,
        digit,
        rate,
        row.values["ratio_limits_apply"] == "1",
        row.values["supply_cap_applies"] == "1",
        step,
    )


@lru_cache(maxsize=8192)
def resolve_card_cached(
    card: Card, index: int, on: date, params: Parameters, options: PricingOptions
) -> tuple[CardInfo | None, tuple[Finding, ...]]:
    """:func:`resolve_card` memoised per card, position and date (batches repeat them)."""
    findings: list[Finding] = []
    info = resolve_card(card, index, on, params, options, findings)
    return info, tuple(findings)


def normalize_doituong(code: str) -> str:
    """``02`` → ``2``, ``01.1`` → ``1.1`` (old exports zero-pad the integer part)."""
    head, _, tail = code.strip().partition(".")
    head = head.lstrip("0") or "0"
    return f"{head}.{tail}" if tail else head


def derive_doituong(enc: RouteFacts | Encounter) -> str:
    """Derive the QĐ 3276 ``MA_DOITUONG_KCB`` from the route facts (first matching code in table order)."""
    fac = enc.facility
    if enc.emergency or enc.route == "emergency":
        return "2"
    if fac.new_level == "ban_dau":
        return "1.2"
    if enc.route == "registered_facility":
        return "1.1"
    if enc.route == "referral":
        return "1.3"
    if enc.route == "appointment":
        return "1.5"
    inpatient = enc.visit_type == "inpatient"
    pre = fac.pre2025_level or fac.old_level
    if pre in ("district", "commune"):
        return "3.3"
    if fac.new_level == "chuyen_sau":
        if pre == "central":
            return "3.1"
        return "3.2" if inpatient else "1.18"
    if inpatient:
        return "1.15"
    if pre in ("provincial", "central"):
        return "1.14"
    score = fac.basic_level_score
    if score is not None and score >= 50:
        return "1.13"
    return "1.12"


def route_factor(
    enc: Encounter,
    on: date,
    visit_type: str,
    params: Parameters,
    options: PricingOptions,
    findings: list[Finding],
) -> RouteInfo:
    """Route factor F (regime A until 2024-12-31, QĐ 3276 codes from 2025-01-01), benefits.md §4.3–§4.4."""
    info, found = _route_cached(RouteFacts.of(enc, visit_type), on, params, options)
    findings.extend(found)
    return info


@lru_cache(maxsize=8192)
def _route_cached(
    facts: RouteFacts, on: date, params: Parameters, options: PricingOptions
) -> tuple[RouteInfo, tuple[Finding, ...]]:
    # encounters repeat the same facts and dates: the factor is computed once per combination
    findings: list[Finding] = []
    if on >= REGIME_B_START:
        info = _regime_b(facts, on, facts.visit_type, params, options, findings)
    else:
        info = _regime_a(facts, on, facts.visit_type, params, findings)
    return info, tuple(findings)


def _regime_a(
    enc: RouteFacts, on: date, visit_type: str, params: Parameters, findings: list[Finding]
) -> RouteInfo:
    if enc.emergency or enc.route == "emergency":
        return RouteInfo(_ONE, None, False, None, "2", TraceStep("ROUTE.EMERGENCY", "route_factor", _ONE))
    if enc.route != "self_referral":
        step = TraceStep("ROUTE.RIGHT", "route_factor", _ONE, (("route", enc.route),))
        return RouteInfo(_ONE, None, False, None, "1", step)
    level = enc.facility.old_level
    if level is None:
        findings.append(
            Finding("facility.old_level", "route level of the facility is needed for a self-referral")
        )
        return RouteInfo(
            _ZERO,
            None,
            True,
            None,
            "3",
            TraceStep("ROUTE.WRONG", "route_factor", _ZERO, (("old_level", "?"),)),
        )
    khuvuc = (enc.ma_khuvuc or "").upper()
    if khuvuc in ("K1", "K2", "K3") and (level in ("district", "commune") or visit_type == "inpatient"):
        step = TraceStep("ROUTE.KHUVUC", "route_factor", _ONE, (("ma_khuvuc", khuvuc),))
        return RouteInfo(_ONE, None, True, None, "3", step)
    vt = "inpatient" if visit_type == "inpatient" else "outpatient"
    row = params.route_factors.get((level, vt), on)
    if row is None:
        findings.append(Finding("encounter_date", f"no route factor for {level}/{vt} on {on.isoformat()}"))
        factor = _ZERO
        extra: tuple[tuple[str, str], ...] = (("on", on.isoformat()),)
    else:
        factor = Decimal(row.values["factor"])
        extra = _valid(row, on)
    lydo = "4" if factor == _ONE and level in ("district", "commune") else "3"
    step = TraceStep(
        "ROUTE.WRONG", "route_factor", factor, (("old_level", level), ("visit_type", vt), *extra)
    )
    return RouteInfo(factor, None, True, None, lydo, step)


def _regime_b(
    enc: RouteFacts,
    on: date,
    visit_type: str,
    params: Parameters,
    options: PricingOptions,
    findings: list[Finding],
) -> RouteInfo:
    code = normalize_doituong(enc.ma_doituong_kcb) if enc.ma_doituong_kcb else None
    if code is None:
        if not options.derive_ma_doituong_kcb:
            findings.append(Finding("ma_doituong_kcb", "MA_DOITUONG_KCB is required from 2025-01-01"))
            return RouteInfo(
                _ZERO,
                None,
                False,
                None,
                None,
                TraceStep("ROUTE.DOITUONG", "route_factor", _ZERO, (("code", "?"),)),
            )
        code = derive_doituong(enc)
    vt = "inpatient" if visit_type == "inpatient" else "outpatient"
    row = params.doituong_kcb.get((code, vt), on) or params.doituong_kcb.get((code, "any"), on)
    if row is None:
        findings.append(
            Finding("ma_doituong_kcb", f"code {code} has no benefit factor for {vt} on {on.isoformat()}")
        )
        return RouteInfo(
            _ZERO,
            None,
            False,
            code,
            None,
            TraceStep("ROUTE.DOITUONG", "route_factor", _ZERO, (("code", code), ("visit_type", vt))),
        )
    factor = Decimal(row.values["factor"])
    override = Decimal(row.values["rate_override"]) if row.values["rate_override"] else None
    step = TraceStep(
        "ROUTE.DOITUONG", "route_factor", factor, (("code", code), ("visit_type", vt), *_valid(row, on))
    )
    return RouteInfo(factor, override, row.values["self_referral"] == "1", code, None, step)


def base_salary(on: date, params: Parameters) -> tuple[Decimal, TraceStep] | None:
    """Base salary (lương cơ sở) in force on ``on`` (benefits.md §3)."""
    row = params.base_salary.get((), on)
    if row is None:
        return None
    value = Decimal(row.values["amount"])
    return value, TraceStep("PARAM.BASE_SALARY", "base_salary", value, _valid(row, on))


def multiple(
    name: str, on: date, lcs: Decimal, params: Parameters, rule_id: str
) -> tuple[Decimal, TraceStep] | None:
    """``multiplier × base salary`` for a named multiplier in force on ``on`` (15 %, 6 ×, 45 ×)."""
    row = params.multipliers.get((name,), on)
    if row is None:
        return None
    mult = Decimal(row.values["value"])
    value = mult * lcs
    step = TraceStep(
        rule_id, name, value, (("multiplier", str(mult)), ("base_salary", str(lcs)), *_valid(row, on))
    )
    return value, step


def direct_payment_cap(
    level: str, visit_type: str, on: date, params: Parameters | None = None
) -> tuple[Decimal, TraceStep] | None:
    """Most BHXH refunds when the patient paid a non-contracted facility (Decree 146/2018 Art. 30 until
    2025-06-30; Decree 188/2025 Art. 57 from 2025-07-01 [UNCONFIRMED]): multiplier × base salary on ``on``.

    ``level``: ``district``/``provincial``/``central``/``wrong_registration`` (until 2025-06-30) or
    ``co_ban``/``co_ban_50_70``/``chuyen_sau`` (from 2025-07-01). None when no cap is defined (not refunded).
    """
    from rules.params import default_parameters

    params = params or default_parameters()
    row = params.direct_payment_caps.get((level, visit_type), on)
    lcs = base_salary(on, params)
    if row is None or lcs is None:
        return None
    mult = Decimal(row.values["multiplier"])
    value = mult * lcs[0]
    step = TraceStep(
        "PARAM.DIRECT_PAYMENT_CAP",
        "direct_payment_cap",
        value,
        (("multiplier", str(mult)), ("base_salary", lcs[0]), *_valid(row, on)),
    )
    return value, step
