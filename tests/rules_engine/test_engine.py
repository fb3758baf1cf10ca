from datetime import date
from decimal import Decimal

import pytest

import rules
from rules import PricingOptions, encounter_from_dict, price

from .helpers import encounter, line

D = Decimal


def priced(raw: dict, **kw) -> rules.PricedClaim:  # type: ignore[type-arg]
    return price(encounter_from_dict(raw), **kw)


def by_stt(claim: rules.PricedClaim) -> dict[int, rules.PricedLine]:
    return {p.stt: p for p in claim.lines}


def test_threshold_is_strictly_below() -> None:
    # 351,000 is exactly 15 % of 2,340,000: not below, the card rate applies
    claim = priced(encounter([line(1, bv=351000)]))
    assert claim.lines[0].muc_huong == 80
    claim = priced(encounter([line(1, bv=350999)]))
    assert claim.lines[0].muc_huong == 100


def test_base_salary_changes_on_2024_07_01() -> None:
    raw = encounter([line(1, bv=300000)], encounter_date="2024-07-01", admission_datetime="2024-07-01T08:00")
    assert priced(raw).lines[0].muc_huong == 100  # threshold 351,000
    raw = encounter([line(1, bv=300000)], encounter_date="2024-06-30", admission_datetime="2024-06-30T08:00")
    assert priced(raw).lines[0].muc_huong == 80  # threshold 270,000


def test_unknown_prefix_is_a_finding_and_priced_by_digit() -> None:
    claim = priced(encounter([line(1, bv=500000)], card_code="ZZ4010123456701"))
    assert any(f.field == "cards[0].code" and "ZZ4" in f.reason for f in claim.findings)
    assert claim.lines[0].muc_huong == 80
    strict = priced(
        encounter([line(1, bv=500000)], card_code="ZZ4010123456701"),
        options=PricingOptions(unknown_prefix="reject"),
    )
    assert strict.lines == () and strict.rejected[0].field == "card"


def test_bad_card_digit_rejects_lines() -> None:
    claim = priced(encounter([line(1)], card_code="DN9010123456701"))
    assert claim.lines == ()
    assert claim.rejected and claim.rejected[0].field == "card"
    assert any("digit 9" in f.reason for f in claim.findings)


def test_card_not_valid_on_the_date() -> None:
    raw = encounter(
        [line(1)], cards=[{"code": "DN4010123456701", "valid_from": "2025-01-01", "valid_to": "2025-12-31"}]
    )
    claim = priced(raw)
    assert claim.lines == ()
    assert claim.rejected[0].reason.startswith("no valid card on 2024-10-02")
    assert any(f.field == "cards" for f in claim.findings)


def test_negative_quantity_is_a_rejected_line_not_an_exception() -> None:
    claim = priced(encounter([line(1, qty=-1), line(2, bv=400000)]))
    assert [r.stt for r in claim.rejected] == [1]
    assert claim.rejected[0].field == "quantity"
    assert [p.stt for p in claim.lines] == [2]
    assert claim.totals.t_tongchi_bv == D(400000)


def test_code_missing_from_tariff_on_that_date() -> None:
    tariff = rules.Tariff(
        [rules.TariffRow("C1", "x", "service", D(100000), date(2024, 1, 1), date(2024, 6, 30))]
    )
    claim = priced(encounter([line(1)]), tariff=tariff)
    assert claim.rejected[0].field == "code"
    assert "not in the catalogue on 2024-10-02" in claim.rejected[0].reason


def test_tariff_price_caps_bh_price_and_is_traced() -> None:
    tariff = rules.Tariff(
        [rules.TariffRow("C1", "x", "service", D(90000), date(2024, 1, 1), row_id="t.csv:2")]
    )
    claim = priced(
        encounter([line(1, bv=100000), line(2, bv=500000, code="C1")]),
        tariff=rules.Tariff([*tariff.rows(), rules.TariffRow("C2", "y", "service", None, date(2024, 1, 1))]),
    )
    p = by_stt(claim)[1]
    assert p.don_gia_bh == D(90000) and p.thanh_tien_bh == D(90000) and p.t_bntt == D(10000)
    assert any(s.tariff_row == "t.csv:2" for s in p.trace)
    assert any(f.code == "price_above" for f in claim.findings)
    # stt 2 uses code C1 too, so it is found; nothing else rejected
    assert claim.rejected == ()


