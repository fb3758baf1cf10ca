"""Intake benchmark: encounters per second per format (FHIR bundle, HL7 v2, XML 130, CSV) imported into the
database (SQLite, and PostgreSQL when ``--pg`` is given), on one core, and the peak RSS of each import.

Run by hand from the repository root:

    PYTHONPATH=$PWD python bench/intake.py                                   # SQLite
    PYTHONPATH=$PWD python bench/intake.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/bench
    PYTHONPATH=$PWD python bench/intake.py --csv 100000 --xml 0 --hl7 0 --fhir 0   # the 100,000-encounter RSS check
    PYTHONPATH=$PWD python bench/intake.py --parse-only                       # parsing alone, no database

Encounters come from the deterministic demo generator (about 22 lines each) and are written to a temporary
folder as NDJSON of Bundles, an HL7 v2 file (ADT^A03 + DFT^P03 per encounter), a CSV in the documented
layout and an XML 130 envelope (synthetic claims of 8 lines, claims.exchange.synthetic). Each file is then
imported exactly as ``claims import`` does (one import run, a commit per batch of 500, pricing queued in the
outbox) in a fresh child process pinned to one core, into a fresh database; the child reports its rate (wall
and CPU) and its own peak RSS. Targets (issue 6): FHIR ≥ 300/s, XML 130 and CSV ≥ 1,000/s into PostgreSQL;
HL7 v2 is compared with 1,000/s.
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
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from claims.demo.generator import CatalogueItem, generate_encounters
from claims.encounter.schemas import Encounter, LineGroup

TARGETS = {"fhir": 300.0, "hl7": 1000.0, "xml130": 1000.0, "csv": 1000.0}
FACILITY = "01999"
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
    return generate_encounters(count, seed=11, facility_code=FACILITY, items=ITEMS, expired_card_share=0.0)


def write_inputs(folder: Path, counts: dict[str, int]) -> dict[str, Path]:
    from claims.exchange.synthetic import make_claim
    from claims.exchange.writer import envelope_frame, hoso_fragment, table_documents
    from claims.intake.render import fhir_bundle, hl7_messages
    from claims.intake.tabular import write_csv

    paths = {}
    if counts.get("csv"):
        paths["csv"] = folder / "encounters.csv"
        with paths["csv"].open("w", encoding="utf-8", newline="") as handle:
            write_csv(_encounters(counts["csv"]), handle, declared=counts["csv"])
    if counts.get("xml130"):
        paths["xml130"] = folder / "claims.xml"
        head, tail = envelope_frame(FACILITY, "20260201", counts["xml130"])
        with paths["xml130"].open("wb") as raw:
            raw.write(head)
            for index in range(counts["xml130"]):
                raw.write(hoso_fragment(table_documents(make_claim(8, index, ma_cskcb=FACILITY))))
            raw.write(tail)
    if counts.get("hl7"):
        paths["hl7"] = folder / "encounters.hl7"
        with paths["hl7"].open("w", encoding="utf-8") as handle:
            for number, encounter in enumerate(_encounters(counts["hl7"])):
                handle.write("".join(hl7_messages(encounter, str(number))))
    if counts.get("fhir"):
        paths["fhir"] = folder / "encounters.ndjson"
        with paths["fhir"].open("w", encoding="utf-8") as handle:
            for encounter in _encounters(counts["fhir"]):
                handle.write(json.dumps(fhir_bundle(encounter), ensure_ascii=False) + "\n")
    return paths


def _database(url: str | None, folder: Path) -> tuple[str, object]:
    """A fresh migrated database: a SQLite file, or a new schema of the PostgreSQL database at ``url``."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from claims.kit.db import make_engine
    from claims.migrate import upgrade

    if url is None:
        target = f"sqlite:///{folder / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        upgrade(target)
        return target, None
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    target = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(False)
    upgrade(target)

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return target, drop


