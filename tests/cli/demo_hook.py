"""A stand-in for a domain's demo.py (used by test_cli)."""

from claims.audit import service as audit

calls: list[tuple[str, int]] = []


def seed_demo(session, actor, facility, seed):
    calls.append((facility.ma_cskcb, seed))
    audit.record(session, actor, "demo", 1, "seed", {"seed": seed}, facility_id=facility.id)
    return "demo hook: 1 thing added"
