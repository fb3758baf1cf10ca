"""A claim stored in the database writes back exactly the tables it was stored from (both backends)."""

from __future__ import annotations

from pathlib import Path

import pytest

from claims.auth.scope import system_principal
from claims.claim.models import Claim
from claims.claim.tables import hoso_of_claim, store_claim
from claims.exchange.model import record_fields
from claims.exchange.reader import read_envelope
from tests import factories

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "xml130"
FILES = sorted(SAMPLES.glob("*.xml")) if SAMPLES.is_dir() else []
ACTOR = system_principal("test")


@pytest.mark.skipif(not FILES, reason="shared/ samples not present")
def test_real_files_survive_the_database(session) -> None:
    for n, path in enumerate(FILES):
        (item,) = read_envelope(path.read_bytes()).items
        original = item.hoso
        facility = factories.facility(session, f"9{n}999")
        claim = store_claim(session, ACTOR, facility.id, original)
        session.commit()
        session.expire_all()
        back = hoso_of_claim(session.get(Claim, claim.id))
        for table, records in original.tables().items():
            again = back.records(table)
            assert len(again) == len(records), (path.name, table)
            for before, after in zip(records, again, strict=True):
                assert record_fields(after) == record_fields(before), (path.name, table, before.stt)
