"""The demo generator's catalogue: the insurer codes and BH prices found in the six real sample files.

Drugs carry the registration number, strength and tender the real files wrote (the catalogue row's variant
``SO_DANG_KY|HAM_LUONG|TT_THAU``), supplies their tender, so generated lines match the demo catalogue the
checks use. Where a file gave none, the demo writes a well-formed made-up tender (``decision;Gx;Nx;yyyy``).
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
        variant = item.variant.split("#", 1)[0]
        registration, strength, tender = [*variant.split("|"), "", "", ""][:3] if drug else ("", "", variant)
        made_up_tender = f"{100 + n}/QĐ-SYT;G1;N{1 + n % 5};2026" if drug or group is LineGroup.SUPPLY else None
        items.append(
            CatalogueItem(
                code=item.code,
                name=item.name,
                group=group,
                cost_group=int(item.ma_nhom),
                unit=item.unit,
                price_bh=item.price_bh,
                listed_payment_ratio=int(item.payment_ratio),
                tender_info=tender or made_up_tender,
                registration_no=(registration or f"VD-{30000 + n}-26") if group is LineGroup.DRUG else None,
                strength=(strength or None) if drug else None,
                administration_route="1.01" if group is LineGroup.DRUG else None,
            )
        )
    return items
