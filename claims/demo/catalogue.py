"""The demo generator's catalogue: the insurer codes and BH prices found in the six real sample files.

Those files name no tender decision or registration number for most items, so the demo gives drugs and
supplies well-formed made-up ones (``TT_THAU`` as ``decision;Gx;Nx;yyyy``), enough for the checks to pass.
"""

from __future__ import annotations

from functools import cache

from claims.catalogue.demo import demo_items
from claims.demo.generator import CatalogueItem
from claims.encounter.schemas import LineGroup

_GROUPS = {group.value: group for group in LineGroup}


@cache
def sample_catalogue_items() -> list[CatalogueItem]:
    items = []
    for n, item in enumerate(demo_items(), start=1):
        group = _GROUPS.get(item.group, LineGroup.SERVICE)
        if group is LineGroup.DRUG and item.ma_nhom in ("7", "17"):
            group = LineGroup.BLOOD
        drug = group in (LineGroup.DRUG, LineGroup.BLOOD)
        items.append(
            CatalogueItem(
                code=item.code,
                name=item.name,
                group=group,
                cost_group=int(item.ma_nhom),
                unit=item.unit,
                price_bh=item.price_bh,
                listed_payment_ratio=int(item.payment_ratio),
                tender_info=f"{100 + n}/QĐ-SYT;G1;N{1 + n % 5};2026" if drug or group is LineGroup.SUPPLY else None,
                registration_no=f"VD-{30000 + n}-26" if group is LineGroup.DRUG else None,
                strength="500mg" if group is LineGroup.DRUG else None,
                administration_route="1.01" if group is LineGroup.DRUG else None,
            )
        )
    return items
