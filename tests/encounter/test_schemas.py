from datetime import date

import pytest
from pydantic import ValidationError

from claims.encounter.schemas import VIETNAM_TZ, Card, Encounter, Patient


def _encounter(**changes: object) -> Encounter:
    data: dict[str, object] = {
        "claim_key": "LK1",
        "facility_code": "01999",
        "patient": Patient(patient_id="1", full_name="A", birth_date=date(1990, 1, 1), sex=1),
        "cards": [Card(code="DN4010123456701", registered_facility="01999", valid_from=date(2026, 1, 1))],
        "visit_type": "01",
        "admitted_at": "2026-10-02T08:00",
        "discharged_at": "2026-10-02T11:00",
        "main_icd": "J00",
        "lines": [
            {
                "stt": 1,
                "group": "exam",
                "cost_group": 13,
                "code": "02.03",
                "name": "Khám",
                "quantity": "1",
                "unit_price_bv": "45000",
                "ordered_at": "2026-10-02T08:10",
            },
        ],
    }
    data.update(changes)
    return Encounter.model_validate(data)


def test_naive_times_are_vietnam_local_time() -> None:
    encounter = _encounter()
    assert encounter.admitted_at.tzinfo == VIETNAM_TZ
    assert encounter.admitted_at.hour == 8


def test_card_parts_and_validity() -> None:
    card = _encounter().cards[0]
    assert card.object_code == "DN" and card.benefit_digit == 4
    assert card.valid_on(date(2026, 10, 2)) and not card.valid_on(date(2025, 12, 31))


def test_discharge_before_admission_is_refused() -> None:
    with pytest.raises(ValidationError, match="before admitted_at"):
        _encounter(discharged_at="2026-10-01T08:00")


def test_unknown_field_and_negative_quantity_name_the_field() -> None:
    with pytest.raises(ValidationError) as excinfo:
        _encounter(colour="red")
    assert excinfo.value.errors()[0]["loc"] == ("colour",)
    bad_line = {
        "stt": 1,
        "group": "drug",
        "cost_group": 4,
        "code": "X",
        "name": "X",
        "quantity": "-1",
        "unit_price_bv": "1",
        "ordered_at": "2026-10-02T08:10",
    }
    with pytest.raises(ValidationError) as excinfo:
        _encounter(lines=[bad_line])
    assert excinfo.value.errors()[0]["loc"] == ("lines", 0, "quantity")


def test_duplicate_line_number_in_one_table_is_refused() -> None:
    line = {
        "stt": 1,
        "group": "service",
        "cost_group": 1,
        "code": "X",
        "name": "X",
        "quantity": "1",
        "unit_price_bv": "1",
        "ordered_at": "2026-10-02T08:10",
    }
    with pytest.raises(ValidationError, match="appears twice"):
        _encounter(lines=[line, {**line, "group": "exam", "cost_group": 13}])