def test_ratio_ignored_for_digit_1_and_5_but_not_2() -> None:
    for card, expected in (("CC1010123456705", 100), ("QN5010123456705", 100), ("HN2010123456704", 50)):
        claim = priced(
            encounter([line(1, group="drug", bv=1000000, listed_payment_ratio=50)], card_code=card)
        )
        assert claim.lines[0].tyle_tt_bh == expected, card


def test_out_of_scope_line_is_self_paid() -> None:
    claim = priced(encounter([line(1, bv=500000), line(2, bv=200000, pham_vi=2)]))
    p = by_stt(claim)[2]
    assert p.tyle_tt_bh == 0 and p.thanh_tien_bh == 0 and p.t_bntt == D(200000) and p.t_bhtt == 0


def test_hospital_price_above_bh_price_goes_to_t_bntt() -> None:
    claim = priced(encounter([line(1, bv=300000, bh=58600), line(2, bv=500000)]))
    p = by_stt(claim)[1]
    assert p.thanh_tien_bv == D(300000) and p.thanh_tien_bh == D(58600)
    assert p.t_bntt == D(241400) and p.t_bhtt == D("46880.00")


def test_half_up_rounding_of_fractional_amounts() -> None:
    # 3 × 0.125 × 100 % = 0.375 → 0.38 half-up (half-even also gives 0.38); 0.125 → 0.13 vs 0.12
    claim = priced(encounter([line(1, group="drug", qty="1", bv="0.125"), line(2, bv=500000)]))
    assert by_stt(claim)[1].thanh_tien_bv == D("0.13")
    even = priced(
        encounter([line(1, group="drug", qty="1", bv="0.125"), line(2, bv=500000)]),
        options=PricingOptions(rounding="half_even"),
    )
    assert by_stt(even)[1].thanh_tien_bv == D("0.12")


def test_other_funding_type_a_deducts_self_pay_then_copay_then_fund() -> None:
    raw = encounter(
        [line(1, group="drug", bv=1000000, listed_payment_ratio=50, t_nguonkhac=600000, t_nguonkhac_type="a")]
    )
    p = priced(raw).lines[0]
    # provisional: BH 500,000; BHTT 400,000; BNCCT 100,000; BNTT 500,000 → minus 600,000
    assert (p.t_bntt, p.t_bncct, p.t_bhtt, p.t_nguonkhac) == (0, 0, D(400000), D(600000))
    raw = encounter(
        [line(1, group="drug", bv=1000000, listed_payment_ratio=50, t_nguonkhac=700000, t_nguonkhac_type="a")]
    )
    p = priced(raw).lines[0]
    assert (p.t_bntt, p.t_bncct, p.t_bhtt, p.t_nguonkhac) == (0, 0, D(300000), D(700000))


def test_other_funding_type_c_takes_the_copayment() -> None:
    p = priced(encounter([line(1, group="drug", bv=1000000, t_nguonkhac_type="c")])).lines[0]
    assert p.t_bncct == 0 and p.t_nguonkhac == D(200000) and p.t_bhtt == D(800000)


def test_zero_factor_share_option() -> None:
    raw = encounter(
        [line(1, bv=100000)],
        route="self_referral",
        encounter_date="2023-10-12",
        admission_datetime="2023-10-12T08:00",
        facility={"code": "x", "old_level": "provincial"},
    )
    p = priced(raw).lines[0]
    assert p.muc_huong == 0 and p.t_bncct == D(100000) and p.t_bntt == 0
    p = priced(raw, options=PricingOptions(zero_factor_share="T_BNTT")).lines[0]
    assert p.t_bncct == 0 and p.t_bntt == D(100000)


