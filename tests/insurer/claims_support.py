"""Real, priced demo claims as the hospital writes them (for the office's validator and assessor tests)."""

from __future__ import annotations

from functools import lru_cache

import rules
from claims.exchange.model import Hoso

FACILITY = "01999"


def profile() -> rules.Facility:
    from claims.insurer.assessor import facility_profile

    return facility_profile(FACILITY, "tỉnh", "II")


@lru_cache(maxsize=4)
def demo_claims(count: int = 12, seed: int = 3) -> tuple[tuple[Hoso, bytes], ...]:
    """``count`` demo claims priced with the demo tariff: (typed claim, unsigned envelope bytes)."""
    from claims.catalogue.demo import demo_tariff
    from claims.demo.generator import generate_encounters
    from claims.exchange.claim_builder import build_hoso
    from claims.exchange.writer import write_claim
    from claims.pricing.adapter import price_encounters

    encounters = list(generate_encounters(count, seed, FACILITY, expired_card_share=0.0))
    hosos = [build_hoso(p) for p in price_encounters(encounters, profile(), demo_tariff())]
    return tuple((h, write_claim(h, ngaylap="20261101")) for h in hosos)
