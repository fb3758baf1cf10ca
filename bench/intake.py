"""Intake parsing benchmark: encounters per second per format (FHIR bundle, HL7 v2, CSV) and peak RSS.

Run by hand from the repository root:

    PYTHONPATH=$PWD python bench/intake.py --csv 100000 --hl7 20000 --fhir 5000

Encounters come from the deterministic demo generator and are written to a temporary folder as
NDJSON of Bundles, an HL7 v2 file (ADT^A03 + DFT^P03 per encounter) and a CSV in the documented
layout. Each format is then parsed (parsing and validation only, no storage yet) in a fresh child
process pinned to one core, which reports its rate and its own peak RSS; the ratio is to the
issue's targets (FHIR 300/s, CSV 1,000/s; HL7 v2 compared with 1,000/s).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from claims.demo.generator import CatalogueItem, generate_encounters
from claims.encounter.schemas import Encounter, LineGroup

TARGETS = {"fhir": 300.0, "fhir-claim": 300.0, "hl7": 1000.0, "csv": 1000.0}
ITEMS = [
    CatalogueItem("02.1896", "Khám Nội", LineGroup.EXAM, 13, "Lần", Decimal("39800")),
    CatalogueItem("K16.1917", "Giường Nội khoa hạng II", LineGroup.BED, 15, "Ngày", Decimal("245000")),
    CatalogueItem("22.0120.1370", "Tổng phân tích tế bào máu", LineGroup.SERVICE, 1, "Lần", Decimal("46200")),
    CatalogueItem("18.0001.0001", "Siêu âm", LineGroup.SERVICE, 2, "Lần", Decimal("58600")),
    CatalogueItem("40.17", "Paracetamol 500mg", LineGroup.DRUG, 4, "Viên", Decimal("1500"),
                  tender_info="1/QĐ-BV;G1;N4;2024", registration_no="VD-1-20", strength="500mg",
                  administration_route="1.01"),
    CatalogueItem("N03.05.010", "Bơm tiêm 5ml", LineGroup.SUPPLY, 10, "Cái", Decimal("1050")),
]  # fmt: skip


def _encounters(count: int) -> Iterator[Encounter]:
    return generate_encounters(count, seed=11, items=ITEMS)


def write_inputs(folder: Path, counts: dict[str, int]) -> dict[str, Path]:
    from claims.intake.render import fhir_bundle, hl7_messages
    from claims.intake.tabular import write_csv

    paths = {}
    if counts.get("csv"):
        paths["csv"] = folder / "encounters.csv"
        with paths["csv"].open("w", encoding="utf-8", newline="") as handle:
            write_csv(_encounters(counts["csv"]), handle, declared=counts["csv"])
    if counts.get("hl7"):
        paths["hl7"] = folder / "encounters.hl7"
        with paths["hl7"].open("w", encoding="utf-8") as handle:
            for number, encounter in enumerate(_encounters(counts["hl7"])):
                handle.write("".join(hl7_messages(encounter, str(number))))
    if counts.get("fhir"):
        for style in ("chargeitem", "claim"):  # one ChargeItem per line, or one Claim with an item per line
            name = "fhir" if style == "chargeitem" else "fhir-claim"
            paths[name] = folder / f"encounters-{style}.ndjson"
            with paths[name].open("w", encoding="utf-8") as handle:
                for encounter in _encounters(counts["fhir"]):
                    handle.write(json.dumps(fhir_bundle(encounter, style=style), ensure_ascii=False) + "\n")
    return paths


def parse(fmt: str, path: Path) -> dict[str, float]:
    """Parse one file in this process; return counts, rate and peak RSS (MB)."""
    from claims.intake.mapping import CodeMapping
    from claims.intake.records import ParsedRecord
    from claims.intake.sources import read_items

    kinds = CodeMapping(kinds={item.code: (item.group, item.cost_group) for item in ITEMS})
    good = bad = 0
    started = time.perf_counter()
    cpu_started = time.process_time()
    for item in read_items(path, fmt, mapping=kinds):
        if isinstance(item, ParsedRecord):
            if item.error is None:
                good += 1
            else:
                bad += 1
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"encounters": good, "failed": bad, "seconds": elapsed, "rate": good / elapsed, "cpu_rate": good / cpu,
            "peak_rss_mb": peak_mb}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=int, default=100_000, help="encounters in the CSV file")
    parser.add_argument("--hl7", type=int, default=20_000, help="encounters in the HL7 v2 file")
    parser.add_argument("--fhir", type=int, default=5_000, help="encounters in the FHIR NDJSON file")
    parser.add_argument("--child", nargs=2, metavar=("FORMAT", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
        print(json.dumps(parse(args.child[0], Path(args.child[1]))))
        return
    with tempfile.TemporaryDirectory(prefix="bench-intake-") as tmp:
        started = time.perf_counter()
        paths = write_inputs(Path(tmp), {"fhir": args.fhir, "hl7": args.hl7, "csv": args.csv})
        print(f"generated inputs in {time.perf_counter() - started:.0f} s")
        print(f"{'format':<10} {'encounters':>10} {'failed':>6} {'file MB':>7} {'enc/s':>7} {'cpu enc/s':>9} "
              f"{'target':>6} {'ratio':>5} {'peak RSS MB':>11}")  # fmt: skip
        for fmt, path in paths.items():
            reader = "fhir" if fmt.startswith("fhir") else fmt
            child = subprocess.run(
                [sys.executable, __file__, "--child", reader, str(path)], capture_output=True, text=True, check=True
            )
            result = json.loads(child.stdout)
            size = path.stat().st_size / 1e6
            print(
                f"{fmt:<10} {result['encounters']:>10.0f} {result['failed']:>6.0f} {size:>7.0f} {result['rate']:>7.0f} "
                f"{result['cpu_rate']:>9.0f} {TARGETS[fmt]:>6.0f} {result['rate'] / TARGETS[fmt]:>5.2f} "
                f"{result['peak_rss_mb']:>11.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
