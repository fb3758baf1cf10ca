"""Further dated rules of benefits.md: MUC_HUONG recording, facility-class prices and commune stations,
card grace for outpatients from 2025-07-01, stopped services, and no pricing before 2015."""

from datetime import date
from decimal import Decimal

import rules
from rules import PricingOptions, Tariff, TariffRow, encounter_from_dict, price

from .helpers import encounter, line

D = Decimal


def priced(raw: dict, **kw) -> rules.PricedClaim:  # type: ignore[type-arg]
    return price(encounter_from_dict(raw), **kw)


# ---------------------------------------------------------------- MUC_HUONG recorded as the field allows
def wrong_route_2015() -> dict:  # type: ignore[type-arg]
    # 95 % card, self-referred to a district hospital in 2015: factor 0.7 -> 66.5
    return encounter(
        [line(1, bv=1000000)],
        card_code="HT3010123456701",
        route="self_referral",
        encounter_date="2015-06-01",
        admission_datetime="2015-06-01T08:00",
        discharge_datetime="2015-06-01T11:00",
    )


def test_muc_huong_whole_percent_before_2026_07_01_half_up() -> None:
    claim = priced(wrong_route_2015())
    p = claim.lines[0]
    assert p.muc_huong == 67 and p.t_bhtt == D(670000) and p.t_bncct == D(330000)
    step = next(s for s in claim.trace if s.rule_id == "ROUND.MUC_HUONG")
    assert step.value == 67 and ("exact", D("66.5")) in step.params and "QĐ 130" in step.legal_ref


def test_muc_huong_rounding_is_configurable() -> None:
    down = priced(wrong_route_2015(), options=PricingOptions(muc_huong_rounding="down")).lines[0]
    assert down.muc_huong == 66 and down.t_bhtt == D(660000)
    exact = priced(wrong_route_2015(), options=PricingOptions(muc_huong_rounding="exact")).lines[0]
    assert exact.muc_huong == D("66.5") and exact.t_bhtt == D(665000)


def test_muc_huong_keeps_one_decimal_from_2026_07_01() -> None:
    raw = encounter(
        [line(1, bv=1000000)],
        card_code="HT3010123456701",
        route="self_referral",
        encounter_date="2026-08-03",
        admission_datetime="2026-08-03T08:00",
        discharge_datetime="2026-08-03T11:00",
        facility={"code": "x", "new_level": "co_ban", "pre2025_level": "provincial"},
    )
    claim = priced(raw)
    assert claim.lines[0].muc_huong == D("47.5") and claim.parameters.ma_doituong_kcb == "1.14"
    assert not any(s.rule_id == "ROUND.MUC_HUONG" for s in claim.trace)


# ---------------------------------------------------------------- facility class and commune stations
TARIFF = Tariff(
    [
        TariffRow("S1", "x-ray", "service", D(100000), date(2016, 1, 1), row_id="t:1"),
        TariffRow("E1", "exam", "exam", D(20000), date(2016, 1, 1), facility_class="commune", row_id="t:2"),
        TariffRow("E1", "exam", "exam", D(30000), date(2016, 1, 1), facility_class="IV", row_id="t:3"),
        TariffRow("E1", "exam", "exam", D(35000), date(2016, 1, 1), facility_class="II", row_id="t:4"),
        TariffRow("E1", "exam", "exam", D(40000), date(2016, 1, 1), facility_class="I", row_id="t:5"),
    ]
)


def at(kind: str, day: str) -> rules.PricedClaim:
    raw = encounter(
        [line(1, bv=100000, code="S1"), line(2, group="exam", bv=40000, code="E1")],
        encounter_date=day,
        admission_datetime=f"{day}T08:00",
        discharge_datetime=f"{day}T11:00",
        facility={"code": "x", "hospital_class": kind},
    )
    return priced(raw, tariff=TARIFF)


def prices(claim: rules.PricedClaim) -> tuple[Decimal, Decimal]:
    lines = {p.stt: p for p in claim.lines}
    return lines[1].don_gia_bh, lines[2].don_gia_bh


def test_commune_station_pays_70_percent_of_service_prices_and_commune_exam() -> None:
    claim = at("commune", "2020-03-02")
    assert prices(claim) == (D(70000), D(20000))
    step = next(s for s in claim.lines[0].trace if s.rule_id == "PRICE.CLASS")
    assert step.value == D(70000) and "Circular 39/2018" in step.legal_ref
    assert "70%" in step.text_en


def test_commune_70_percent_not_applied_outside_its_dates() -> None:
    assert prices(at("commune", "2018-06-01"))[0] == D(100000)  # before 2018-12-15
    assert prices(at("commune", "2025-03-03"))[0] == D(100000)  # per-facility prices (Circular 21/2024)


def test_unclassified_and_cadre_clinics_use_class_iv_and_class_ii_prices() -> None:
    assert prices(at("unclassified", "2020-03-02"))[1] == D(30000)
    assert prices(at("private", "2020-03-02"))[1] == D(30000)
    assert prices(at("cadre_clinic", "2020-03-02"))[1] == D(35000)
    assert prices(at("I", "2020-03-02"))[1] == D(40000)
    # before the rule: no class mapping, an unclassified facility falls back to the all-class rows only
    assert 2 in {r.stt for r in at("unclassified", "2018-06-01").rejected}


