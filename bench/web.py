"""Work-queue speed: 100,000 claims in PostgreSQL, pages of the queue through the whole HTTP stack.

    python bench/web.py [--claims 100000] [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/web_bench]

Creates (or reuses, when it already holds the claims) the database, signs in as a billing clerk of the
largest facility and times each kind of queue page: first page, deep keyset pages, each filter, the
partial (JavaScript) update, the dashboard. Prints the median and worst of several runs in milliseconds
and the ratio to the 300 ms budget (ratio < 1 is within budget).
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

BUDGET_MS = 300.0
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/web_bench"
FACILITIES = (("01001", 0.7), ("79002", 0.2), ("48003", 0.1))
STATUSES = (("priced", 0.35), ("needs_fix", 0.08), ("approved", 0.1), ("sent", 0.2), ("assessed", 0.12),
            ("paid", 0.15))  # fmt: skip
DEPARTMENTS = [f"K{n:02d}" for n in range(1, 31)]
CATEGORIES = ["1.1", "1.2", "1.3", "1.4", "1.5", "1.7", "1.9", "1.10", "2.1", "3.1"]
PERIODS = [f"2026{m:02d}" for m in range(1, 13)]
FINDINGS = ["card_validity", "ma_doituong_kcb", "pham_vi", "tariff", "line_rejected"]


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]


def _ensure_database(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}):
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def seed(url: str, count: int) -> dict[str, int]:
    """Facilities, users and ``count`` claims (with findings on the needs_fix ones); reused when present."""
    from sqlalchemy import func, insert, select, text

    from claims.auth.models import User
    from claims.auth.security import hash_password
    from claims.catalogue.models import Facility
    from claims.claim.models import Claim
    from claims.kit.db import make_engine, make_session_factory
    from claims.migrate import upgrade

    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as s:
        ids = {f.ma_cskcb: f.id for f in s.scalars(select(Facility))}
        if len(ids) < len(FACILITIES):
            for code, _ in FACILITIES:
                if code not in ids:
                    s.add(Facility(ma_cskcb=code, name=f"Bệnh viện {code}", province=code[:2], hospital_class="II",
                                   level="tỉnh"))  # fmt: skip
            s.flush()
            ids = {f.ma_cskcb: f.id for f in s.scalars(select(Facility))}
        if s.scalar(select(User).where(User.username == "bench_billing")) is None:
            s.add(User(username="bench_billing", password_hash=hash_password("bench-password-1"), role="billing",
                       facility_id=ids[FACILITIES[0][0]]))  # fmt: skip
        s.commit()
        have = s.scalar(select(func.count()).select_from(Claim)) or 0
    if have >= count:
        print(f"reusing {have} claims")
        engine.dispose()
        return ids
    rng = random.Random(7)
    now = datetime.now(UTC)
    start = time.perf_counter()
    chunk = 5000
    with factory() as s:
        for base in range(have, count, chunk):
            rows: list[dict[str, Any]] = []
            for n in range(base, min(base + chunk, count)):
                total = Decimal(rng.randint(50_000, 20_000_000))
                fund = (total * Decimal("0.8")).quantize(Decimal(1))
                rows.append({
                    "facility_id": ids[_pick(rng, FACILITIES)], "ma_lk": f"BENCH{n:010d}", "version": 1,
                    "status": _pick(rng, STATUSES), "period": rng.choice(PERIODS),
                    "created_at": now - timedelta(days=rng.randint(0, 200)), "updated_at": now,
                    "ma_bn": f"BN{n:08d}", "ma_the_bhyt": f"DN40{n:011d}", "ma_doituong_kcb": rng.choice(CATEGORIES),
                    "ma_khoa": rng.choice(DEPARTMENTS), "ma_loai_kcb": "01", "ma_benh_chinh": "J06",
                    "t_thuoc": Decimal(0), "t_vtyt": Decimal(0), "t_tongchi_bv": total, "t_tongchi_bh": total,
                    "t_bntt": Decimal(0), "t_bncct": total - fund, "t_bhtt": fund, "t_nguonkhac": Decimal(0),
                    "t_bhtt_gdv": Decimal(0), "xml1": {"ho_ten": f"Người bệnh {n}"}, "other_tables": {},
                })  # fmt: skip
            s.execute(insert(Claim), rows)
            s.commit()
        # Findings on the claims that need a fix (one or two codes each).
        s.execute(text("""
            INSERT INTO finding (claim_id, facility_id, code, severity, table_name, field, message, source, resolved,
                                 created_at)
            SELECT c.id, c.facility_id, (ARRAY['card_validity','ma_doituong_kcb','pham_vi','tariff'])[1 + c.id % 4],
                   'error', 'XML1', 'ma_the_bhyt', 'bench finding', 'pricing', false, now()
            FROM claim c WHERE c.status = 'needs_fix'
              AND NOT EXISTS (SELECT 1 FROM finding f WHERE f.claim_id = c.id)
        """))
        s.commit()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    print(f"seeded {count - have} claims in {time.perf_counter() - start:.1f} s")
    engine.dispose()
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from claims.app import create_app
    from claims.settings import Settings

    _ensure_database(args.database_url)
    ids = seed(args.database_url, args.claims)
    app = create_app(Settings(database_url=args.database_url, secret_key="bench-secret-key-0123456789",
                              log_level="WARNING"))  # fmt: skip
    with TestClient(app) as client:
        page = client.get("/login").text
        token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page).group(1)  # type: ignore[union-attr]
        r = client.post("/login", data={"username": "bench_billing", "password": "bench-password-1",
                                        "csrf_token": token}, follow_redirects=False)  # fmt: skip
        assert r.status_code == 303, r.text

        # Deep cursors: the 1,000th page of the facility and the end of the queue.
        with app.state.session_factory() as s:
            from sqlalchemy import select

            from claims.claim.models import Claim

            own = ids[FACILITIES[0][0]]
            ordered = select(Claim.id).where(Claim.facility_id == own).order_by(Claim.id.desc())
            deep = s.scalar(ordered.offset(50 * 1000).limit(1)) or 1
            last = s.scalar(ordered.offset(max(0, int(args.claims * FACILITIES[0][1]) - 60)).limit(1)) or 1
        cases = {
            "first page": "/claims",
            "page 1,000 (keyset)": f"/claims?after={deep}",
            "last page (keyset)": f"/claims?after={last}",
            "back from page 1,000": f"/claims?before={deep}",
            "status=needs_fix": "/claims?status=needs_fix",
            "department=K07": "/claims?department=K07",
            "category=1.4": "/claims?category=1.4",
            "period=202603": "/claims?period=202603",
            "finding=pham_vi": "/claims?finding=pham_vi",
            "status+dept+period": "/claims?status=priced&department=K12&period=202607",
            "age 31-90": "/claims?age=31-90",
            "denial queue": "/claims?denied=1",
            "partial update (JS)": "/claims?status=sent&department=K03",
            "dashboard": "/",
        }
        print(f"{'page':24s} {'median ms':>10s} {'worst ms':>9s} {'ratio':>6s}")
        worst_ratio = 0.0
        for name, path in cases.items():
            headers = {"X-Partial": "queue"} if name.startswith("partial") else {}
            assert client.get(path, headers=headers).status_code == 200, path  # warm-up
            times = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                resp = client.get(path, headers=headers)
                times.append((time.perf_counter() - t0) * 1000)
                assert resp.status_code == 200
            median = statistics.median(times)
            worst_ratio = max(worst_ratio, median / BUDGET_MS)
            print(f"{name:24s} {median:10.1f} {max(times):9.1f} {median / BUDGET_MS:6.2f}")
        print(f"worst median / {BUDGET_MS:.0f} ms budget: {worst_ratio:.2f}")


if __name__ == "__main__":
    main()
