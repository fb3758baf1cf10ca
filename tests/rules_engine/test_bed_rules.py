"""Bed-day rules of benefits.md §7.4 (Circular 39/2018 Art. 6): each applied inside its dates only."""

from decimal import Decimal

import rules
from rules import PricingOptions, encounter_from_dict, price

from .helpers import encounter, line

D = Decimal


def priced(raw: dict, **kw) -> rules.PricedClaim:  # type: ignore[type-arg]
    return price(encounter_from_dict(raw), **kw)


def inpatient(lines: list, day: str = "2024-10-02", days: int = 20, **kw) -> dict:  # type: ignore[type-arg]
    from datetime import date, timedelta

    end = date.fromisoformat(day) + timedelta(days=days)
    return encounter(
        lines,
        encounter_date=day,
        visit_type="inpatient",
        admission_datetime=f"{day}T08:00",
        discharge_datetime=f"{end.isoformat()}T10:00",
        **kw,
    )


def operation(stt: int, at: str) -> dict:  # type: ignore[type-arg]
    return line(stt, bv=3000000, ma_nhom="8", line_datetime=at, code=f"10.0{stt}")


def bed(stt: int, code: str, qty: object, at: str, **kw: object) -> dict:  # type: ignore[type-arg]
    return line(stt, group="bed", qty=qty, bv=300000, ma_nhom="15", line_datetime=at, code=code, **kw)


# ---------------------------------------------------------------- surgical bed: 10 days after an operation
def test_surgical_bed_within_ten_days_is_paid() -> None:
    raw = inpatient(
        [operation(1, "2024-10-02T10:00"), bed(2, "K24.NG2", 10, "2024-10-02T12:00"),
         bed(3, "K24.NO2", 5, "2024-10-12T12:00")]
    )
    claim = priced(raw)
    assert claim.rejected == ()
    assert any(s.rule_id == "BED.SURGICAL_DAYS" and s.value == 10 for s in claim.trace)


def test_surgical_bed_beyond_ten_days_is_rejected_with_reason() -> None:
    raw = inpatient([operation(1, "2024-10-02T10:00"), bed(2, "K24.NG2", 12, "2024-10-02T12:00")])
    claim = priced(raw)
    assert [r.stt for r in claim.rejected] == [2]
    assert "at most 10" in claim.rejected[0].reason and "Circular 39/2018" in claim.rejected[0].reason
    step = next(s for s in claim.trace if s.rule_id == "BED.SURGICAL_LIMIT")
    assert "Circular 39/2018" in step.legal_ref and "Giường ngoại khoa" in step.text_vi


def test_surgical_days_count_per_operation_and_a_late_line_is_beyond() -> None:
    raw = inpatient(
        [operation(1, "2024-10-02T10:00"), bed(2, "K24.NG2", 6, "2024-10-02T12:00"),
         bed(3, "K24.NG2", 5, "2024-10-08T12:00"),  # 11 surgical days after the same operation
         operation(4, "2024-10-15T09:00"), bed(5, "K24.NG1", 8, "2024-10-15T12:00")],
        days=25,
    )
    assert [r.stt for r in priced(raw).rejected] == [3]
    raw = inpatient([operation(1, "2024-10-02T10:00"), bed(2, "K24.NG2", 2, "2024-10-14T12:00")], days=20)
    assert [r.stt for r in priced(raw).rejected] == [2]  # starts 12 days after the operation


def test_surgical_bed_rule_not_applied_before_2019_01_15() -> None:
    raw = inpatient([operation(1, "2018-10-02T10:00"), bed(2, "K24.NG2", 12, "2018-10-02T12:00")], day="2018-10-02")
    claim = priced(raw)
    assert 2 not in {r.stt for r in claim.rejected}
    assert not any(s.rule_id.startswith("BED.") for s in claim.trace)


def test_surgical_bed_rule_can_only_warn() -> None:
    raw = inpatient([operation(1, "2024-10-02T10:00"), bed(2, "K24.NG2", 12, "2024-10-02T12:00")])
    claim = priced(raw, options=PricingOptions(bed_rule_action="warn"))
    assert claim.rejected == () and any(f.code == "BED.SURGICAL_LIMIT" for f in claim.findings)


def test_surgical_bed_without_operation_is_a_warning() -> None:
    raw = inpatient([bed(1, "K24.NG2", 3, "2024-10-02T12:00")])
    claim = priced(raw)
    assert claim.rejected == () and any(f.code == "BED.SURGICAL_LIMIT" for f in claim.findings)


# ---------------------------------------------------------------- ICU price conditions
def test_icu_price_refused_below_class_ii() -> None:
    raw = inpatient([bed(1, "K02.HSTC", 2, "2024-10-02T12:00")], facility={"code": "x", "hospital_class": "III"})
    claim = priced(raw)
    assert [r.stt for r in claim.rejected] == [1] and "class III" in claim.rejected[0].reason


def test_icu_price_paid_in_class_i_unless_icu_not_approved() -> None:
    raw = inpatient([bed(1, "K02.HSTC", 2, "2024-10-02T12:00")], facility={"code": "x", "hospital_class": "I"})
    assert priced(raw).rejected == ()
    raw["facility"]["icu_approved"] = False
    claim = priced(raw)
    assert [r.stt for r in claim.rejected] == [1] and "QĐ 01/2008" in claim.rejected[0].reason


