"""Small builders for encounters in the vectors' input shape."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

BASE: dict[str, Any] = {
    "encounter_date": "2024-10-02",
    "card_code": "DN4010123456701",
    "registered_facility": "01010",
    "facility": {"code": "01010", "old_level": "district", "hospital_class": "III"},
    "route": "registered_facility",
    "emergency": False,
    "visit_type": "outpatient",
    "admission_datetime": "2024-10-02T08:00",
    "discharge_datetime": "2024-10-02T11:00",
    "lines": [],
}


def line(
    stt: int, group: str = "service", qty: Any = 1, bv: Any = 100000, bh: Any = None, **kw: Any
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "stt": stt,
        "code": kw.pop("code", f"C{stt}"),
        "group": group,
        "quantity": qty,
        "unit_price_bv": bv,
        "unit_price_bh": bv if bh is None else bh,
        "service_ratio": 100,
        "listed_payment_ratio": 100,
        "pham_vi": 1,
    }
    out.update(kw)
    return out


def encounter(lines: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    out = copy.deepcopy(BASE)
    out["lines"] = lines
    out.update(kw)
    return out


def shared_dir() -> Path | None:
    env = os.environ.get("CLAIMS_SHARED_DIR")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parents[2] / ".." / "shared")
    candidates.append(Path("/work/shared"))
    for c in candidates:
        if (c / "spec" / "vectors.json").exists():
            return c.resolve()
    return None
