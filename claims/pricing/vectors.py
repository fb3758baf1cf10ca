"""Run files in the shape of ``shared/spec/vectors.json`` through the engine and compare with ``expected``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import rules
from rules.shape import claim_to_dict

#: expected.parameters keys the engine computes; others (notes, descriptions) are informative only
PARAMETER_KEYS = (
    "base_salary",
    "threshold_15pct",
    "card_rate",
    "route_factor",
    "muc_huong",
    "bed_days",
    "final_rate_after_exemptions",
    "MA_LYDO_VVIEN",
    "MA_DOITUONG_KCB",
    "NGAY_MIEN_CCT",
    "vtyt_cap_45_months",
)


@dataclass
class VectorResult:
    """Outcome of one vector: computed output and the list of mismatches (empty = PASS)."""

    vector_id: str
    name: str
    computed: dict[str, Any]
    mismatches: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def passed(self) -> bool:
        return not self.mismatches and self.error is None


def _same(expected: object, actual: object) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected == actual
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return Decimal(str(expected)) == Decimal(str(actual))
    return str(expected) == str(actual)


def _stt_of(item: object) -> object:
    if isinstance(item, Mapping):
        return item.get("stt")
    return item


def compare(expected: Mapping[str, Any], computed: Mapping[str, Any]) -> list[str]:
    """Mismatches between a vector's ``expected`` block and :func:`rules.claim_to_dict` output."""
    out: list[str] = []
    by_stt = {line["stt"]: line for line in computed["lines"]}
    for exp in expected.get("lines") or []:
        got = by_stt.get(exp.get("stt"))
        if got is None:
            out.append(f"line {exp.get('stt')}: not priced")
            continue
        for key, value in exp.items():
            if key in ("stt", "code", "name"):
                continue
            if not _same(value, got.get(key)):
                out.append(f"line {exp['stt']} {key}: expected {value}, got {got.get(key)}")
    for key, value in (expected.get("totals") or {}).items():
        if key == "MUC_HUONG" and not isinstance(value, int | float):
            continue  # a description when lines differ
        if not _same(value, computed["totals"].get(key)):
            out.append(f"totals {key}: expected {value}, got {computed['totals'].get(key)}")
    exp_rej = sorted(str(_stt_of(r)) for r in (expected.get("rejected_lines") or []))
    got_rej = sorted(str(r["stt"]) for r in computed["rejected_lines"])
    if exp_rej != got_rej:
        out.append(f"rejected lines: expected {exp_rej or 'none'}, got {got_rej or 'none'}")
    params = expected.get("parameters") or {}
    for key in PARAMETER_KEYS:
        if key in params and not _same(params[key], computed["parameters"].get(key)):
            out.append(f"parameter {key}: expected {params[key]}, got {computed['parameters'].get(key)}")
    return out


def run_vectors(
    document: Mapping[str, Any],
    options: rules.PricingOptions = rules.DEFAULT_OPTIONS,
) -> list[VectorResult]:
    """Price every vector of a vectors.json-shaped document; a bad vector is a FAIL, not an exception."""
    results: list[VectorResult] = []
    for vec in document.get("vectors") or []:
        vid = str(vec.get("id", "?"))
        name = str(vec.get("name", ""))
        try:
            enc = rules.encounter_from_dict(vec.get("inputs") or {})
        except rules.EncounterShapeError as exc:
            results.append(VectorResult(vid, name, {}, error=f"bad input: {exc}"))
            continue
        claim = rules.price(enc, options=options)
        computed = claim_to_dict(claim, with_trace=False)
        results.append(VectorResult(vid, name, computed, compare(vec.get("expected") or {}, computed)))
    return results
