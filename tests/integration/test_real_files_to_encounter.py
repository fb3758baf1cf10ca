"""The six real hospital exports become canonical encounters without losing lines or money."""

from decimal import Decimal
from pathlib import Path

import pytest

from claims.exchange.reader import read_envelope
from claims.exchange.to_encounter import hoso_to_encounter

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "xml130"
FILES = sorted(SAMPLES.glob("*.xml")) if SAMPLES.is_dir() else []


@pytest.mark.skipif(not FILES, reason="shared/ samples not present")
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name[:40])
def test_real_file_becomes_an_encounter(path: Path) -> None:
    result = read_envelope(path.read_bytes())
    for item in result.items:
        hoso = item.hoso
        encounter = hoso_to_encounter(hoso)
        assert encounter.claim_key == hoso.ma_lk
        assert len(encounter.lines) == len(hoso.xml2) + len(hoso.xml3)
        hospital_total = sum((line.amount_bv for line in encounter.lines), Decimal(0))
        written_total = sum((row.thanh_tien_bv for row in (*hoso.xml2, *hoso.xml3)), Decimal(0))
        # quantity × hospital price reproduces each line's amount to the rounding of the line (≤ 1 đồng each)
        assert abs(hospital_total - written_total) <= len(encounter.lines)
        assert len(encounter.cards) == len(hoso.xml1.ma_the_bhyt.split(";"))
        for table, records in hoso.tables().items():
            if table not in ("XML1", "XML2", "XML3"):
                assert len(encounter.clinical_tables[table]) == len(records)
