"""The difference between two claim snapshots, field by field (lines matched by table and STT)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_IGNORED = frozenset({"id", "claim_id", "created_at", "updated_at"})


@dataclass(frozen=True)
class Change:
    where: str  # "XML1" or "XML3 #2"
    field: str
    before: Any
    after: Any


def _flat(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key in _IGNORED:
            continue
        name = f"{prefix}{key}"
        if isinstance(value, dict) and key in ("xml1", "fields"):
            out.update(_flat(value, f"{name}."))
        elif key == "trace":
            continue  # explanations, not claim data
        else:
            out[name] = value
    return out


def _compare(where: str, left: dict[str, Any], right: dict[str, Any]) -> list[Change]:
    a, b = _flat(left), _flat(right)
    return [Change(where, k, a.get(k), b.get(k)) for k in sorted(a.keys() | b.keys()) if a.get(k) != b.get(k)]


def diff_snapshots(left: dict[str, Any], right: dict[str, Any]) -> list[Change]:
    """Fields that differ between two ``claims.claim.service.snapshot`` values."""
    changes = _compare("XML1", left.get("claim", {}), right.get("claim", {}))
    def by_key(snap: dict[str, Any]) -> dict[tuple[str, int], dict[str, Any]]:
        return {(line["table_name"], int(line["stt"])): line for line in snap.get("lines", [])}

    lines_a, lines_b = by_key(left), by_key(right)
    for key in sorted(lines_a.keys() | lines_b.keys()):
        where = f"{key[0]} #{key[1]}"
        if key not in lines_a:
            changes.append(Change(where, "(line)", None, "added"))
        elif key not in lines_b:
            changes.append(Change(where, "(line)", "removed", None))
        else:
            changes.extend(_compare(where, lines_a[key], lines_b[key]))
    return changes
