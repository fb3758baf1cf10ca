"""The documented input shape of ``shared/spec/vectors.json`` ↔ :mod:`rules.model` (pure conversions).

``encounter_from_dict`` accepts one vector's ``inputs`` mapping; ``claim_to_dict`` renders a priced claim with
XML field names (upper case) for comparison with a vector's ``expected`` block and for JSON output.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from rules.errors import EncounterShapeError
from rules.model import (
    LINE_GROUPS,
    ROUTES,
    VISIT_TYPES,
    Card,
    Encounter,
    Facility,
    FiveYear,
    Line,
    LineGroup,
    OtherFundingType,
    PricedClaim,
    PricedLine,
    Route,
    TraceStep,
    VisitType,
)
from rules.money import normalize, to_decimal


def _dec(value: object, field: str, default: Decimal | None = None) -> Decimal:
    if value is None or value == "":
        if default is None:
            raise EncounterShapeError(field, "is required")
        return default
    try:
        return to_decimal(value)
    except (TypeError, ValueError, InvalidOperation) as exc:
        raise EncounterShapeError(field, f"not a number: {value!r}") from exc


def _opt_dec(value: object, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    return _dec(value, field)


def _date(value: object, field: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        if len(text) == 8 and text.isdigit():
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        return date.fromisoformat(text[:10])
    except ValueError as exc:
        raise EncounterShapeError(field, f"not a date: {value!r}") from exc


def _datetime(value: object, field: str) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    text = str(value).strip()
    try:
        if text.isdigit() and len(text) == 12:
            return datetime(int(text[:4]), int(text[4:6]), int(text[6:8]), int(text[8:10]), int(text[10:]))
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise EncounterShapeError(field, f"not a date-time: {value!r}") from exc


def _str(value: object) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def _line(raw: Mapping[str, Any], i: int) -> Line:
    f = f"lines[{i}]"
    group = raw.get("group")
    if group not in LINE_GROUPS:
        raise EncounterShapeError(f"{f}.group", f"must be one of {', '.join(LINE_GROUPS)}")
    ntype = _str(raw.get("t_nguonkhac_type"))
    if ntype is not None and ntype not in ("a", "b", "c"):
        raise EncounterShapeError(f"{f}.t_nguonkhac_type", "must be a, b or c")
    stt = raw.get("stt", i + 1)
    try:
        pham_vi = int(raw.get("pham_vi", 1))
        stt_int = int(stt)
        ma_pttt = int(raw.get("ma_pttt", 1) or 1)
    except (TypeError, ValueError) as exc:
        raise EncounterShapeError(f, "stt, pham_vi and ma_pttt must be integers") from exc
    return Line(
        stt=stt_int,
        code=str(raw.get("code", "")),
        group=cast(LineGroup, group),
        name=str(raw.get("name", "")),
        quantity=_dec(raw.get("quantity"), f"{f}.quantity"),
        unit_price_bv=_dec(raw.get("unit_price_bv", raw.get("unit_price")), f"{f}.unit_price_bv"),
        unit_price_bh=_dec(
            raw.get("unit_price_bh", raw.get("unit_price_bv", raw.get("unit_price"))), f"{f}.unit_price_bh"
        ),
        service_ratio=_dec(raw.get("service_ratio"), f"{f}.service_ratio", Decimal(100)),
        listed_payment_ratio=_dec(raw.get("listed_payment_ratio"), f"{f}.listed_payment_ratio", Decimal(100)),
        pham_vi=pham_vi,
        t_trantt=_opt_dec(raw.get("t_trantt"), f"{f}.t_trantt"),
        t_nguonkhac=_dec(raw.get("t_nguonkhac"), f"{f}.t_nguonkhac", Decimal(0)),
        t_nguonkhac_type=cast(OtherFundingType | None, ntype),
        line_datetime=_datetime(raw.get("line_datetime"), f"{f}.line_datetime"),
        ma_nhom=_str(raw.get("ma_nhom")),
        ma_pttt=ma_pttt,
        bed_type=_str(raw.get("bed_type")),
    )


def encounter_from_dict(raw: Mapping[str, Any]) -> Encounter:
    """Build an :class:`Encounter` from the vectors' input shape (:class:`EncounterShapeError` if bad).

    Besides the documented keys it accepts ``cards`` (list of ``{code, valid_from, valid_to,
    registered_facility}``) instead of ``card_code``, ``ma_khuvuc``, ``ma_lk`` and per-line ``line_datetime``,
    ``ma_nhom``, ``ma_pttt``, ``bed_type``, ``facility.icu_approved``, ``admitted_directly`` and
    ``card_presented_at``.
    """
    if not isinstance(raw, Mapping):
        raise EncounterShapeError("inputs", "must be an object")
    reg = str(raw.get("registered_facility", "") or "")
    cards: list[Card] = []
    if raw.get("cards"):
        for i, c in enumerate(raw["cards"]):
            cards.append(
                Card(
                    str(c.get("code", "")),
                    _date(c.get("valid_from"), f"cards[{i}].valid_from"),
                    _date(c.get("valid_to"), f"cards[{i}].valid_to"),
                    str(c.get("registered_facility", reg) or ""),
                )
            )
    elif raw.get("card_code"):
        for code in str(raw["card_code"]).split(";"):
            cards.append(
                Card(
                    code.strip(),
                    _date(raw.get("card_valid_from"), "card_valid_from"),
                    _date(raw.get("card_valid_to"), "card_valid_to"),
                    reg,
                )
            )
    fac_raw = raw.get("facility") or {}
    facility = Facility(
        code=str(fac_raw.get("code", "") or ""),
        old_level=fac_raw.get("old_level"),
        new_level=fac_raw.get("new_level"),
        pre2025_level=fac_raw.get("pre2025_level"),
        hospital_class=_str(fac_raw.get("hospital_class")),
        basic_level_score=_opt_dec(fac_raw.get("basic_level_score"), "facility.basic_level_score"),
        icu_approved=fac_raw.get("icu_approved") if isinstance(fac_raw.get("icu_approved"), bool) else None,
    )
    route = raw.get("route")
    if route not in ROUTES:
        raise EncounterShapeError("route", f"must be one of {', '.join(ROUTES)}")
    visit = raw.get("visit_type")
    if visit not in VISIT_TYPES:
        raise EncounterShapeError("visit_type", f"must be one of {', '.join(VISIT_TYPES)}")
    enc_date = _date(raw.get("encounter_date"), "encounter_date")
    admission = _datetime(raw.get("admission_datetime"), "admission_datetime")
    if enc_date is None:
        if admission is None:
            raise EncounterShapeError("encounter_date", "is required")
        enc_date = admission.date()
    five_raw = raw.get("five_year")
    five = None
    if five_raw:
        five = FiveYear(
            _date(five_raw.get("nam_nam_lien_tuc"), "five_year.nam_nam_lien_tuc"),
            _date(five_raw.get("ngay_mien_cct"), "five_year.ngay_mien_cct"),
            _opt_dec(five_raw.get("prior_copay_in_year"), "five_year.prior_copay_in_year"),
            _opt_dec(five_raw.get("prior_copay_base_salary"), "five_year.prior_copay_base_salary"),
        )
    lines_raw = raw.get("lines")
    if not isinstance(lines_raw, list):
        raise EncounterShapeError("lines", "must be a list")
    return Encounter(
        encounter_date=enc_date,
        cards=tuple(cards),
        facility=facility,
        route=cast(Route, route),
        visit_type=cast(VisitType, visit),
        lines=tuple(_line(lr, i) for i, lr in enumerate(lines_raw)),
        ma_lk=str(raw.get("ma_lk", "") or ""),
        registered_facility=reg,
        emergency=bool(raw.get("emergency", False)),
        admission_datetime=admission,
        discharge_datetime=_datetime(raw.get("discharge_datetime"), "discharge_datetime"),
        ma_loai_kcb=_str(raw.get("ma_loai_kcb")),
        ma_doituong_kcb=_str(raw.get("ma_doituong_kcb")),
        ma_khuvuc=_str(raw.get("ma_khuvuc")),
        discharge_type=_str(raw.get("discharge_type")),
        condition_at_discharge=_str(raw.get("condition_at_discharge")),
        admitted_directly=raw.get("admitted_directly") is True,
        card_presented_at=_datetime(raw.get("card_presented_at"), "card_presented_at"),
        transfer_to=_str(raw.get("transfer_to")),
        five_year=five,
    )


def _num(value: Decimal | None) -> int | float | None:
    """JSON number for a Decimal: int when integral, else float of the 2-decimal value (display only)."""
    if value is None:
        return None
    v = normalize(value)
    return int(v) if v == v.to_integral_value() else float(v)


LINE_FIELDS = (
    "THANH_TIEN_BV",
    "THANH_TIEN_BH",
    "TYLE_TT_DV",
    "TYLE_TT_BH",
    "MUC_HUONG",
    "T_BHTT",
    "T_BNCCT",
    "T_BNTT",
    "T_NGUONKHAC",
)
TOTAL_FIELDS = (
    "T_THUOC",
    "T_VTYT",
    "T_TONGCHI_BV",
    "T_TONGCHI_BH",
    "T_BHTT",
    "T_BNCCT",
    "T_BNTT",
    "T_NGUONKHAC",
    "T_BHTT_GDV",
    "MUC_HUONG",
)


def line_to_dict(p: PricedLine) -> dict[str, Any]:
    """A priced line with XML field names."""
    return {"stt": p.stt, "code": p.code, **{f: _num(getattr(p, f.lower())) for f in LINE_FIELDS}}


def trace_to_dict(step: TraceStep) -> dict[str, Any]:
    """A trace step with its legal reference and texts."""
    return {
        "rule": step.rule_id,
        "field": step.field,
        "value": _num(step.value) if isinstance(step.value, Decimal) else step.value,
        "params": {k: str(v) for k, v in step.params},
        "tariff_row": step.tariff_row,
        "legal_ref": step.legal_ref,
        "text_vi": step.text_vi,
        "text_en": step.text_en,
    }


def claim_to_dict(claim: PricedClaim, with_trace: bool = True) -> dict[str, Any]:
    """A priced claim as JSON-ready data (XML field names for amounts)."""
    p = claim.parameters
    out: dict[str, Any] = {
        "parameters": {
            "base_salary": _num(p.base_salary),
            "threshold_15pct": _num(p.threshold_15pct),
            "card_rate": _num(p.card_rate),
            "route_factor": _num(p.route_factor),
            "muc_huong": _num(p.muc_huong),
            "final_rate_after_exemptions": _num(p.final_rate_after_exemptions),
            "bed_days": p.bed_days,
            "MA_LYDO_VVIEN": p.ma_lydo_vvien,
            "MA_DOITUONG_KCB": p.ma_doituong_kcb,
            "NGAY_MIEN_CCT": p.ngay_mien_cct.strftime("%Y%m%d") if p.ngay_mien_cct else None,
            "vtyt_cap_45_months": _num(p.vtyt_cap_45_months),
        },
        "lines": [],
        "totals": {f: _num(getattr(claim.totals, f.lower())) for f in TOTAL_FIELDS},
        "rejected_lines": [
            {"stt": r.stt, "code": r.code, "field": r.field, "reason": r.reason} for r in claim.rejected
        ],
        "findings": [
            {"field": f.field, "reason": f.reason, "severity": f.severity, "stt": f.stt, "code": f.code}
            for f in claim.findings
        ],
    }
    for line in claim.lines:
        d = line_to_dict(line)
        if with_trace:
            d["trace"] = [trace_to_dict(s) for s in line.trace]
        out["lines"].append(d)
    if with_trace:
        out["trace"] = [trace_to_dict(s) for s in claim.trace]
    return out
