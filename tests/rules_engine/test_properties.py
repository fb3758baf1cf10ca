"""Hypothesis properties of the engine (issue 4 "Done when")."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

import rules
from rules import Card, Encounter, Facility, FiveYear, Line, price
from rules.params import default_parameters

MONEY = st.decimals(min_value=0, max_value=50_000_000, places=3, allow_nan=False, allow_infinity=False)
QTY = st.decimals(min_value=0, max_value=500, places=3, allow_nan=False, allow_infinity=False)
RATIO = st.sampled_from([Decimal(x) for x in (0, 10, 30, 33, 50, 80, 100)])
DAYS = st.dates(min_value=date(2014, 1, 1), max_value=date(2027, 12, 31))
PREFIX = st.sampled_from(["DN4", "HT3", "HN2", "CC1", "QN5", "TE1", "CN3", "GD4", "ZZ4"])


@st.composite
def lines(draw: st.DrawFn, n: int) -> tuple[Line, ...]:
    out = []
    for stt in range(1, n + 1):
        bv = draw(MONEY)
        bh = draw(st.one_of(st.just(bv), MONEY))
        ntype = draw(st.sampled_from([None, "a", "b", "c"]))
        out.append(
            Line(
                stt=stt,
                # codes and cost groups that trigger the bed, operation, stopped-service and transport rules
                code=draw(st.sampled_from([f"C{stt}", "K24.NG2", "K02.HSTC", "K03.NO1", "10.01_TB", "VC.1"])),
                ma_nhom=draw(st.sampled_from([None, None, "8", "14", "15", "16"])),
                group=draw(st.sampled_from(["exam", "bed", "service", "drug", "supply", "transport"])),
                quantity=draw(QTY),
                unit_price_bv=bv,
                unit_price_bh=bh,
                service_ratio=draw(RATIO),
                listed_payment_ratio=draw(RATIO),
                pham_vi=draw(st.sampled_from([1, 1, 1, 2, 3])),
                t_trantt=draw(st.one_of(st.none(), MONEY)),
                t_nguonkhac=draw(MONEY) if ntype in ("a", "b") else Decimal(0),
                t_nguonkhac_type=ntype,
                line_datetime=datetime(2020, 1, 1) + timedelta(hours=draw(st.integers(0, 72)))
                if draw(st.booleans())
                else None,
            )
        )
    return tuple(out)


@st.composite
def encounters(draw: st.DrawFn) -> Encounter:
    day = draw(DAYS)
    n = draw(st.integers(1, 8))
    raw_lines = draw(lines(n))
    # line dates relative to the encounter day
    moved = tuple(
        replace(
            ln,
            line_datetime=datetime.combine(day, datetime.min.time())
            + (ln.line_datetime - datetime(2020, 1, 1)),
        )
        if ln.line_datetime
        else ln
        for ln in raw_lines
    )
    visit = draw(st.sampled_from(["outpatient", "inpatient"]))
    stay = timedelta(hours=draw(st.integers(1, 24 * 20)))
    admission = datetime.combine(day, datetime.min.time()) + timedelta(hours=8)
    five = None
    if draw(st.booleans()):
        five = FiveYear(
            date(day.year - 6, 1, 1), None, draw(st.decimals(min_value=0, max_value=20_000_000, places=0))
        )
    return Encounter(
        encounter_date=day,
        cards=(Card(draw(PREFIX) + "010123456701"),),
        facility=Facility(
            "x",
            draw(st.sampled_from(["commune", "district", "provincial", "central"])),
            draw(st.sampled_from([None, "ban_dau", "co_ban", "chuyen_sau"])),
            draw(st.sampled_from([None, "district", "provincial", "central"])),
            draw(st.sampled_from(["I", "III", "commune", "unclassified", "polyclinic", None])),
        ),
        route=draw(
            st.sampled_from(["registered_facility", "referral", "appointment", "emergency", "self_referral"])
        ),
        visit_type=visit,
        lines=moved,
        emergency=draw(st.booleans()),
        admission_datetime=admission,
        discharge_datetime=admission + stay,
        ma_doituong_kcb=draw(st.sampled_from([None, "1.1", "1.2", "1.13", "1.18", "3.1", "2", "9"])),
        five_year=five,
        discharge_type=draw(st.sampled_from([None, "1", "2", "4"])),
        condition_at_discharge=draw(st.sampled_from([None, "severe_not_improved", "died"])),
        admitted_directly=draw(st.booleans()),
        card_presented_at=admission + timedelta(hours=draw(st.integers(0, 30))) if draw(st.booleans()) else None,
    )


@settings(max_examples=300, deadline=None)
@given(encounters())
def test_line_balance_and_no_negative_amounts_and_fund_bounded(enc: Encounter) -> None:
    claim = price(enc)
    for p in claim.lines:
        assert p.thanh_tien_bv == p.t_bhtt + p.t_bncct + p.t_bntt + p.t_nguonkhac
        for amount in (
            p.thanh_tien_bv,
            p.thanh_tien_bh,
            p.t_bhtt,
            p.t_bncct,
            p.t_bntt,
            p.t_nguonkhac,
            p.muc_huong,
        ):
            assert amount >= 0
        assert p.t_bhtt <= p.thanh_tien_bh
        assert p.thanh_tien_bh <= p.thanh_tien_bv
        assert p.t_bhtt.as_tuple().exponent >= -2  # type: ignore[operator]
    assert len(claim.lines) + len(claim.rejected) == len(enc.lines)


@settings(max_examples=200, deadline=None)
@given(encounters())
def test_totals_equal_line_sums(enc: Encounter) -> None:
    claim = price(enc)
    t = claim.totals
    ls = claim.lines
    assert t.t_tongchi_bv == sum((p.thanh_tien_bv for p in ls), Decimal(0))
    assert t.t_tongchi_bh == sum((p.thanh_tien_bh for p in ls), Decimal(0))
    assert t.t_bhtt == sum((p.t_bhtt for p in ls), Decimal(0))
    assert t.t_bncct == sum((p.t_bncct for p in ls), Decimal(0))
    assert t.t_bntt == sum((p.t_bntt for p in ls), Decimal(0))
    assert t.t_nguonkhac == sum((p.t_nguonkhac for p in ls), Decimal(0))
    assert t.t_thuoc == sum((p.thanh_tien_bv for p in ls if p.group == "drug"), Decimal(0))
    assert t.t_tongchi_bv == t.t_bhtt + t.t_bncct + t.t_bntt + t.t_nguonkhac


@settings(max_examples=200, deadline=None)
@given(encounters(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_line_order(enc: Encounter, rnd: random.Random) -> None:
    shuffled = list(enc.lines)
    rnd.shuffle(shuffled)
    a = price(enc)
    b = price(replace(enc, lines=tuple(shuffled)))
    assert a.lines == b.lines
    assert a.totals == b.totals
    assert sorted(a.rejected, key=lambda r: r.stt) == sorted(b.rejected, key=lambda r: r.stt)


@settings(max_examples=200, deadline=None)
@given(encounters())
def test_a_rule_is_never_used_outside_its_dates(enc: Encounter) -> None:
    claim = price(enc)
    steps = list(claim.trace) + [s for p in claim.lines for s in p.trace]
    checked = 0
    for step in steps:
        params = dict(step.params)
        if "valid" in params and "on" in params:
            start, _, end = params["valid"].partition("..")
            on = date.fromisoformat(params["on"])
            assert date.fromisoformat(start) <= on, step
            assert not end or on <= date.fromisoformat(end), step
            checked += 1
    assert checked > 0 or not enc.cards


def test_every_parameter_row_is_dated_and_sourced() -> None:
    p = default_parameters()
    for table in (
        p.base_salary,
        p.multipliers,
        p.card_digits,
        p.card_prefixes,
        p.route_factors,
        p.doituong_kcb,
        p.service_ratios,
        p.scalars,
        p.direct_payment_caps,
        p.bed_types,
        p.bed_rules,
        p.transport,
        p.price_classes,
    ):
        assert list(table.keys()), table.table
        for key in table.keys():
            for row in table.rows(key):
                assert row.source and row.valid_from <= row.valid_to


def test_parameter_overlap_is_refused() -> None:
    import pytest

    from rules.params import DatedTable

    rows = [
        {"k": "a", "valid_from": "2020-01-01", "valid_to": "2020-12-31", "source": "s"},
        {"k": "a", "valid_from": "2020-12-31", "valid_to": "", "source": "s"},
    ]
    with pytest.raises(rules.ParameterOverlapError):
        DatedTable.from_records("t", rows, ("k",))
