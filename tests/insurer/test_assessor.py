"""The office's assessment: re-pricing with its own tariff, disallowed lines with reasons, exact money."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal

import rules
from claims.catalogue.demo import demo_tariff
from claims.insurer.assessor import TariffAssessor
from claims.insurer.schemas import AssessmentResult, ReceivedDocument
from rules import checks
from tests.insurer.claims_support import FACILITY, demo_claims, profile

AT = datetime(2026, 11, 5, 8, 0, tzinfo=UTC)


def _document(envelope: bytes, ma_lk: str, fund: Decimal | None) -> ReceivedDocument:
    return ReceivedDocument("GD1", "claim", FACILITY, ma_lk, 1, "ab" * 32, AT, len(envelope), "2026-10", None, fund,
                            envelope)  # fmt: skip


def _assess(tariff: rules.Tariff, **kwargs: object) -> list[AssessmentResult]:
    assessor = TariffAssessor(tariff, lambda _code: profile(), **kwargs)  # type: ignore[arg-type]
    return [assessor(_document(env, h.ma_lk, h.xml1.t_bhtt if h.xml1 else None), AT) for h, env in demo_claims()]


def _invariants(result: AssessmentResult) -> None:
    for line in result.lines:
        assert line.approved + line.disallowed == line.claimed and line.approved >= 0
        if line.disallowed:
            assert line.reasons and sum(r.amount or 0 for r in line.reasons) == line.disallowed
            assert all(r.rule and r.message and r.message_en for r in line.reasons)
    assert result.approved + result.disallowed == result.claimed
    assert result.approved == sum((line.approved for line in result.lines), Decimal(0))


def _first_drug_code() -> str:
    hoso = next(h for h, _ in demo_claims() if h.xml2)
    return hoso.xml2[0].ma_thuoc


def test_claims_priced_with_the_same_tariff_are_accepted_in_full() -> None:
    results = _assess(demo_tariff())
    for (hoso, _), result in zip(demo_claims(), results, strict=True):
        _invariants(result)
        assert result.status == "accepted" and result.disallowed == 0
        assert result.claimed == hoso.xml1.t_bhtt  # type: ignore[union-attr]
        assert len(result.lines) == len(hoso.xml2) + len(hoso.xml3)


def test_a_price_above_the_office_tariff_loses_the_difference_naming_the_row() -> None:
    code = _first_drug_code()
    half = rules.Tariff(
        dataclasses.replace(r, price_bh=(r.price_bh / 2).quantize(Decimal("0.001"))) if r.code == code else r
        for r in demo_tariff().rows()
    )
    results = _assess(half)
    cut = [line for r in results for line in r.lines if line.disallowed]
    assert cut and all(line.item_code == code for line in cut)
    for line in cut:
        [reason] = line.reasons
        assert reason.code == "PRICE_ABOVE_TARIFF" and reason.rule == "LINE.TARIFF"
        assert reason.tariff_row and reason.tariff_row.startswith(f"demo_tariff.csv:{code}#")
        assert Decimal(0) < line.approved < line.claimed  # only the difference, not the whole line
    for result in results:
        _invariants(result)
        assert result.status in ("accepted", "partially_accepted")


def test_a_code_missing_from_the_office_tariff_loses_the_whole_line() -> None:
    code = _first_drug_code()
    missing = rules.Tariff(r for r in demo_tariff().rows() if r.code != code)
    by_check = [line for r in _assess(missing) for line in r.lines if line.disallowed]
    assert by_check and all(line.approved == 0 and line.reasons[0].code == "CAT_CODE_UNKNOWN" for line in by_check)
    # without the catalogue checks the engine's own tariff lookup refuses the line
    enabled = frozenset(c.code for c in checks.CHECKS if not c.code.startswith("CAT_"))
    results = _assess(missing, enabled=enabled)
    by_engine = [line for r in results for line in r.lines if line.disallowed]
    assert len(by_engine) == len(by_check)
    assert all(line.reasons[0].code == "CODE_NOT_IN_TARIFF" and line.reasons[0].rule == "TARIFF.LOOKUP"
               for line in by_engine)  # fmt: skip
    for result in results:
        _invariants(result)


def test_an_unreadable_file_is_rejected_with_a_reason() -> None:
    assessor = TariffAssessor(demo_tariff(), lambda _code: profile())
    result = assessor(_document(b"<GIAMDINHHS><oops", "X1", Decimal("100.00")), AT)
    assert result.status == "rejected" and result.approved == 0 and result.disallowed == Decimal("100.00")
    assert result.reasons[0].code == "CLAIM_UNREADABLE"


def test_bed_days_over_the_stay_lose_their_lines_as_the_checks_say() -> None:
    from claims.demo.generator import generate_encounters
    from claims.encounter.schemas import LineGroup
    from claims.exchange.claim_builder import build_hoso
    from claims.exchange.writer import write_claim
    from claims.pricing.adapter import price_encounters

    encounter = next(e for e in generate_encounters(40, 3, FACILITY, expired_card_share=0.0)
                     if any(line.group == LineGroup.BED for line in e.lines))  # fmt: skip
    lines = list(encounter.lines)
    bed = next(i for i, line in enumerate(lines) if line.group == LineGroup.BED)
    lines[bed] = lines[bed].model_copy(update={"quantity": Decimal(30)})  # a month of bed days in a short stay
    [priced] = price_encounters([encounter.model_copy(update={"lines": tuple(lines)})], profile(), demo_tariff())
    hoso = build_hoso(priced)
    result = TariffAssessor(demo_tariff(), lambda _code: profile())(
        _document(write_claim(hoso, ngaylap="20261101"), hoso.ma_lk, hoso.xml1.t_bhtt if hoso.xml1 else None), AT
    )
    _invariants(result)
    cut = [line for line in result.lines if line.disallowed]
    assert result.status == "partially_accepted" and cut
    assert all(line.approved == 0 and line.reasons[0].code.startswith("BED_DAY") for line in cut)
    assert {line.reasons[0].code for line in cut} <= {"BED_DAY_QTY_EXCEEDS_PERIOD", "BED_DAYS_EXCEED_STAY"}
