"""The office side's entry point: `claims.review.service.check_hoso` on what it receives (pure, no database)."""

from __future__ import annotations

from claims.exchange.reader import EnvelopeReader, read_envelope
from claims.review.catalogue import demo_catalogue
from claims.review.service import check_hoso, check_many
from rules import checks
from tests.rules.checks.test_real_samples import EXPECTED
from tests.rules.checks.xmlsamples import samples_dir

HYPO = "qd130_94999_inpatient_hyponatremia_xml1-2-3-4-5-7-8-14.xml"


def _keys(found: list[checks.Finding]) -> set[tuple[str, str, str, str, str]]:
    return {(f.code, f.table, f.stt, f.field, f.value) for f in found}


def test_read_items_give_every_listed_finding() -> None:
    for name, expected in EXPECTED.items():
        [item] = list(EnvelopeReader(samples_dir() / name))
        assert _keys(check_hoso(item, demo_catalogue())) == set(expected), name


def test_typed_claims_lose_only_the_raw_format_findings() -> None:
    """A typed Hoso has no decimal commas left: the same findings but FMT_DECIMAL_COMMA."""
    [hoso] = read_envelope(samples_dir() / HYPO).envelope.hoso
    expected = {k for k in EXPECTED[HYPO] if k[0] != "FMT_DECIMAL_COMMA"}
    assert _keys(check_hoso(hoso, demo_catalogue())) == expected


def test_switches_and_overrides_can_be_passed() -> None:
    [item] = list(EnvelopeReader(samples_dir() / HYPO))
    found = check_hoso(item, None, enabled=["TOTAL_T_BHTT_GDV"], severity_overrides={"TOTAL_T_BHTT_GDV": "blocking"})
    assert [(f.code, f.severity) for f in found] == [("TOTAL_T_BHTT_GDV", checks.Severity.BLOCKING)]


def test_many_claims_at_once_see_each_other() -> None:
    items = [it for name in sorted(EXPECTED) for it in EnvelopeReader(samples_dir() / name)]
    assert "OVERLAPPING_STAYS" in {f.code for f in check_many(items, demo_catalogue())}
