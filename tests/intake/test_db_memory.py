"""Large files stream: the peak memory of an import does not grow with the number of encounters.

Each import runs in a child process on SQLite, which reports its own peak RSS (VmHWM, Linux). A small file and
a file six times larger must peak within a few MB of each other, and under the 500 MB bound of the issue.
The 100,000-encounter run itself is a benchmark (``bench/intake.py --csv 100000``): too slow for the suite.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.intake.db_helpers import csv_bytes
from tests.intake.helpers import demo

CHILD = textwrap.dedent(
    """
    import json, sys
    from claims.auth.scope import system_principal
    from claims.catalogue.models import Facility
    from claims.intake.runs import create_run, run_import
    from claims.kit.db import make_engine, make_session_factory
    from claims.migrate import upgrade

    url, path = sys.argv[1], sys.argv[2]
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    with factory() as session:
        session.add(Facility(ma_cskcb="01999", name="x", province="01"))
        session.commit()
    actor = system_principal("test")
    with factory() as session, open(path, "rb") as handle:
        run = create_run(session, actor, source="big.csv")
        report = run_import(session, actor, run, handle, session.commit, batch_size=200)
        session.commit()
    # VmHWM: this process image's own peak (ru_maxrss may keep the forking parent's from before exec)
    status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
    peak = int(status["VmHWM"].split()[0]) / 1024
    print(json.dumps({"imported": report.imported, "peak_mb": peak}))
    """
)


def _peak(tmp_path: Path, count: int) -> tuple[int, float]:
    data = tmp_path / f"e{count}.csv"
    data.write_bytes(csv_bytes(demo(count, seed=3), declared=count))
    url = f"sqlite:///{tmp_path / f'e{count}.db'}"
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", CHILD, url, str(data)], capture_output=True, text=True, check=True,
        cwd=root, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return int(result["imported"]), float(result["peak_mb"])


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc (Linux)")
def test_peak_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    small_count, small_peak = _peak(tmp_path, 400)
    large_count, large_peak = _peak(tmp_path, 2400)
    assert (small_count, large_count) == (400, 2400)
    assert large_peak < 500
    assert large_peak - small_peak < 25, (small_peak, large_peak)
