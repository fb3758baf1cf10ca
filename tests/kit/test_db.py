"""Transaction semantics every service relies on, on each backend."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from claims.catalogue.models import Facility


def _count(factory) -> int:
    with factory() as s:
        return s.scalar(select(func.count()).select_from(Facility)) or 0


def test_savepoint_nests_inside_the_callers_transaction(session_factory):
    with session_factory() as s:
        s.scalar(select(func.count()).select_from(Facility))  # a read first: no write transaction yet
        with s.begin_nested():
            s.add(Facility(ma_cskcb="01001", name="x", province="01"))
        s.rollback()
    assert _count(session_factory) == 0


def test_read_then_write_waits_for_a_concurrent_writer(session_factory):
    """A transaction that read before another writer committed can still write (no
    'database is locked' on SQLite)."""
    with session_factory() as a:
        a.scalar(select(func.count()).select_from(Facility))
        with session_factory() as b:
            b.add(Facility(ma_cskcb="01002", name="b", province="01"))
            b.commit()
        a.add(Facility(ma_cskcb="01003", name="a", province="01"))
        a.commit()
    assert _count(session_factory) == 2


def test_reads_see_other_commits(session_factory):
    with session_factory() as reader:
        assert reader.scalar(select(func.count()).select_from(Facility)) == 0
        with session_factory() as writer:
            writer.add(Facility(ma_cskcb="01004", name="w", province="01"))
            writer.commit()
        assert reader.scalar(select(func.count()).select_from(Facility)) == 1


def test_concurrent_writers_all_succeed(session_factory):
    errors: list[BaseException] = []

    def write(i: int) -> None:
        try:
            with session_factory() as s:
                s.scalar(select(func.count()).select_from(Facility))
                s.add(Facility(ma_cskcb=f"02{i:03d}", name=str(i), province="02"))
                s.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert _count(session_factory) == 8
