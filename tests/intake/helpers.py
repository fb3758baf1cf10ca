"""Shared test data: a tiny catalogue for the demo generator and the shared samples folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from claims.demo.generator import CatalogueItem, generate_encounters
from claims.encounter.schemas import Encounter, LineGroup

ITEMS = [
    CatalogueItem("02.1896", "Khám Nội", LineGroup.EXAM, 13, "Lần", Decimal("39800")),
    CatalogueItem("K16.1917", "Giường Nội khoa hạng II", LineGroup.BED, 15, "Ngày", Decimal("245000")),
    CatalogueItem("22.0120.1370", "Tổng phân tích tế bào máu", LineGroup.SERVICE, 1, "Lần", Decimal("46200")),
    CatalogueItem("18.0001.0001", "Siêu âm", LineGroup.SERVICE, 2, "Lần", Decimal("58600")),
    CatalogueItem(
        "40.17",
        "Paracetamol 500mg",
        LineGroup.DRUG,
        4,
        "Viên",
        Decimal("1500"),
        tender_info="1/QĐ-BV;G1;N4;2024",
        registration_no="VD-1-20",
        strength="500mg",
        administration_route="1.01",
    ),
    CatalogueItem("N03.05.010", "Bơm tiêm 5ml", LineGroup.SUPPLY, 10, "Cái", Decimal("1050")),
]


def demo(count: int, seed: int = 1) -> Iterator[Encounter]:
    return generate_encounters(count, seed=seed, items=ITEMS)


def shared_dir() -> Path:
    env = os.environ.get("CLAIMS_SHARED_DIR")
    if env:
        return Path(env)
    root = Path(__file__).resolve().parents[2]
    for candidate in (root / ".." / "shared", root / ".." / ".." / "shared"):  # main checkout, or a worktree
        if candidate.is_dir():
            return candidate
    return root / ".." / "shared"


SAMPLES = shared_dir() / "samples"
