"""Benchmark: the periodic sweep costs what is due, not what is stored.

Builds a database with N open tickets whose deadlines are far away plus the same D tickets that are past
due (their jobs lost, so the sweep must handle them itself), then times one sweep. Run for a small and a
large N in the same run; the ratio of the two times must stay ≤ 2.

    python bench/sweep.py              # 10,000 vs 1,000,000 open tickets, 200 due (SQLite file)
    python bench/sweep.py --quick      # 1,000 vs 20,000
    python bench/sweep.py --database-url postgresql+psycopg://postgres@localhost/postgres

Exits non-zero when the ratio exceeds the target.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select, text  # noqa: E402

from hotline.scratchdb import scratch_postgres  # noqa: E402
from models import Ticket, Unit, clock  # noqa: E402
from models.clock import FrozenClock  # noqa: E402

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
TARGET_RATIO = 2.0


@contextmanager
def database(base_url: str | None, tag: str) -> Iterator[str]:
    """A fresh SQLite file, or a scratch PostgreSQL database dropped afterwards."""
    if base_url:
        with scratch_postgres(base_url, prefix="hotline_bench") as url:
            yield url
    else:
        yield f"sqlite:///{tempfile.mkdtemp(prefix='hotline-bench-')}/sweep-{tag}.db"


def rows(start: int, count: int, unit_id: int, due: bool) -> list[dict]:
    """Dispatched tickets: far-off deadlines, or (due) an accept deadline an hour ago."""
    dispatched = NOW - (timedelta(days=2) if due else timedelta(hours=1))
    accept_due = NOW - timedelta(hours=1) if due else NOW + timedelta(days=30)
    out = []
    for i in range(start, start + count):
        out.append({
            "ticket_no": f"2026111{i:07d}", "channel": "web", "content": "小区路灯不亮", "status": "dispatched",
            "citizen_confidential": False, "suggestions": [], "duplicates": [], "received_at": dispatched,
            "updated_at": dispatched, "dispatched_at": dispatched, "accept_due": accept_due,
            "respond_due": accept_due + timedelta(days=1), "reply_due": accept_due + timedelta(days=6),
            "overdue": False, "overdue_stages": [], "warned_stages": ["accept"] if not due else [],
            "escalation_level": 0, "jobs_owed": False, "reopen_count": 0, "excluded": False,
            "lead_unit_id": unit_id, "urgency": "normal",
            "next_check_at": accept_due if due else NOW + timedelta(days=20),
        })
    return out


def build(app, open_count: int, due_count: int) -> None:
    from hotline.database import engine, session_factory
    from hotline.processes.prepare import prepare_database

    prepare_database(app)  # migrate and load the demo city, as `up` does
    with session_factory(app)() as session:
        unit_id = session.scalar(select(Unit.id).where(Unit.code == "CY-WJ"))
    batch = 20_000
    with engine(app).begin() as connection:
        for start in range(0, open_count, batch):
            connection.execute(insert(Ticket), rows(start, min(batch, open_count - start), unit_id, due=False))
        connection.execute(insert(Ticket), rows(open_count, due_count, unit_id, due=True))
    if engine(app).dialect.name == "postgresql":
        with engine(app).connect() as connection:
            connection.execute(text("ANALYZE tickets"))


def measure(base_url: str | None, redis_url: str, open_count: int, due_count: int) -> tuple[float, int]:

    with database(base_url, str(open_count)) as url:
        return _measure(url, redis_url, open_count, due_count)


def _measure(url: str, redis_url: str, open_count: int, due_count: int) -> tuple[float, int]:
    from hotline import create_app
    from hotline.database import engine
    from hotline.jobs.sweep import sweep
    from hotline.queue import runtime
    from hotline.redis_conn import get_redis

    app = create_app(DATABASE_URL=url, REDIS_URL=redis_url, INSTANCE_PATH=tempfile.mkdtemp(),
                     SECRET_KEY="bench", LOG_LEVEL="ERROR")
    started = time.perf_counter()
    build(app, open_count, due_count)
    print(f"  built {open_count:,} open + {due_count} due tickets in {time.perf_counter() - started:.1f} s",
          flush=True)
    get_redis(app).flushdb()
    runtime.use_app(app)
    previous = clock.set_clock(FrozenClock(NOW))
    try:
        started = time.perf_counter()
        report = sweep(app, NOW, limit=due_count * 2)
        elapsed = time.perf_counter() - started
    finally:
        clock.set_clock(previous)
        runtime.use_app(None)
        engine(app).dispose()  # let the scratch database be dropped
    return elapsed, report.due_handled


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 vs 20,000 tickets (under a minute)")
    parser.add_argument("--database-url", help="a PostgreSQL server URL (default: SQLite files)")
    parser.add_argument("--redis-url", default=os.environ.get("HOTLINE_BENCH_REDIS_URL", "redis://localhost:6379/13"))
    parser.add_argument("--due", type=int, default=200)
    args = parser.parse_args()
    small, large = (1_000, 20_000) if args.quick else (10_000, 1_000_000)
    print(f"sweep benchmark: {args.due} due tickets among {small:,} and among {large:,} open tickets "
          f"({'PostgreSQL' if args.database_url else 'SQLite'})")
    small_time, small_handled = measure(args.database_url, args.redis_url, small, args.due)
    large_time, large_handled = measure(args.database_url, args.redis_url, large, args.due)
    ratio = large_time / small_time
    print(f"{'open tickets':>14} {'sweep (s)':>10} {'due work done':>14}")
    print(f"{small:>14,} {small_time:>10.3f} {small_handled:>14}")
    print(f"{large:>14,} {large_time:>10.3f} {large_handled:>14}")
    verdict = "OK" if ratio <= TARGET_RATIO else "FAIL"
    print(f"ratio large/small: {ratio:.2f} (target ≤ {TARGET_RATIO}) {verdict}")
    return 0 if ratio <= TARGET_RATIO and small_handled == large_handled else 1


if __name__ == "__main__":
    raise SystemExit(main())
