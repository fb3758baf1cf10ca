"""Benchmark: claims checked per second over a generated month of 15-line claims, adapter included.

Run by hand (one core):  PYTHONPATH=. python bench/checks.py [--claims 20000] [--with-catalogue]
The timed path is what the service and the office run: typed claim (`claims.exchange.model.Hoso`) → checks
input (`claims.exchange.checks_input.tables_of_hoso`) → `rules.checks.claim_from_tables` → `rules.checks.run`.
Target: ≥ 2,000 claims/s. Prints the rate and its ratio to the target baseline.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date

from claims.exchange.checks_input import hoso_of_tables, tables_of_hoso
from claims.exchange.synthetic_checks import catalogue, claim_tables
from rules import checks

BASELINE = 2000.0  # claims/s target (issue #5)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--claims", type=int, default=20000, help="claims in the generated month")
    ap.add_argument("--with-catalogue", action="store_true", help="also match every line against a catalogue")
    ap.add_argument("--repeat", type=int, default=3, help="runs; the best is reported")
    args = ap.parse_args()
    rng = random.Random(5)
    month = date(2025, 3, 1)
    hosos = [hoso_of_tables(claim_tables(i, rng, month)) for i in range(args.claims)]
    cat = catalogue() if args.with_catalogue else None
    best: tuple[float, float, float, float] | None = None
    findings: list[checks.Finding] = []
    for _ in range(args.repeat):
        # CPU time of this process (one core), so that other load on the machine counts less; best of N repeats.
        w0, c0 = time.perf_counter(), time.process_time()
        tables = [tables_of_hoso(h) for h in hosos]
        ca = time.process_time()
        claims = checks.claims_from_tables(tables)
        c1 = time.process_time()
        findings = checks.run(claims, cat)
        w2, c2 = time.perf_counter(), time.process_time()
        del claims, tables
        if best is None or (c2 - c0) < best[0] + best[1] + best[2]:
            best = (ca - c0, c1 - ca, c2 - c1, w2 - w0)
    assert best is not None
    adapt, build, check, wall = best
    rate = args.claims / (adapt + build + check)
    print(f"claims: {args.claims} x 15 lines, catalogue: {'yes' if args.with_catalogue else 'no'}, "
          f"checks: {len(checks.CHECKS)}, findings: {len(findings)}, best of {args.repeat}")
    print(f"CPU: adapter {adapt:.2f}s, build input {build:.2f}s, run checks {check:.2f}s "
          f"({args.claims / check:,.0f} claims/s checks only); wall: {wall:.2f}s")
    print(f"rate: {rate:,.0f} claims/s (adapter + build + check, CPU), "
          f"ratio to baseline {BASELINE:,.0f}/s: {rate / BASELINE:.2f}")

if __name__ == "__main__":
    main()