def test_icu_bed_type_given_on_the_line_and_unknown_class_warns() -> None:
    raw = inpatient([bed(1, "ANY", 2, "2024-10-02T12:00", bed_type="icu")], facility={"code": "x"})
    claim = priced(raw)
    assert claim.rejected == () and any(f.code == "BED.ICU" for f in claim.findings)


def test_icu_rule_not_applied_before_2019_01_15() -> None:
    raw = inpatient(
        [bed(1, "K02.HSTC", 2, "2018-10-02T12:00")], day="2018-10-02", facility={"code": "x", "hospital_class": "IV"}
    )
    assert priced(raw).rejected == ()


# ---------------------------------------------------------------- observation beds (MA_NHOM 16)
def observation_visit(day: str = "2024-10-02", qty: object = 2, kind: str = "commune") -> dict:  # type: ignore[type-arg]
    return encounter(
        [line(1, group="exam", bv=30000), line(2, group="bed", qty=qty, bv=100000, ma_nhom="16",
                                                 line_datetime=f"{day}T09:00", code="G16")],
        encounter_date=day,
        admission_datetime=f"{day}T08:00",
        discharge_datetime=f"{day}T20:00",
        facility={"code": "x", "old_level": kind, "hospital_class": "commune" if kind == "commune" else kind},
    )


def test_commune_observation_bed_pays_no_exam_fee() -> None:
    claim = priced(observation_visit())
    assert [r.stt for r in claim.rejected] == [1]
    assert claim.rejected[0].field == "group" and "observation bed" in claim.rejected[0].reason


def test_commune_observation_bed_at_most_three_days() -> None:
    claim = priced(observation_visit(qty=4))
    assert [r.stt for r in claim.rejected] == [2]  # the exam is paid since no observation day is
    assert "at most 3" in claim.rejected[0].reason


def test_observation_rule_only_at_commune_and_polyclinic_and_in_its_dates() -> None:
    assert priced(observation_visit(kind="district")).rejected == ()
    assert [r.stt for r in priced(observation_visit(kind="polyclinic")).rejected] == [1]
    assert priced(observation_visit(day="2018-06-01")).rejected == ()


# ---------------------------------------------------------------- day-care beds (MA_NHOM 14)
def test_day_care_bed_days_above_the_stay_warn() -> None:
    raw = encounter(
        [line(1, group="bed", qty=3, bv=100000, ma_nhom="14", code="G14")],
        visit_type="day_patient",
        admission_datetime="2024-10-02T08:00",
        discharge_datetime="2024-10-03T16:00",
    )
    assert any(f.code == "BED.DAY_CARE" for f in priced(raw).findings)
    raw["lines"][0]["quantity"] = 2
    assert not any(f.code == "BED.DAY_CARE" for f in priced(raw).findings)


# ---------------------------------------------------------------- shared beds 50 / 33 (dated ratios)
def test_shared_bed_ratios_in_and_out_of_their_dates() -> None:
    raw = inpatient([bed(1, "K03.NO1", 2, "2024-10-02T12:00", service_ratio=50),
                     bed(2, "K03.NO1", 1, "2024-10-04T12:00", service_ratio=33)], days=3)
    claim = priced(raw)
    lines = {p.stt: p for p in claim.lines}
    assert lines[1].thanh_tien_bh == D(300000) and lines[2].thanh_tien_bh == D(99000)
    assert not any(f.code == "service_ratio" for f in claim.findings)
    raw = inpatient([bed(1, "K03.NO1", 2, "2018-10-02T12:00", service_ratio=50)], day="2018-10-02", days=3)
    assert any(f.code == "service_ratio" for f in priced(raw).findings)


# ---------------------------------------------------------------- extra day on a severe discharge
def test_extra_bed_day_for_death_family_request_and_upward_transfer_only() -> None:
    raw = inpatient([], days=3)
    assert priced(raw).parameters.bed_days == 3
    for condition, kind, expected in (
        ("severe_not_improved", "2", 4),
        ("severe_not_improved", "4", 4),
        ("died", "1", 4),
        ("severe_not_improved", "1", 3),  # discharged home as usual: no extra day
        (None, "2", 3),  # an ordinary upward transfer adds no day
    ):
        raw.update(condition_at_discharge=condition, discharge_type=kind)
        assert priced(raw).parameters.bed_days == expected, (condition, kind)


def test_extra_bed_day_not_before_2019_01_15() -> None:
    raw = inpatient([], day="2018-10-02", days=3, condition_at_discharge="died", discharge_type="1")
    assert priced(raw).parameters.bed_days is None  # no bed-day rule in force before Circular 39/2018


def test_hospital_class_spellings_are_understood() -> None:
    for spelling in ("hạng I", "1", "i", "đặc biệt", "special"):
        raw = inpatient([bed(1, "K02.HSTC", 2, "2024-10-02T12:00")], facility={"code": "x", "hospital_class": spelling})
        assert priced(raw).rejected == (), spelling
    raw = inpatient([bed(1, "K02.HSTC", 2, "2024-10-02T12:00")], facility={"code": "x", "hospital_class": "Hạng III"})
    assert [r.stt for r in priced(raw).rejected] == [1]