# ---------------------------------------------------------------- card grace for outpatients from 2025-07-01
def expiring(day: str, line_day: str) -> dict:  # type: ignore[type-arg]
    return encounter(
        [line(1, bv=500000, line_datetime=f"{line_day}T09:00")],
        visit_type="day_patient",
        encounter_date=day,
        admission_datetime=f"{day}T08:00",
        discharge_datetime=f"{line_day}T11:00",
        card_valid_from="2020-01-01",
        card_valid_to=day,
    )


def test_card_expiring_during_day_patient_care_covered_from_2025_07_01() -> None:
    claim = priced(expiring("2025-08-01", "2025-08-06"))
    assert claim.rejected == () and any(f.code == "card_grace" for f in claim.findings)
    assert [r.field for r in priced(expiring("2025-08-01", "2025-08-20")).rejected] == ["card"]  # > 15 days


def test_card_grace_for_outpatients_not_before_2025_07_01() -> None:
    assert [r.field for r in priced(expiring("2024-08-01", "2024-08-06")).rejected] == ["card"]


# ---------------------------------------------------------------- stopped services (_TB)
def test_stopped_service_is_not_paid_from_2019_01_15() -> None:
    raw = encounter([line(1, bv=2000000, code="10.0980.0571_TB"), line(2, group="drug", bv=50000)])
    claim = priced(raw)
    assert [r.stt for r in claim.rejected] == [1] and "_TB" in claim.rejected[0].reason
    raw.update(encounter_date="2018-06-01", admission_datetime="2018-06-01T08:00",
               discharge_datetime="2018-06-01T11:00")
    assert priced(raw).rejected == ()


# ---------------------------------------------------------------- before 2015: no rules in the sheet
def test_encounters_before_2015_are_rejected_with_a_clear_finding() -> None:
    raw = encounter([line(1, bv=500000)], encounter_date="2014-10-02", admission_datetime="2014-10-02T08:00",
                    discharge_datetime="2014-10-02T11:00")
    claim = priced(raw)
    assert claim.lines == () and [r.field for r in claim.rejected] == ["encounter_date"]
    assert "no benefit rules before 2015-01-01" in claim.rejected[0].reason
    assert any(f.code == "before_rules" for f in claim.findings)
    raw.update(encounter_date="2015-01-01", admission_datetime="2015-01-01T08:00",
               discharge_datetime="2015-01-01T11:00")
    assert priced(raw).rejected == ()


# ---------------------------------------------------------------- techniques without a price (.0000)
def test_unpriced_technique_is_flagged_inside_the_rule_dates() -> None:
    raw = encounter([line(1, bv=200000, code="02.0123.0000"), line(2, bv=500000, code="02.0124.0571")])
    claim = priced(raw)
    found = [f for f in claim.findings if f.code == "unpriced_service"]
    assert [f.stt for f in found] == [1] and ".0000" in found[0].reason and found[0].severity == "warning"
    raw.update(encounter_date="2018-06-01", admission_datetime="2018-06-01T08:00",
               discharge_datetime="2018-06-01T11:00")
    assert not any(f.code == "unpriced_service" for f in priced(raw).findings)


# ---------------------------------------------------------------- exam fee and direct admission
def test_no_exam_fee_for_a_direct_admission_to_a_ward() -> None:
    raw = encounter(
        [line(1, group="exam", bv=40000), line(2, bv=500000)],
        visit_type="inpatient",
        admission_datetime="2024-10-02T08:00",
        discharge_datetime="2024-10-04T08:00",
        admitted_directly=True,
    )
    claim = priced(raw)
    assert [r.stt for r in claim.rejected] == [1] and "direct admission" in claim.rejected[0].reason
    raw["admitted_directly"] = False  # registered at the outpatient department, then admitted: paid
    assert priced(raw).rejected == ()
    raw.update(admitted_directly=True, encounter_date="2018-06-01", admission_datetime="2018-06-01T08:00",
               discharge_datetime="2018-06-03T08:00")
    assert priced(raw).rejected == ()


# ---------------------------------------------------------------- card presented late (from 2025-07-01)
def late_card(day: str, **kw: object) -> dict:  # type: ignore[type-arg]
    return encounter(
        [line(1, bv=500000, line_datetime=f"{day}T09:00"), line(2, bv=500000, line_datetime=f"{day}T15:00")],
        encounter_date=day,
        visit_type="inpatient",
        admission_datetime=f"{day}T08:00",
        discharge_datetime=f"{day}T20:00",
        card_presented_at=f"{day}T12:00",
        **kw,
    )


def test_card_presented_late_pays_from_presentation_except_emergency() -> None:
    claim = priced(late_card("2025-08-04"))
    assert [r.stt for r in claim.rejected] == [1] and "direct" in claim.rejected[0].reason
    assert priced(late_card("2025-08-04", emergency=True, route="emergency")).rejected == ()


def test_card_presented_late_rule_not_before_2025_07_01() -> None:
    assert priced(late_card("2025-06-02")).rejected == ()
