"""Pricing throughput: lines priced per second on one core, and the ratio to a baseline loop.

Run by hand: ``PYTHONPATH=. python bench/pricing.py [--encounters N] [--lines L]``.
The baseline only multiplies quantity × unit price (Decimal) for the same lines; target ≥ 50,000 lines/s.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date, datetime, timedelta
from decimal import Decimal

import rules
from rules import Card, Encounter, Facility, Line

GROUPS = ("exam", "bed", "service", "drug", "drug", "drug", "supply", "service")


def make_encounters(n: int, lines_per: int, seed: int = 7) -> list[Encounter]:
    rnd = random.Random(seed)
    out = []
    start = date(2024, 1, 1)
    for i in range(n):
        day = start + timedelta(days=rnd.randrange(900))
        adm = datetime.combine(day, datetime.min.time()) + timedelta(hours=8)
        lines = tuple(
            Line(
                stt=j + 1, code=f"C{rnd.randrange(5000)}", group=GROUPS[j % len(GROUPS)],  # type: ignore[arg-type]
                quantity=Decimal(rnd.randrange(1, 30)), unit_price_bv=Decimal(rnd.randrange(1000, 900000)),
                unit_price_bh=Decimal(rnd.randrange(1000, 900000)),
                listed_payment_ratio=Decimal(rnd.choice((100, 100, 100, 50))),
                line_datetime=adm + timedelta(hours=j),
            )
            for j in range(lines_per)
        )
        out.append(Encounter(
            encounter_date=day, cards=(Card(rnd.choice(("DN4", "HT3", "HN2", "CC1")) + "010123456701"),),
            facility=Facility("01010", "provincial", "chuyen_sau", "provincial", "I"),
            route=rnd.choice(("registered_facility", "referral", "self_referral")),  # type: ignore[arg-type]
            visit_type="inpatient", lines=lines, ma_lk=str(i), admission_datetime=adm,
            discharge_datetime=adm + timedelta(days=rnd.randrange(1, 10)),
        ))
    return out


def baseline(encounters: list[Encounter]) -> Decimal:
    total = Decimal(0)
    for enc in encounters:
        for line in enc.lines:
            total += line.quantity * line.unit_price_bv
    return total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--encounters", type=int, default=4000)
    ap.add_argument("--lines", type=int, default=25)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    encs = make_encounters(args.encounters, args.lines)
    n_lines = args.encounters * args.lines
    rules.price_many(encs[:10])  # load parameter tables outside the timing
    best_engine = best_base = float("inf")
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        claims = rules.price_many(encs)
        best_engine = min(best_engine, time.perf_counter() - t0)
        t0 = time.perf_counter()
        baseline(encs)
        best_base = min(best_base, time.perf_counter() - t0)
    priced = sum(len(c.lines) for c in claims)
    engine_rate = n_lines / best_engine
    base_rate = n_lines / best_base
    print(f"lines: {n_lines} in {args.encounters} encounters ({priced} priced, rest rejected)")
    print(f"engine:   {engine_rate:,.0f} lines/s  ({best_engine:.3f} s)")
    print(f"baseline: {base_rate:,.0f} lines/s  ({best_base:.3f} s, quantity × price only)")
    ratio = engine_rate / base_rate
    print(f"ratio engine/baseline: {ratio:.3f}  (baseline is {1 / ratio:.1f}× faster)")
    print(f"target 50,000 lines/s: {'met' if engine_rate >= 50_000 else 'NOT met'}")


if __name__ == "__main__":
    main()
