from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import rules
from claims.catalogue import demo

from .helpers import shared_dir


def test_demo_catalogue_file_is_current() -> None:
    shared = shared_dir()
    if shared is None:
        pytest.skip("shared/ not available")
    cached = (Path(demo.__file__).parent / "data" / "demo_tariff.csv").read_text(encoding="utf-8")
    assert demo.regenerate(shared) == cached, "run: python -m claims.catalogue.demo --write"


def test_demo_items_and_tariff() -> None:
    items = demo.demo_items()
    assert len(items) > 50
    groups = {it.group for it in items}
    assert {"drug", "service", "supply", "exam", "bed"} <= groups
    by_code = {(it.code, it.price_bh) for it in items}
    assert ("18.0015.0001", Decimal(58600)) in by_code  # abdominal ultrasound, README of the samples
    assert ("21.0014.1778", Decimal(39900)) in by_code  # ECG
    tariff = demo.demo_tariff()
    assert isinstance(tariff, rules.Tariff) and len(tariff) == len(items)
    row = tariff.lookup("18.0015.0001", date(2026, 1, 16))
    assert row is not None and row.price_bh == Decimal(58600)
    assert tariff.lookup("18.0015.0001", date(2019, 12, 31)) is None


def test_real_files_price_cleanly_against_the_demo_tariff() -> None:
    shared = shared_dir()
    if shared is None:
        pytest.skip("shared/ not available")
    from .real_files import load

    for path in sorted((shared / "samples" / "xml130").glob("*.xml")):
        enc, _origin, _x1 = load(path)
        claim = rules.price(enc, demo.demo_tariff())
        assert claim.rejected == (), (path.name, claim.rejected[:3])
