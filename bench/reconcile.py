"""Reconciliation at scale on PostgreSQL: N claim lines matched against N answer lines.

    python bench/reconcile.py [--lines 1000000] [--lines-per-claim 10] [--database-url URL]

Creates a fresh schema in the given PostgreSQL database, bulk-loads claims and claim lines and the
office's answers (assessment answers and answer lines) with COPY, then runs the set-based matching and
the variance rebuild of the period. 1 % of the answer lines carry a changed STT (matched by the rule),
0.1 % name a code we never sent (exceptions), 10 % are partly disallowed. Prints each step's time, the
rows/s and the ratio to the baseline recorded below (2-core development machine, shared).
"""

from __future__ import annotations

import argparse
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.engine import make_url

BASELINE_SECONDS = 30.0  # the target for 1,000,000 lines, loading included
PERIOD = "202610"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--lines-per-claim", type=int, default=10)
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/recon_bench")
    parser.add_argument("--keep", action="store_true", help="keep the schema afterwards")
    args = parser.parse_args()

    from claims.auth.scope import system_principal
    from claims.kit.db import make_engine, make_session_factory
    from claims.migrate import upgrade

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(args.database_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(args.database_url).update_query_dict({"options": f"-csearch_path={schema}"})
    url_text = url.render_as_string(hide_password=False)
    try:
        upgrade(url_text)
        engine = make_engine(url_text)
        _timed(engine)
        claims = args.lines // args.lines_per_claim
        total_lines = claims * args.lines_per_claim
        t0 = time.perf_counter()
        _load(engine, claims, args.lines_per_claim)
        t_load = time.perf_counter() - t0

        from claims.remittance import variances
        from claims.remittance.matching import match_period

        factory = make_session_factory(engine)
        with factory() as session:
            t1 = time.perf_counter()
            counts = match_period(session, 1, PERIOD)
            session.commit()
            t_match = time.perf_counter() - t1
            t2 = time.perf_counter()
            found = variances.rebuild(session, 1, PERIOD, datetime.now(UTC))
            session.commit()
            t_var = time.perf_counter() - t2
        _ = system_principal
        total = t_load + t_match
        print(f"lines: {total_lines:,} claim lines vs {total_lines:,} answer lines ({claims:,} claims)")
        print(f"load (COPY, 4 tables, indexes): {t_load:6.1f} s  {2 * total_lines / t_load:>10,.0f} rows/s")
        print(f"match:                          {t_match:6.1f} s  {total_lines / t_match:>10,.0f} lines/s  {counts}")
        print(f"variances + denials:            {t_var:6.1f} s  {found}")
        print(f"load + match:                   {total:6.1f} s  ratio to the {BASELINE_SECONDS:.0f} s target: "
              f"{total / BASELINE_SECONDS:.2f}")  # fmt: skip
        print(f"load + match + variances:       {total + t_var:6.1f} s")
        engine.dispose()
    finally:
        if not args.keep:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


class _Rows:
    """COPY text built in chunks (much faster than one write_row call per row)."""

    def __init__(self, copy, size: int = 20_000) -> None:  # type: ignore[no-untyped-def]
        self.copy, self.size, self.buffer = copy, size, []

    def write_row(self, row: tuple) -> None:  # type: ignore[type-arg]
        self.buffer.append("\t".join(map(str, row)))
        if len(self.buffer) >= self.size:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            self.copy.write("\n".join(self.buffer) + "\n")
            self.buffer = []


def _timed(engine) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import event

    @event.listens_for(engine, "before_cursor_execute")
    def before(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        conn.info["t"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def after(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        took = time.perf_counter() - conn.info.pop("t", time.perf_counter())
        if took > 0.2:
            print(f"    {took:5.1f} s  {' '.join(statement.split())[:110]}")


def _load(engine, claims: int, per_claim: int) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC).isoformat()
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        # Bulk load of generated, consistent rows: foreign-key triggers off for the load only (as pg_restore
        # does); the rows reference only ids created here.
        cur.execute("SET session_replication_role = replica")
        # Secondary indexes are built once after the load (a sort each) rather than row by row.
        cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename IN ('claim_line', 'answer_line', 'assessment_answer') AND indexname LIKE 'ix_%'"
        )
        deferred = cur.fetchall()
        for name, _ in deferred:
            cur.execute(f'DROP INDEX "{name}"')
        cur.execute(
            "INSERT INTO facility (id, ma_cskcb, name, province, active, created_at) "
            "VALUES (1, '01999', 'Bench', '01', true, now())"
        )
        cur.execute(
            "INSERT INTO remittance_import (id, facility_id, kind, source, doc_key, name, period, content_sha256, "
            "records, imported_at, imported_by) VALUES (1, 1, 'assessment', 'file', 'bench', 'bench', %s, 'x', %s, "
            "now(), 'bench')",
            (PERIOD, claims),
        )
        money = ["t_thuoc", "t_vtyt", "t_tongchi_bv", "t_tongchi_bh", "t_bntt", "t_bncct", "t_bhtt", "t_nguonkhac",
                 "t_bhtt_gdv"]  # fmt: skip
        cols = ["id", "facility_id", "ma_lk", "version", "status", "period", "created_at", "updated_at", "xml1",
                "other_tables", *money]  # fmt: skip
        line_total = per_claim * 100_000  # each line claims 100,000.00
        with cur.copy(f"COPY claim ({', '.join(cols)}) FROM STDIN") as raw_copy:
            copy = _Rows(raw_copy)
            for i in range(1, claims + 1):
                copy.write_row((i, 1, f"LK{i:08d}", 1, "sent", PERIOD, now, now, "{}", "{}",
                                0, 0, line_total, line_total, 0, 0, line_total, 0, 0))  # fmt: skip
            copy.flush()
        line_money = ["thanh_tien_bv", "thanh_tien_bh", "t_nguonkhac_nsnn", "t_nguonkhac_vtnn", "t_nguonkhac_vttn",
                      "t_nguonkhac_cl", "t_nguonkhac", "t_bntt", "t_bncct", "t_bhtt"]  # fmt: skip
        lcols = ["id", "claim_id", "table_name", "stt", "code", "so_luong", "fields", *line_money]
        with cur.copy(f"COPY claim_line ({', '.join(lcols)}) FROM STDIN") as raw_copy:
            copy = _Rows(raw_copy)
            n = 0
            for i in range(1, claims + 1):
                for s in range(1, per_claim + 1):
                    n += 1
                    copy.write_row((n, i, "XML3" if s % 3 else "XML2", s, f"C{s:03d}", 1, "{}",
                                    100000, 100000, 0, 0, 0, 0, 0, 0, 0, 100000))  # fmt: skip
            copy.flush()
        acols = ["id", "import_id", "facility_id", "period", "ma_lk", "office_version", "transaction_id",
                 "envelope_sha256", "status", "claimed", "approved", "disallowed", "reason_codes", "reasons",
                 "has_lines", "current", "match"]  # fmt: skip
        with cur.copy(f"COPY assessment_answer ({', '.join(acols)}) FROM STDIN") as raw_copy:
            copy = _Rows(raw_copy)
            for i in range(1, claims + 1):
                disallowed = 50000 if i % 10 == 0 else 0
                copy.write_row((i, 1, 1, PERIOD, f"LK{i:08d}", 1, f"GD{i}", "", "partially_accepted" if disallowed
                                else "accepted", line_total, line_total - disallowed, disallowed, "", "[]", True,
                                True, "pending"))  # fmt: skip
            copy.flush()
        alcols = ["id", "answer_id", "import_id", "facility_id", "period", "ma_lk", "office_version", "table_name",
                  "line_no", "item_code", "claimed", "approved", "disallowed", "reason_code", "reason_codes",
                  "reasons", "current"]  # fmt: skip
        with cur.copy(f"COPY answer_line ({', '.join(alcols)}) FROM STDIN") as raw_copy:
            copy = _Rows(raw_copy)
            n = 0
            for i in range(1, claims + 1):
                for s in range(1, per_claim + 1):
                    n += 1
                    stt = s + 100 if (n % 100 == 0) else s  # 1 %: the STT changed
                    code = "NEVER" if n % 1000 == 1 else f"C{s:03d}"  # 0.1 %: a code we never sent
                    cut = 50000 if (i % 10 == 0 and s == 1) else 0
                    reason = "PRICE_ABOVE_TARIFF" if cut else ""
                    copy.write_row((n, i, 1, 1, PERIOD, f"LK{i:08d}", 1, "XML3" if s % 3 else "XML2", stt, code,
                                    100000, 100000 - cut, cut, reason, reason, "[]", True))  # fmt: skip
            copy.flush()
        for _, definition in deferred:
            cur.execute(definition)
        for table in ("claim", "claim_line", "assessment_answer", "answer_line"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            cur.execute(f"ANALYZE {table}")
        cur.execute("SET session_replication_role = DEFAULT")
        raw.commit()
    finally:
        raw.close()


if __name__ == "__main__":
    main()
