"""Benchmark: unit scoring grows with the period's tickets, not with the table.

    python bench/scoring.py                      # 1,000,000 tickets over 10 months, SQLite in a temp file
    python bench/scoring.py --database-url postgresql+psycopg://postgres@localhost:5432/postgres
    python bench/scoring.py --quick              # 50,000 tickets: a smoke run (well under a minute)

Builds a synthetic city (400 units in the four groups) and N tickets spread evenly over January–October
2026 (Beijing time) with their lead assignments (returns approved / rejected / pending, reopens,
assisting units), excluded and merged tickets, and follow-ups (answered, partly answered, unrated).
Rows are bulk-loaded (SQLite: executemany of prepared tuples; PostgreSQL: COPY), then ANALYZEd.

Then it times `compute_period` for one month (2026-05) and for all ten months at once (the period
"2026", which holds exactly the ten months of data), each the best of --repeat runs after a warm-up, and
checks that the twelve single months of 2026 add up to the year. The figure of merit is the ratio one month / all
ten: a scan of the whole table per period would give a ratio near 1; cost that follows the period's rows
gives about 0.1. Full mode exits 1 when the ratio is above 0.2 (--quick only reports it).

With --database-url the benchmark creates a scratch database on that server and drops it afterwards
(`--keep` keeps it, SQLite file included); it never touches an existing database.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


from hotline import migrate  # noqa: E402
from hotline.scoring.service import ScoringSettings, compute_period, store_period  # noqa: E402
from hotline.scratchdb import scratch_postgres  # noqa: E402
from models import make_engine, make_session_factory  # noqa: E402

BEIJING = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 1, 1, tzinfo=BEIJING)
END = datetime(2026, 11, 1, tzinfo=BEIJING)
MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]  # reopens and late answers spill into Nov/Dec
ONE_MONTH, ALL_MONTHS = "2026-05", "2026"
LIMIT = 0.2
GROUPS = (("street", 300), ("district", 20), ("department", 60), ("enterprise", 20))
CHUNK = 50_000


# --- synthetic data ---------------------------------------------------------------------------------

def units() -> list[tuple]:
    rows, unit_id = [], 0
    for group, count in GROUPS:
        for n in range(count):
            unit_id += 1
            rows.append((unit_id, f"B-{group[:3].upper()}-{n:03d}", f"单位{group}{n}", group, True))
    return rows


class Data:
    """Deterministic synthetic tickets, assignments and follow-ups (ids assigned here, in time order)."""

    def __init__(self, tickets: int, seed: int = 20261101):
        self.tickets = tickets
        self.rnd = random.Random(seed)
        self.unit_ids = list(range(1, sum(count for _, count in GROUPS) + 1))
        self.assignment_id = 0
        self.followup_id = 0

    def generate(self, first: int, last: int):
        """Rows of tickets [first, last): (tickets, assignments, followups) as dicts of column values."""
        rnd, span = self.rnd, (END - START).total_seconds()
        tickets, assignments, followups = [], [], []
        for ticket_id in range(first, last):
            at = START + timedelta(seconds=span * (ticket_id - 1) / self.tickets + rnd.random())
            at = at.astimezone(UTC)
            unit = rnd.choice(self.unit_ids)
            excluded = rnd.random() < 0.02
            status = "merged" if rnd.random() < 0.01 else "closed"
            fate = rnd.random()
            lead_at, lead_unit = at, unit
            # Lead assignment, with its return fate.
            if fate < 0.05:  # return approved: re-routed a few hours later to another unit
                self._assign(assignments, ticket_id, unit, at, returned=at + timedelta(hours=1), decision="approved",
                             active=False)
                lead_unit, lead_at = rnd.choice(self.unit_ids), at + timedelta(hours=3)
                self._assign(assignments, ticket_id, lead_unit, lead_at)
            elif fate < 0.08:  # return rejected: still theirs
                self._assign(assignments, ticket_id, unit, at, returned=at + timedelta(hours=1), decision="rejected")
            elif fate < 0.09:  # return pending
                self._assign(assignments, ticket_id, unit, at, returned=at + timedelta(hours=1), decision=None)
            else:
                self._assign(assignments, ticket_id, unit, at)
            if rnd.random() < 0.15:  # an assisting unit
                self._assign(assignments, ticket_id, rnd.choice(self.unit_ids), at, role="assist")
            reopened = rnd.random() < 0.04
            if reopened:  # 重办 two weeks later: a new lead assignment, fresh clocks
                lead_at = lead_at + timedelta(days=14)
                self._assign(assignments, ticket_id, lead_unit, lead_at)
            respond_due = lead_at + timedelta(days=1)
            outcome = rnd.random()
            responded = (None if outcome < 0.05 else
                         lead_at + timedelta(hours=rnd.uniform(0.5, 20)) if outcome < 0.85 else
                         lead_at + timedelta(hours=rnd.uniform(25, 72)))
            tickets.append({
                "id": ticket_id, "ticket_no": f"B{ticket_id:011d}", "status": status, "excluded": excluded,
                "lead_unit_id": lead_unit, "received_at": at - timedelta(minutes=5), "updated_at": lead_at,
                "dispatched_at": lead_at, "respond_due": respond_due, "responded_at": responded,
                "reopen_count": 1 if reopened else 0,
            })
            # Follow-ups: one per round; most answered about a week after dispatch.
            for round_ in range(2 if reopened else 1):
                start = at if round_ == 0 else lead_at
                roll = rnd.random()
                answered = start + timedelta(days=rnd.uniform(3, 12))
                if roll < 0.70:
                    state, resolved, level = "answered", rnd.random() < 0.8, rnd.choices(
                        ("satisfied", "basic", "unsatisfied"), (0.7, 0.2, 0.1))[0]
                elif roll < 0.73:
                    state, resolved, level = "answered", None, "satisfied"  # half an answer
                elif roll < 0.93:
                    state, resolved, level, answered = "unrated", None, None, None
                else:
                    state, resolved, level, answered = "open", None, None, None
                self.followup_id += 1
                followups.append({
                    "id": self.followup_id, "ticket_id": ticket_id, "unit_id": lead_unit, "round": round_,
                    "status": state, "resolved": resolved, "satisfaction": level, "answered_at": answered,
                    "expires_at": start + timedelta(days=15), "created_at": start + timedelta(days=2),
                })
        return tickets, assignments, followups

    def _assign(self, rows, ticket_id, unit_id, at, *, role="lead", returned=None, decision=None, active=True):
        self.assignment_id += 1
        rows.append({"id": self.assignment_id, "ticket_id": ticket_id, "unit_id": unit_id, "role": role,
                     "assigned_at": at, "returned_at": returned, "return_decision": decision, "active": active})


# --- bulk loading ---------------------------------------------------------------------------------------

UNIT_COLUMNS = ("id", "code", "name", "unit_group", "active")
TICKET_COLUMNS = ("id", "ticket_no", "channel", "citizen_confidential", "content", "status", "lead_unit_id",
                  "suggestions", "duplicates", "received_at", "updated_at", "respond_due", "dispatched_at",
                  "responded_at", "overdue", "overdue_stages", "escalation_level", "jobs_owed", "reopen_count",
                  "excluded")
ASSIGNMENT_COLUMNS = ("id", "ticket_id", "unit_id", "role", "assigned_at", "assigned_by", "auto", "active",
                      "returned_at", "return_decision")
FOLLOWUP_COLUMNS = ("id", "ticket_id", "unit_id", "round", "channel", "status", "attempts", "expires_at",
                    "resolved", "satisfaction", "answered_at", "created_at")
CONSTANTS = {"channel": "phone", "citizen_confidential": False, "content": "压测工单", "suggestions": "[]",
             "duplicates": "[]", "overdue": False, "overdue_stages": "[]", "escalation_level": 0,
             "jobs_owed": False, "assigned_by": "bench", "auto": True, "attempts": 1}


class Loader:
    """Writes rows the fastest way each database offers, in the storage format the models read."""

    def __init__(self, engine):
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"

    def value(self, column: str, row: dict):
        value = row[column] if column in row else CONSTANTS.get(column)
        if isinstance(value, datetime) and self.sqlite:  # models.types.UTCDateTime: naive UTC text
            return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(value, bool) and self.sqlite:
            return int(value)
        return value

    def load(self, table: str, columns: tuple[str, ...], rows: list) -> None:
        tuples = [row if isinstance(row, tuple) else tuple(self.value(c, row) for c in columns) for row in rows]
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            if self.sqlite:
                marks = ", ".join("?" for _ in columns)
                cursor.execute("BEGIN")
                cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", tuples)
            else:
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for values in tuples:
                        copy.write_row(values)
            raw.commit()
        finally:
            raw.close()


def build(engine, tickets: int) -> dict[str, int]:
    loader, data = Loader(engine), Data(tickets)
    loader.load("units", UNIT_COLUMNS, units())
    totals = {"tickets": 0, "assignments": 0, "followups": 0}
    for first in range(1, tickets + 1, CHUNK):
        ticket_rows, assignment_rows, followup_rows = data.generate(first, min(first + CHUNK, tickets + 1))
        loader.load("tickets", TICKET_COLUMNS, ticket_rows)
        loader.load("assignments", ASSIGNMENT_COLUMNS, assignment_rows)
        loader.load("followups", FOLLOWUP_COLUMNS, followup_rows)
        totals["tickets"] += len(ticket_rows)
        totals["assignments"] += len(assignment_rows)
        totals["followups"] += len(followup_rows)
        if sys.stdout.isatty():
            print(f"\r  loaded {totals['tickets']:,} tickets", end="", flush=True)
    if sys.stdout.isatty():
        print()
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    return totals


# --- timing -------------------------------------------------------------------------------------------

def timed(factory, period: str, settings: ScoringSettings, repeat: int):
    best, rows = float("inf"), None
    for _ in range(repeat):
        with factory() as session:
            began = time.perf_counter()
            rows = compute_period(session, period, settings)
            best = min(best, time.perf_counter() - began)
    return best, rows


def totals(rows) -> tuple[int, int, int, int]:
    return (sum(r.dispatched for r in rows), sum(r.responded_in_time for r in rows), sum(r.rated for r in rows),
            sum(r.resolved for r in rows))


def run(url: str, tickets: int, repeat: int, quick: bool) -> int:
    engine = make_engine(url)
    try:
        print(f"database: {engine.dialect.name}; building {tickets:,} tickets over 10 months …")
        began = time.perf_counter()
        migrate.upgrade(engine)
        counts = build(engine, tickets)
        print(f"  {counts['tickets']:,} tickets, {counts['assignments']:,} assignments, "
              f"{counts['followups']:,} follow-ups in {time.perf_counter() - began:.1f} s")
        factory = make_session_factory(engine)
        settings = ScoringSettings()
        timed(factory, ALL_MONTHS, settings, 1)  # warm-up: caches, plans
        one, _ = timed(factory, ONE_MONTH, settings, repeat)
        ten, year_rows = timed(factory, ALL_MONTHS, settings, repeat)
        months = [timed(factory, month, settings, 1) for month in MONTHS]
        summed = tuple(map(sum, zip(*(totals(rows) for _, rows in months), strict=True)))
        if summed != totals(year_rows):
            print(f"FAIL: the months add up to {summed}, the year has {totals(year_rows)}")
            return 2
        with factory() as session:
            began = time.perf_counter()
            store_period(session, ONE_MONTH, settings)
            stored = time.perf_counter() - began
        ratio = one / ten
        print(f"  score one month ({ONE_MONTH}):     {one * 1000:8.1f} ms (best of {repeat})")
        print(f"  score all ten months ({ALL_MONTHS}): {ten * 1000:8.1f} ms (best of {repeat})")
        print(f"  the 12 months one by one:       {sum(t for t, _ in months) * 1000:8.1f} ms "
              f"(they add up to the year: dispatched {summed[0]:,}, rated {summed[2]:,})")
        print(f"  store one month (delete + insert): {stored * 1000:6.1f} ms")
        print(f"  ratio one month / all ten: {ratio:.3f} (limit {LIMIT})")
        if ratio > LIMIT:
            if quick:
                print("  (quick run: too small for the ratio to mean much; not failing)")
                return 0
            print("FAIL: scoring one month costs more than 0.2 × scoring all ten")
            return 1
        print("OK")
        return 0
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="50,000 tickets; report the ratio, never fail on it")
    parser.add_argument("--tickets", type=int, default=None, help="number of tickets (default 1,000,000)")
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server URL (a scratch database is made)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per figure (best is kept)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    tickets = args.tickets or (50_000 if args.quick else 1_000_000)
    if args.database_url and not args.database_url.startswith("sqlite"):
        with scratch_postgres(args.database_url, prefix="hotline_bench", keep=args.keep) as url:
            return run(url, tickets, args.repeat, args.quick)
    if args.database_url:
        return run(args.database_url, tickets, args.repeat, args.quick)
    folder = tempfile.mkdtemp(prefix="hotline-bench-")
    path = Path(folder) / "bench.db"
    try:
        return run(f"sqlite:///{path}", tickets, args.repeat, args.quick)
    finally:
        if args.keep:
            print(f"kept {path}")
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            os.rmdir(folder)


if __name__ == "__main__":
    raise SystemExit(main())
