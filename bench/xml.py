# ruff: noqa: E402
"""XML 130 benchmark: writer + schema validation, reader on a real long stay, and a large envelope.

Run by hand from the repository root::

    PYTHONPATH=$PWD python bench/xml.py [--claims 2000] [--large-mb 500] [--skip-large]

Prints, for 15-line claims: our write + schema-validate rate (the production path: a typed pre-check
compiled from our XSD facets, libxml2 for any table document it cannot vouch for), the same with libxml2
parsing and validating every table document, write alone, a raw-lxml baseline (build and serialise the same
trees with no model and no checks), xmlschema's validation rate of the same documents, and the ratios; the time to read
the 1.7 MB long-stay sample (target < 100 ms); and the time and peak RSS to read a generated envelope of
``--large-mb`` MB (target RSS < 300 MB), generated to a temp file by streaming and deleted afterwards.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named xml.py: drop its folder from the import path so the standard library's ``xml``
# package (used by xmlschema) is not shadowed when run as ``python bench/xml.py``.
# (E402 above: the imports below must follow this line.)
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import os
import resource
import subprocess
import tempfile
import time

from lxml import etree

from claims.exchange.reader import EnvelopeReader, read_envelope
from claims.exchange.synthetic import baseline_lxml_envelope, make_claim
from claims.exchange.validation import check_written
from claims.exchange.writer import (
    checked_table_documents,
    envelope_bytes,
    envelope_frame,
    hoso_fragment,
    table_documents,
    write_claim,
)
from xsd import xmlschema_schema

VERSION = "3176"
LONG_STAY = "qd130_20999_inpatient_long_stay_wrapped_base64_xml1-2-3-4-5-7.xml"
LINES = 15


def rate(n: int, seconds: float) -> float:
    return n / seconds if seconds else float("inf")


def best_of(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def bench_write(n: int) -> None:
    claims = [make_claim(LINES, i) for i in range(n)]
    for c in claims[:50]:  # warm caches (compiled writers, schemas) outside the timing
        write_claim(c, ngaylap="20260105", version=VERSION, validate=True)
        baseline_lxml_envelope(c, VERSION)

    def ours() -> None:
        # the production path: typed pre-check from our XSD facets, libxml2 for any table it cannot vouch for
        for c in claims:
            write_claim(c, ngaylap="20260105", version=VERSION, validate=True)

    def ours_no_check() -> None:
        for c in claims:
            write_claim(c, ngaylap="20260105", version=VERSION)

    def ours_libxml2_all() -> None:
        # the same bytes, every table document parsed and validated by libxml2 (the path before the pre-check)
        for c in claims:
            files = table_documents(c, VERSION)
            if check_written(files, VERSION):
                raise AssertionError("synthetic claim fails our schema")
            envelope_bytes("01999", "20260105", [files])

    def base() -> None:
        for c in claims:
            baseline_lxml_envelope(c, VERSION)

    t_ours, t_write, t_all, t_base = best_of(ours), best_of(ours_no_check), best_of(ours_libxml2_all), best_of(base)
    checked = [checked_table_documents(c, VERSION) for c in claims]
    unsure, written = sum(len(u) for _, u in checked), sum(len(d) for d, _ in checked)
    # xmlschema is slow: validate the table documents of a subset
    docs = [table_documents(c, VERSION) for c in claims[:20]]
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    for table in ("XML1", "XML2", "XML3", "XML5"):
        xmlschema_schema(VERSION, table)

    def xs() -> None:
        for files in docs:
            for table, doc in files:
                xmlschema_schema(VERSION, table).validate(etree.fromstring(doc, parser))

    t_xs = best_of(xs, 3)
    r_ours, r_write, r_all = rate(n, t_ours), rate(n, t_write), rate(n, t_all)
    r_base, r_xs = rate(n, t_base), rate(len(docs), t_xs)
    print(f"15-line claims, version {VERSION}, {n} claims, best of 3 (one core)")
    print(f"  ours: write + schema-validate           {r_ours:10.0f} claims/s   (target >= 3000)")
    print(f"        (typed pre-check from our XSD facets; {unsure} of {written} table documents went to libxml2)")
    print(f"  ours: write + libxml2 on every document {r_all:10.0f} claims/s")
    print(f"  ours: write only (no validation)        {r_write:10.0f} claims/s")
    print(f"  baseline: raw lxml build + serialise    {r_base:10.0f} claims/s")
    print(f"  xmlschema: validate the table documents {r_xs:10.1f} claims/s")
    print(f"  ratio ours(write+validate) / lxml baseline   {r_ours / r_base:6.2f}x")
    print(f"  ratio ours(write+validate) / xmlschema       {r_ours / r_xs:6.1f}x   (target >= 50x)")
    print(f"  ratio ours(write+libxml2 every doc) / xmlschema {r_all / r_xs:6.1f}x")


def bench_long_stay() -> None:
    shared = os.environ.get("CLAIMS_SHARED_DIR")
    candidates = [Path(shared)] if shared else [p / "shared" for p in Path(__file__).resolve().parents]
    for base in candidates:
        path = base / "samples" / "xml130" / LONG_STAY
        if path.is_file():
            break
    else:
        print("long-stay sample not found (set CLAIMS_SHARED_DIR)")
        return
    read_envelope(path)
    t = best_of(lambda: read_envelope(path), 5)
    size = path.stat().st_size
    print(f"read 1.7 MB long-stay sample ({size} bytes): {t * 1000:.1f} ms   (target < 100 ms)")


def generate_large(path: Path, target_mb: int) -> int:
    """Stream a large envelope to ``path``: many HOSO of synthetic claims; returns the HOSO count."""
    bodies = [hoso_fragment(table_documents(make_claim(LINES, i), VERSION)) for i in range(64)]
    per = sum(len(b) for b in bodies) / len(bodies)
    count = int(target_mb * 1024 * 1024 / per) + 1
    head, tail = envelope_frame("01999", "20260105", count)
    with path.open("wb") as fh:
        fh.write(head)
        for i in range(count):
            fh.write(bodies[i % len(bodies)])
        fh.write(tail)
    return count


def read_large_child(path: str) -> None:
    """Run in a fresh process so its peak RSS is the reader's alone."""
    t = time.perf_counter()
    reader = EnvelopeReader(path, keep_documents=False)
    n = sum(1 for _ in reader)
    dt = time.perf_counter() - t
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    errors = [p for p in reader.problems if p.severity == "error"]
    print(f"{n} {dt:.2f} {rss_mb:.1f} {len(errors)}")


def bench_large(mb: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "large.xml"
        t = time.perf_counter()
        count = generate_large(path, mb)
        gen = time.perf_counter() - t
        size = path.stat().st_size
        out = subprocess.run(
            [sys.executable, __file__, "--read-large", str(path)],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        ).stdout.split()
        n, secs, rss, errors = int(out[0]), float(out[1]), float(out[2]), int(out[3])
        print(
            f"read generated envelope {size / 1024**2:.0f} MB ({count} HOSO, generated in {gen:.1f} s): "
            f"{secs:.1f} s, {n / secs:.0f} HOSO/s, {size / 1024**2 / secs:.1f} MB/s, peak RSS {rss:.0f} MB "
            f"(target < 300 MB), {errors} envelope errors"
        )
        assert n == count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--claims", type=int, default=2000)
    ap.add_argument("--large-mb", type=int, default=500)
    ap.add_argument("--skip-large", action="store_true")
    ap.add_argument("--read-large", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.read_large:
        read_large_child(args.read_large)
        return
    bench_write(args.claims)
    bench_long_stay()
    if not args.skip_large:
        bench_large(args.large_mb)


if __name__ == "__main__":
    main()
