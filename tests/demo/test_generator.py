from collections import Counter
from decimal import Decimal

import pytest

from claims.demo.generator import CatalogueItem, generate_encounters
from claims.encounter.schemas import LineGroup

ITEMS = [
    CatalogueItem("02.1896", "Khám Nội", LineGroup.EXAM, 13, "Lần", Decimal("39800")),
    CatalogueItem("K16.1917", "Giường Nội khoa hạng II", LineGroup.BED, 15, "Ngày", Decimal("245000")),
    CatalogueItem("22.0120.1370", "Tổng phân tích tế bào máu", LineGroup.SERVICE, 1, "Lần", Decimal("46200")),
    CatalogueItem("18.0001.0001", "Siêu âm", LineGroup.SERVICE, 2, "Lần", Decimal("58600")),
    CatalogueItem(
        "40.17",
        "Paracetamol 500mg",
        LineGroup.DRUG,
        4,
        "Viên",
        Decimal("1500"),
        tender_info="1/QĐ-BV;G1;N4;2024",
        registration_no="VD-1-20",
        strength="500mg",
        administration_route="1.01",
    ),
    CatalogueItem("N03.05.010", "Bơm tiêm 5ml", LineGroup.SUPPLY, 10, "Cái", Decimal("1050")),
]


def test_same_seed_same_encounters() -> None:
    first = [e.model_dump() for e in generate_encounters(50, seed=7, items=ITEMS)]
    second = [e.model_dump() for e in generate_encounters(50, seed=7, items=ITEMS)]
    other = [e.model_dump() for e in generate_encounters(50, seed=8, items=ITEMS)]
    assert first == second
    assert first != other


def test_mix_of_outpatient_and_inpatient_with_line_counts() -> None:
    encounters = list(generate_encounters(2000, seed=1, items=ITEMS))
    inpatient = [e for e in encounters if e.is_inpatient]
    outpatient = [e for e in encounters if not e.is_inpatient]
    assert 0.11 < len(inpatient) / len(encounters) < 0.19
    assert all(3 <= len(e.lines) <= 10 for e in outpatient)
    assert all(20 <= len(e.lines) <= 200 + 25 for e in inpatient)
    assert all(e.period == "2026-10" for e in encounters)
    assert len({e.claim_key for e in encounters}) == len(encounters)


def test_cards_routes_and_groups_are_varied() -> None:
    encounters = list(generate_encounters(3000, seed=3, items=ITEMS))
    digits = Counter(e.cards[0].benefit_digit for e in encounters)
    assert set(digits) == {1, 2, 3, 4, 5}
    routes = Counter(e.route.value for e in encounters)
    assert {"registered_facility", "referral", "appointment", "emergency", "self_referral"} <= set(routes)
    groups = Counter(line.group for e in encounters for line in e.lines)
    assert {LineGroup.EXAM, LineGroup.BED, LineGroup.SERVICE, LineGroup.DRUG, LineGroup.SUPPLY} <= set(groups)
    above = sum(1 for e in encounters for line in e.lines if line.unit_price_bv > (line.unit_price_bh or 0))
    assert above > 0


def test_every_inpatient_stay_bills_one_bed_day_per_night() -> None:
    for encounter in generate_encounters(300, seed=5, items=ITEMS):
        if not encounter.is_inpatient:
            continue
        beds = [line for line in encounter.lines if line.group is LineGroup.BED]
        nights = (encounter.discharged_at.date() - encounter.admitted_at.date()).days
        assert len(beds) == nights
        for line in encounter.lines:
            assert encounter.admitted_at <= line.ordered_at <= encounter.discharged_at


def test_incomplete_catalogue_is_refused() -> None:
    with pytest.raises(ValueError, match="bed"):
        list(generate_encounters(1, items=[i for i in ITEMS if i.group is not LineGroup.BED]))


def test_a_few_expired_cards_unless_asked_for_none() -> None:
    def expired(share: float) -> int:
        return sum(
            1
            for e in generate_encounters(1000, seed=2, items=ITEMS, expired_card_share=share)
            if not e.cards[0].valid_on(e.admitted_at.date())
        )

    assert 10 <= expired(0.03) <= 60
    assert expired(0) == 0