def peak_rss_mb() -> float:
    """This process's own peak RSS: VmHWM on Linux (ru_maxrss may keep the forking parent's peak from before
    exec), ru_maxrss elsewhere."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(fmt: str, path: Path, url: str | None) -> dict[str, float]:
    """Import one file into a fresh database in this process; return counts, rates and peak RSS (MB)."""
    from claims.auth.scope import system_principal
    from claims.catalogue.models import Facility
    from claims.intake.models import CodeMap
    from claims.intake.runs import create_run, run_import
    from claims.kit.db import make_engine, make_session_factory

    target, drop = _database(url, path.parent)
    engine = make_engine(target)
    factory = make_session_factory(engine)
    with factory() as session:
        facility = Facility(ma_cskcb=FACILITY, name="Bench", province="01", hospital_class="II", level="tỉnh")
        session.add(facility)
        session.flush()
        for item in ITEMS:  # sources without line kinds (HL7 FT1, FHIR ChargeItem) take them from the mapping
            row = CodeMap(facility_id=facility.id, his_code=item.code, insurer_code=item.code,
                          line_group=item.group.value, cost_group=item.cost_group, updated_by="bench")  # fmt: skip
            session.add(row)
        session.commit()
    actor = system_principal("bench")
    started, cpu_started = time.perf_counter(), time.process_time()
    with factory() as session, path.open("rb") as handle:
        run = create_run(session, actor, source=path.name, fmt=fmt)
        report = run_import(session, actor, run, handle, session.commit)
        session.commit()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    engine.dispose()
    if drop is not None:
        drop()  # type: ignore[operator]
    good = report.imported + report.updated + report.unchanged
    peak_mb = peak_rss_mb()
    return {"encounters": good, "failed": report.failed, "seconds": elapsed, "rate": good / elapsed,
            "cpu_rate": good / cpu, "peak_rss_mb": peak_mb}  # fmt: skip


def parse_child(fmt: str, path: Path) -> dict[str, float]:
    """Parse one file only (no database): counts, rates and peak RSS."""
    from claims.intake.mapping import CodeMapping
    from claims.intake.records import ParsedRecord
    from claims.intake.sources import read_items

    kinds = CodeMapping(kinds={item.code: (item.group, item.cost_group) for item in ITEMS})
    good = bad = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    for item in read_items(path, fmt, mapping=kinds):
        if isinstance(item, ParsedRecord):
            good, bad = (good + 1, bad) if item.error is None else (good, bad + 1)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak_mb = peak_rss_mb()
    return {"encounters": good, "failed": bad, "seconds": elapsed, "rate": good / elapsed, "cpu_rate": good / cpu,
            "peak_rss_mb": peak_mb}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--csv", type=int, default=10_000, help="encounters in the CSV file")
    parser.add_argument("--xml", type=int, default=5_000, help="claims in the XML 130 envelope")
    parser.add_argument("--hl7", type=int, default=3_000, help="encounters in the HL7 v2 file")
    parser.add_argument("--fhir", type=int, default=1_000, help="encounters in the FHIR NDJSON file")
    parser.add_argument("--pg", metavar="URL", help="PostgreSQL database to benchmark too (a schema per run)")
    parser.add_argument("--parse-only", action="store_true", help="parse and validate only, no database")
    parser.add_argument("--child", nargs=3, metavar=("FORMAT", "FILE", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
        fmt, file, url = args.child
        result = parse_child(fmt, Path(file)) if url == "parse" else run_child(fmt, Path(file), url or None)
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory(prefix="bench-intake-") as tmp:
        started = time.perf_counter()
        counts = {"fhir": args.fhir, "hl7": args.hl7, "xml130": args.xml, "csv": args.csv}
        paths = write_inputs(Path(tmp), counts)
        print(f"generated inputs in {time.perf_counter() - started:.0f} s", flush=True)
        targets = ["parse"] if args.parse_only else ["", *([args.pg] if args.pg else [])]
        print(f"{'database':<10} {'format':<7} {'encounters':>10} {'failed':>6} {'file MB':>7} {'enc/s':>7} "
              f"{'cpu enc/s':>9} {'target':>6} {'ratio':>5} {'peak RSS MB':>11}")  # fmt: skip
        for target in targets:
            name = "none" if target == "parse" else "postgresql" if target else "sqlite"
            for fmt, path in paths.items():
                child = subprocess.run(
                    [sys.executable, __file__, "--child", fmt, str(path), target],
                    capture_output=True, text=True, check=False,
                )  # fmt: skip
                if child.returncode != 0:
                    print(f"{name:<10} {fmt:<7} failed: {child.stderr.strip().splitlines()[-1:]}", flush=True)
                    continue
                result = json.loads(child.stdout.strip().splitlines()[-1])
                size = path.stat().st_size / 1e6
                print(
                    f"{name:<10} {fmt:<7} {result['encounters']:>10.0f} {result['failed']:>6.0f} {size:>7.0f} "
                    f"{result['rate']:>7.0f} {result['cpu_rate']:>9.0f} {TARGETS[fmt]:>6.0f} "
                    f"{result['cpu_rate'] / TARGETS[fmt]:>5.2f} {result['peak_rss_mb']:>11.0f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
