"""Outbox throughput: enqueue N jobs in one transaction, then relay them to a StubBroker."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

# Measured on the 2-core development machine, SQLite, 10 000 messages (messages per second).
BASELINE = {"enqueue": 820.0, "relay": 3000.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()

    from claims.kit.db import make_engine, make_session_factory
    from claims.migrate import upgrade
    from claims.submission import outbox
    from workers.broker import actor, setup_broker
    from workers.relay import relay_all

    @actor(queue_name="bench")
    def bench_job(n: int) -> None:
        """Never executed: the benchmark measures relaying only."""

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        factory = make_session_factory(make_engine(url))
        broker = setup_broker(None)

        start = time.perf_counter()
        with factory() as session:
            for n in range(args.messages):
                outbox.enqueue(session, "bench_job", {"n": n}, dedupe_key=f"bench:{time.time_ns()}:{n}")
            session.commit()
        enqueue_rate = args.messages / (time.perf_counter() - start)

        start = time.perf_counter()
        sent = relay_all(factory, broker, batch_size=500)
        relay_rate = sent / (time.perf_counter() - start)
        assert sent == args.messages, sent

    for name, rate in (("enqueue", enqueue_rate), ("relay", relay_rate)):
        print(f"{name:8s} {rate:10.0f} msg/s   ratio to baseline {rate / BASELINE[name]:.2f}")


if __name__ == "__main__":
    main()
