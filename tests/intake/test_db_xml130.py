"""XML 130 files exported by a hospital: each claim is stored with its amounts as declared, then verified
against our pricing (differences are findings) through the outbox."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from claims.claim.models import Claim
from claims.exchange.reader import read_envelope
from claims.intake.pipeline import PRICE_DIFFERENCE
from claims.intake.repository import PRICE_ACTOR, VERIFY_ACTOR
from claims.review.models import Finding
from claims.submission.models import OutboxMessage
from tests.intake.db_helpers import facilities, import_bytes, outbox_payloads
from tests.intake.helpers import SAMPLES
from workers.intake import run_verification

FILES = sorted((SAMPLES / "xml130").glob("*.xml"))
TOTALS = ("t_thuoc", "t_vtyt", "t_tongchi_bv", "t_tongchi_bh", "t_bhtt", "t_bncct", "t_bntt", "t_nguonkhac")


@pytest.fixture
def xml_facilities(session_factory) -> list[int]:
    return facilities(session_factory, "20999", "94999")


def test_the_six_real_files_import_with_their_declared_totals(session_factory, xml_facilities) -> None:
    assert len(FILES) == 6
    declared: dict[str, dict[str, Decimal]] = {}
    for path in FILES:
        _, report = import_bytes(session_factory, path.read_bytes(), name=path.name)
        assert (report.imported, report.failed, report.file_errors) == (1, 0, []), report.as_dict()
        assert report.declared_count == 1
        x1 = read_envelope(path).envelope.hoso[0].xml1
        assert x1 is not None
        declared[x1.ma_lk] = {name: getattr(x1, name) or Decimal(0) for name in TOTALS}
    with session_factory() as session:
        claims = session.scalars(select(Claim)).all()
        assert len(claims) == 6
        for claim in claims:
            assert claim.status == "priced" and claim.encounter_id is not None
            assert {name: getattr(claim, name) for name in TOTALS} == declared[claim.ma_lk], claim.ma_lk
            line_total = sum((line.thanh_tien_bv for line in claim.lines), Decimal(0))
            assert line_total == claim.t_tongchi_bv
        assert outbox_payloads(session, PRICE_ACTOR) == []  # the file's claims are not re-priced …
        verify = [p["claim_ids"] for p in outbox_payloads(session, VERIFY_ACTOR)]
        assert sorted(i for ids in verify for i in ids) == sorted(c.id for c in claims)  # … but verified
    for ids in verify:
        run_verification(session_factory, ids)
        run_verification(session_factory, ids)  # safe to run twice
    with session_factory() as session:
        for claim in session.scalars(select(Claim)):
            assert {name: getattr(claim, name) for name in TOTALS} == declared[claim.ma_lk]  # kept as declared
        checks = session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "check_claims")).all()
        assert len(checks) == 6
        findings = session.scalars(select(Finding).where(Finding.source == "pricing")).all()
        assert findings, "our pricing without the facility's tariff differs from the files somewhere"
        differences = [f for f in findings if f.code == PRICE_DIFFERENCE]
        for finding in differences:
            assert "declared" in finding.message and "priced" in finding.message
            assert finding.severity == "warning"


def test_reimporting_the_same_file_changes_nothing(session_factory, xml_facilities) -> None:
    path = FILES[0]
    import_bytes(session_factory, path.read_bytes(), name=path.name)
    _, again = import_bytes(session_factory, path.read_bytes(), name=path.name)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 1)
    with session_factory() as session:
        assert len(session.scalars(select(Claim)).all()) == 1


def test_a_changed_file_after_sending_makes_a_new_version_of_the_claim(session_factory, xml_facilities) -> None:
    path = next(p for p in FILES if "inline" in p.name)
    data = path.read_bytes()
    import_bytes(session_factory, data, name=path.name)
    with session_factory() as session:
        claim = session.scalars(select(Claim)).one()
        claim.status = "sent"
        session.commit()
        sent_id = claim.id
    changed = data.replace(b"<CAN_NANG>60</CAN_NANG>", b"<CAN_NANG>61</CAN_NANG>", 1)
    assert changed != data
    _, report = import_bytes(session_factory, changed, name=path.name)
    assert report.updated == 1, report.as_dict()
    with session_factory() as session:
        rows = session.scalars(select(Claim).order_by(Claim.version)).all()
        assert [(c.version, c.status) for c in rows] == [(1, "sent"), (2, "priced")]
        assert rows[1].supersedes_id == sent_id


def test_a_file_that_is_not_an_envelope_fails_as_a_whole(session_factory, xml_facilities) -> None:
    _, report = import_bytes(session_factory, b"<?xml version='1.0'?><OTHER/>", name="x.xml")
    assert report.records == 0
    assert report.file_errors == ["x.xml: not a GIAMDINHHS envelope (root element is OTHER)"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name[:30])
def test_bulk_claim_insert_writes_what_the_claim_service_writes(session_factory, path) -> None:
    from claims.claim.models import ClaimLine
    from claims.claim.service import snapshot
    from claims.claim.tables import insert_new_claims, store_claim
    from tests.intake.db_helpers import ADMIN

    first, second = facilities(session_factory, "20999", "94999")
    hoso = read_envelope(path).envelope.hoso[0]
    with session_factory() as session:
        one = store_claim(session, ADMIN, first, hoso)
        [other_id] = insert_new_claims(session, ADMIN, [(second, hoso, None)])
        session.commit()
    with session_factory() as session:
        a, b = session.get(Claim, one.id), session.get(Claim, other_id)
        assert a is not None and b is not None

        def plain(claim: Claim) -> dict:
            snap = snapshot(claim)
            for row in (snap["claim"], *snap["lines"]):
                for key in ("id", "claim_id", "facility_id", "created_at", "updated_at"):
                    row.pop(key, None)
            return snap

        assert plain(a) == plain(b)
        stored = session.query(ClaimLine).filter_by(claim_id=b.id).count()
        assert len(b.lines) == len(hoso.xml2) + len(hoso.xml3) == stored