@pytest.mark.parametrize(
    ("day", "level", "visit", "muc"),
    [
        ("2015-06-01", "district", "outpatient", 56),
        ("2016-01-01", "district", "outpatient", 80),
        ("2020-12-31", "provincial", "inpatient", 48),
        ("2021-01-01", "provincial", "inpatient", 80),
        ("2024-12-31", "central", "inpatient", 32),
        ("2024-12-31", "central", "outpatient", 0),
    ],
)
def test_wrong_route_factor_by_period(day: str, level: str, visit: str, muc: int) -> None:
    raw = encounter(
        [line(1, bv=5000000)],
        route="self_referral",
        encounter_date=day,
        visit_type=visit,
        admission_datetime=f"{day}T08:00",
        discharge_datetime=f"{day}T11:00",
        facility={"code": "x", "old_level": level},
    )
    assert priced(raw).lines[0].muc_huong == muc


def test_wrong_route_below_threshold_records_the_route_rate() -> None:
    raw = encounter(
        [line(1, bv=100000)],
        route="self_referral",
        visit_type="inpatient",
        facility={"code": "x", "old_level": "central"},
    )
    assert priced(raw).lines[0].muc_huong == 40


@pytest.mark.parametrize(
    ("day", "code", "visit", "muc"),
    [
        ("2026-06-30", "1.18", "outpatient", 0),
        ("2026-07-01", "1.18", "outpatient", 40),
        ("2025-03-01", "3.1", "inpatient", D("32.0")),
        ("2025-03-01", "1.2", "outpatient", 100),
        ("2025-03-01", "02", "inpatient", 80),
    ],
)
def test_expertise_level_codes(day: str, code: str, visit: str, muc: object) -> None:
    raw = encounter(
        [line(1, bv=5000000)],
        route="self_referral",
        encounter_date=day,
        visit_type=visit,
        admission_datetime=f"{day}T08:00",
        discharge_datetime=f"{day}T11:00",
        ma_doituong_kcb=code,
        facility={"code": "x", "new_level": "chuyen_sau", "pre2025_level": "provincial"},
    )
    assert priced(raw).lines[0].muc_huong == muc


def test_derived_code_for_self_referral_2025() -> None:
    raw = encounter(
        [line(1, bv=5000000)],
        route="self_referral",
        encounter_date="2025-03-01",
        admission_datetime="2025-03-01T08:00",
        facility={"code": "x", "new_level": "chuyen_sau", "pre2025_level": "central"},
    )
    claim = priced(raw)
    assert claim.parameters.ma_doituong_kcb == "3.1" and claim.lines[0].muc_huong == 0


def test_bed_days_and_short_stay() -> None:
    raw = encounter(
        [line(1, group="bed", qty=1, bv=300000), line(2, bv=500000)],
        visit_type="inpatient",
        admission_datetime="2024-10-02T08:00",
        discharge_datetime="2024-10-02T11:30",
    )
    claim = priced(raw)
    assert claim.parameters.bed_days == 0
    assert [r.stt for r in claim.rejected] == [1]
    raw["discharge_datetime"] = "2024-10-02T20:00"
    assert priced(raw).parameters.bed_days == 1
    raw["discharge_datetime"] = "2024-10-05T07:00"
    assert priced(raw).parameters.bed_days == 3
    raw.update(condition_at_discharge="severe_not_improved", discharge_type="2")
    assert priced(raw).parameters.bed_days == 4


def test_supply_cap_not_applied_to_digit_1() -> None:
    raw = encounter(
        [line(1, group="supply", bv=115000000, t_trantt=105300000)],
        card_code="CC1010123456705",
        visit_type="inpatient",
    )
    assert priced(raw).lines[0].thanh_tien_bh == D(115000000)


