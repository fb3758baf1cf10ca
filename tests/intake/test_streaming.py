"""Large inputs stream: parsing memory does not grow with the number of encounters in the file."""

import io
import tracemalloc
from pathlib import Path

from claims.intake.records import ParsedRecord
from claims.intake.render import hl7_messages
from claims.intake.sources import read_items
from claims.intake.tabular import write_csv
from tests.intake.helpers import demo


def _peak(path: Path, fmt: str) -> tuple[int, int]:
    tracemalloc.start()
    try:
        count = sum(1 for item in read_items(path, fmt) if isinstance(item, ParsedRecord) and item.error is None)
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _csv(path: Path, count: int) -> Path:
    buffer = io.StringIO()
    write_csv(demo(count, seed=12), buffer)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_csv_parsing_memory_is_flat(tmp_path: Path) -> None:
    small_count, small_peak = _peak(_csv(tmp_path / "small.csv", 150), "csv")
    large_count, large_peak = _peak(_csv(tmp_path / "large.csv", 600), "csv")
    assert (small_count, large_count) == (150, 600)
    # Four times the encounters: a whole-file list would take about four times the memory.
    assert large_peak < 2 * small_peak, (small_peak, large_peak)


def test_hl7_parsing_memory_is_bounded_by_the_visit_window(tmp_path: Path) -> None:
    def write(name: str, count: int) -> Path:
        path = tmp_path / name
        path.write_text("".join("".join(hl7_messages(e, str(n))) for n, e in enumerate(demo(count, seed=13))))
        return path

    from claims.intake import hl7v2

    small = write("small.hl7", 100)
    large = write("large.hl7", 400)

    def peak(path: Path) -> int:
        tracemalloc.start()
        try:
            with path.open(encoding="utf-8") as handle:
                for _ in hl7v2.read_hl7(handle, window=20):
                    pass
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    assert peak(large) < 2 * peak(small)
