"""Transport eligibility (benefits.md §7.7, Decree 146/2018 Art. 26): conditions as dated data."""

from typing import Any

import rules
from rules import PricingOptions, encounter_from_dict, price

from .helpers import encounter, line


def priced(raw: dict, **kw) -> rules.PricedClaim:  # type: ignore[type-arg]
    return price(encounter_from_dict(raw), **kw)


def trip(card: str = "HN2010123456701", **kw: object) -> dict:  # type: ignore[type-arg]
    base: dict = {"card_code": card, "emergency": True, "route": "emergency"}  # type: ignore[type-arg]
    base.update(kw)
    return encounter([line(1, group="transport", bv=200000, code="VC.01001"), line(2, bv=500000)], **base)


def test_eligible_group_in_an_emergency_from_district_level_is_paid() -> None:
    claim = priced(trip())
    assert claim.rejected == () and len(claim.lines) == 2
    step = next(s for s in claim.trace if s.rule_id == "TRANSPORT.ELIGIBLE")
    assert step.value == "yes" and "Decree 146/2018" in step.legal_ref and "HN" in step.text_en


def test_group_not_in_the_list_is_rejected_even_with_digit_2() -> None:
    for card in ("DN4010123456701", "KC2010123456701"):
        claim = priced(trip(card))
        assert [r.stt for r in claim.rejected] == [1], card
        assert f"card group {card[:2]}" in claim.rejected[0].reason


def test_route_condition_emergency_or_inpatient_transfer() -> None:
    claim = priced(trip(emergency=False, route="registered_facility"))
    assert [r.stt for r in claim.rejected] == [1] and "emergency or an inpatient transfer" in claim.rejected[0].reason
    transfer: dict[str, Any] = dict(emergency=False, route="referral", visit_type="inpatient",
                    admission_datetime="2024-10-02T08:00", discharge_datetime="2024-10-05T08:00")
    assert priced(trip(discharge_type="2", **transfer)).rejected == ()
    assert [r.stt for r in priced(trip(discharge_type="1", **transfer)).rejected] == [1]


def test_level_condition_from_district_upward() -> None:
    claim = priced(trip(facility={"code": "x", "old_level": "commune"}))
    assert [r.stt for r in claim.rejected] == [1] and "district level upward" in claim.rejected[0].reason
    assert priced(trip(facility={"code": "x", "old_level": "central"})).rejected == ()


def test_new_levels_from_2025_07_01() -> None:
    day = dict(encounter_date="2025-08-01", admission_datetime="2025-08-01T08:00",
               discharge_datetime="2025-08-01T11:00")
    ok = priced(trip(facility={"code": "x", "new_level": "co_ban"}, **day))
    assert ok.rejected == ()
    low = priced(trip(facility={"code": "x", "new_level": "ban_dau", "pre2025_level": "commune"}, **day))
    assert [r.stt for r in low.rejected] == [1]


def test_rule_not_applied_before_2018_12_01() -> None:
    day = dict(encounter_date="2018-06-01", admission_datetime="2018-06-01T08:00",
               discharge_datetime="2018-06-01T11:00")
    claim = priced(trip("DN4010123456701", **day))
    assert 1 not in {r.stt for r in claim.rejected}
    assert any(f.code == "transport" and "no transport rule in force" in f.reason for f in claim.findings)


def test_transport_rule_can_only_warn() -> None:
    claim = priced(trip("DN4010123456701"), options=PricingOptions(transport_rule="warn"))
    assert claim.rejected == () and any(f.code == "transport" for f in claim.findings)


def test_transport_amount_is_fuel_per_km_times_distance_and_price() -> None:
    from datetime import date
    from decimal import Decimal

    from rules.transport import transport_amount

    params = rules.default_parameters()
    got = transport_amount(Decimal(45), Decimal("21350"), date(2024, 10, 2), params, both_ways=True)
    assert got is not None and got[0] == Decimal("384300.00")  # 0.2 × 45 × 21,350 × 2
    assert "Decree 146/2018" in got[1].legal_ref and "384300" in got[1].text_en
    one_way = transport_amount(Decimal(45), Decimal("21350"), date(2024, 10, 2), params, both_ways=False)
    assert one_way is not None and one_way[0] == Decimal("192150.00")
    assert transport_amount(Decimal(45), Decimal("21350"), date(2018, 6, 1), params, both_ways=True) is None