def test_five_year_ceiling_crossing_is_recorded_on_the_crossing_line() -> None:
    ceiling = 6 * 2340000
    raw = encounter(
        [
            line(1, bv=1000000, line_datetime="2024-10-02T09:00"),
            line(2, bv=1000000, line_datetime="2024-10-02T10:00"),
            line(3, bv=1000000, line_datetime="2024-10-02T10:30"),
        ],
        five_year={"nam_nam_lien_tuc": "2019-01-01", "prior_copay_in_year": ceiling - 300000},
    )
    claim = priced(raw)
    lines = by_stt(claim)
    assert lines[1].t_bncct == D(200000) and lines[1].muc_huong == 80
    assert lines[2].t_bncct == D(100000) and lines[2].t_bhtt == D(900000)
    assert lines[3].muc_huong == 100 and lines[3].t_bncct == 0
    assert claim.parameters.ngay_mien_cct == date(2024, 10, 2)
    assert any(s.rule_id == "LINE.5YEAR_CROSSING" for s in lines[2].trace)


def test_five_year_not_for_self_referral() -> None:
    raw = encounter(
        [line(1, bv=1000000)],
        route="self_referral",
        visit_type="inpatient",
        facility={"code": "x", "old_level": "central"},
        five_year={"nam_nam_lien_tuc": "2019-01-01", "ngay_mien_cct": "2024-06-15"},
    )
    assert priced(raw).lines[0].muc_huong == 32


def test_two_cards_split_by_line_date() -> None:
    raw = encounter(
        [
            line(1, bv=1000000, line_datetime="2024-10-02T09:00"),
            line(2, bv=1000000, line_datetime="2024-10-10T09:00"),
        ],
        cards=[
            {"code": "GD4010000000001", "valid_from": "2024-01-01", "valid_to": "2024-10-05"},
            {"code": "HN2010000000001", "valid_from": "2024-10-06", "valid_to": "2024-12-31"},
        ],
        visit_type="inpatient",
        discharge_datetime="2024-10-12T09:00",
    )
    claim = priced(raw)
    assert [p.muc_huong for p in claim.lines] == [80, 100]
    assert claim.totals.muc_huong is None


def test_card_expiring_during_stay_covers_15_days() -> None:
    raw = encounter(
        [
            line(1, bv=1000000, line_datetime="2024-10-12T09:00"),
            line(2, bv=1000000, line_datetime="2024-10-30T09:00"),
        ],
        cards=[{"code": "DN4010000000001", "valid_from": "2024-01-01", "valid_to": "2024-10-05"}],
        visit_type="inpatient",
        discharge_datetime="2024-10-30T12:00",
    )
    claim = priced(raw)
    assert [p.stt for p in claim.lines] == [1] and [r.stt for r in claim.rejected] == [2]


def test_every_amount_has_a_trace_with_rule_and_reference() -> None:
    claim = priced(encounter([line(1, bv=500000, t_nguonkhac=100000, t_nguonkhac_type="b"), line(2)]))
    for p in claim.lines:
        assert {
            "thanh_tien_bv",
            "thanh_tien_bh",
            "tyle_tt_dv",
            "tyle_tt_bh",
            "muc_huong",
            "t_bhtt",
            "t_bncct",
            "t_bntt",
            "t_nguonkhac",
        } <= {s.field for s in p.trace}
    fields = {s.field for s in claim.lines[0].trace}
    assert {
        "thanh_tien_bv",
        "thanh_tien_bh",
        "tyle_tt_bh",
        "muc_huong",
        "t_bhtt",
        "t_bncct",
        "t_bntt",
        "t_nguonkhac",
    } <= fields
    for step in claim.lines[0].trace + claim.trace:
        assert step.legal_ref and step.text_vi and step.text_en
        assert "{" not in step.text_en and "{" not in step.text_vi


def test_price_many_survives_bad_encounters() -> None:
    good = encounter_from_dict(encounter([line(1)]))
    bad = encounter_from_dict(encounter([line(1, qty=-5)], card_code="??"))
    claims = rules.price_many([good, bad, good])
    assert len(claims) == 3 and claims[1].lines == () and claims[0] == claims[2]


def test_price_many_restores_the_garbage_collector_state() -> None:
    import gc

    enc = encounter_from_dict(encounter([line(1)]))
    assert gc.isenabled()
    rules.price_many([enc])
    assert gc.isenabled()
    gc.disable()
    try:
        rules.price_many([enc])
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert rules.price_many([enc]) == [price(enc)]


