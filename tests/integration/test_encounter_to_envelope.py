"""Generate → price → build the claim tables → write the envelope → our schemas → read back."""

from decimal import Decimal

import pytest

import rules
from claims.demo.generator import generate_encounters
from claims.exchange.claim_builder import build_hoso
from claims.exchange.reader import read_envelope
from claims.exchange.validation import arithmetic_problems
from claims.exchange.writer import write_claim
from claims.pricing.adapter import price_encounters
from tests.demo.test_generator import ITEMS

FACILITY = rules.Facility(code="01999", old_level="provincial", new_level="chuyen_sau", hospital_class="I")


@pytest.fixture(scope="module")
def priced() -> list:
    return price_encounters(generate_encounters(120, seed=11, items=ITEMS), FACILITY)


def test_every_generated_claim_writes_a_schema_valid_envelope(priced: list) -> None:
    for item in priced:
        hoso = build_hoso(item)
        data = write_claim(hoso, ngaylap="20261101", validate=True)
        result = read_envelope(data)
        (read_back,) = [h.hoso for h in result.items]
        assert read_back.xml1.t_tongchi_bv == item.priced.totals.t_tongchi_bv
        assert len(read_back.xml2) + len(read_back.xml3) == len(item.priced.lines)
        assert arithmetic_problems(read_back) == []


def test_line_amounts_balance(priced: list) -> None:
    for item in priced:
        hoso = build_hoso(item)
        for line in (*hoso.xml2, *hoso.xml3):
            assert line.thanh_tien_bv == line.t_bhtt + line.t_bncct + line.t_bntt + line.t_nguonkhac
            assert line.t_bhtt <= line.thanh_tien_bh
        assert hoso.xml1.t_tongchi_bv == sum((row.thanh_tien_bv for row in (*hoso.xml2, *hoso.xml3)), Decimal(0))