def test_encounter_before_the_parameter_tables_is_rejected_not_priced() -> None:
    claim = priced(encounter([line(1)], encounter_date="2012-05-01", admission_datetime="2012-05-01T08:00"))
    assert claim.lines == () and claim.rejected[0].field == "encounter_date"
    assert any("no base salary" in f.reason for f in claim.findings)


def test_as_of_moves_the_anchor_of_the_rules() -> None:
    raw = encounter([line(1, bv=300000)], encounter_date="2024-06-28", admission_datetime="2024-06-28T08:00")
    assert priced(raw).lines[0].muc_huong == 80
    assert priced(raw, as_of=date(2024, 7, 1)).lines[0].muc_huong == 100


def test_unconfirmed_points_are_options() -> None:
    # near-poor households at 100 % from 2026 (Resolution 261, UNCONFIRMED): off by default
    raw = encounter(
        [line(1, bv=5000000)],
        card_code="CN3010123456701",
        encounter_date="2026-02-01",
        admission_datetime="2026-02-01T08:00",
    )
    assert priced(raw).lines[0].muc_huong == 95
    assert priced(raw, options=PricingOptions(near_poor_full_rate_2026=True)).lines[0].muc_huong == 100
    # exam before admission of a self-referred inpatient: inpatient factor by default, outpatient on request
    raw = encounter(
        [line(1, group="exam", bv=45000), line(2, bv=5000000)],
        route="self_referral",
        visit_type="inpatient",
        encounter_date="2023-03-01",
        admission_datetime="2023-03-01T08:00",
        discharge_datetime="2023-03-03T08:00",
        facility={"code": "x", "old_level": "central"},
    )
    assert [p.muc_huong for p in priced(raw).lines] == [32, 32]
    out = priced(raw, options=PricingOptions(exam_before_admission_factor="outpatient"))
    assert [p.muc_huong for p in out.lines] == [0, 32]
    # base salary anchor: admission (default) or discharge
    raw = encounter(
        [line(1, bv=300000)],
        visit_type="inpatient",
        encounter_date="2024-06-29",
        admission_datetime="2024-06-29T08:00",
        discharge_datetime="2024-07-02T08:00",
    )
    assert priced(raw).parameters.base_salary == 1800000
    assert (
        priced(raw, options=PricingOptions(base_salary_anchor="discharge")).parameters.base_salary == 2340000
    )


def test_five_year_ceiling_converted_when_the_base_salary_changes() -> None:
    # benefits.md §5 example: 13,689,000 paid in Jan-Jun 2026 ⇒ (6 − 5.85) × 2,530,000 = 379,500 left
    raw = encounter(
        [
            line(1, bv=1000000, line_datetime="2026-08-01T09:00"),
            line(2, bv=1000000, line_datetime="2026-08-01T10:00"),
        ],
        encounter_date="2026-08-01",
        admission_datetime="2026-08-01T08:00",
        discharge_datetime="2026-08-01T11:00",
        five_year={
            "nam_nam_lien_tuc": "2019-01-01",
            "prior_copay_in_year": 13689000,
            "prior_copay_base_salary": 2340000,
        },
    )
    lines = by_stt(priced(raw))
    assert lines[1].t_bncct == D(200000)
    assert lines[2].t_bncct == D(179500) and lines[2].t_bhtt == D(820500)


def test_direct_payment_caps_by_period() -> None:
    cap = rules.direct_payment_cap("central", "inpatient", date(2024, 10, 1))
    assert cap is not None and cap[0] == D("5850000.0") and cap[1].legal_ref
    assert rules.direct_payment_cap("central", "outpatient", date(2024, 10, 1)) is None
    assert (
        rules.direct_payment_cap("central", "inpatient", date(2025, 8, 1)) is None
    )  # levels renamed in 2025
    cap = rules.direct_payment_cap("chuyen_sau", "inpatient", date(2026, 7, 1))
    assert cap is not None and cap[0] == 2530000 * D("2.5")
