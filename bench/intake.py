"""Benchmark: intake at city scale — the full intake path against a bare insert, on the production stack.

Three parts, one run, one PostgreSQL server, one Redis:

1. Throughput: gunicorn (2 workers, --preload) serving the app and 2 RQ workers (python -m
   hotline.processes.worker, as in production, at their lower priority) on the same machine; 8 and then 32
   concurrent clients post real citizen messages (titles and texts from the shared data, each with an
   address of the demo city and a caller's phone) for a fixed time to POST /api/v1/tickets with a web
   channel's key (the full path: validation, numbering, the ticket stored and its routing job queued; the
   workers route it with the demo city's bootstrap model — duplicates, deadlines, jobs), and the same bodies
   to a bare endpoint of the same app that inserts one ticket row and nothing else (the baseline); at 8
   clients also as a phone agent (routed in the request). Reported: requests/s, p50/p95/p99, errors,
   tickets stored = tickets accepted, how long the workers took after each load to route every web ticket
   (and the sustained rate that makes), the routing lag; then a steady 25 requests/s (not saturating): the
   answer's latency and the routing lag; the web processes' memory.
2. Duplicates at scale: the cost of one intake (p50 of sequential posts) into a street that holds
   1,000 open tickets of the window, then 100,000 (--quick: 10,000).
3. Staff lists and supervisor counts with 1,000,000 tickets in PostgreSQL (--quick: 100,000): each
   query's time (median of 5) and whether its plan reads an index rather than scanning the table.

    python bench/intake.py            # ≈ 3–6 min
    python bench/intake.py --quick    # ≤ 60 s: the street test with 1,000 vs 10,000
    python bench/intake.py --database-url postgresql+psycopg://postgres@localhost:5432/postgres \\
        --redis-url redis://localhost:6379/13 --port 5300

The Redis database given is flushed. Targets (ratios of the same run): full ≥ 30% of the bare insert's
throughput at 8 clients, full p99 ≤ 3 × p50; 100,000 open tickets in a street cost ≤ 1.2 × 1,000; no
errors, nothing lost (every web ticket routed); every list/count query ≤ 50 ms and on an index. The last line printed is JSON.
Needs ../shared/data (or HOTLINE_SHARED_DATA); exits 0 with a message when it is absent.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classifier.data import shared_data_dir  # noqa: E402

SHARED = shared_data_dir()
TARGET_SHARE, TARGET_TAIL, TARGET_STREET, TARGET_QUERY_MS = 0.30, 3.0, 1.2, 50.0
# What is posted: the bare insert, a web channel's intake (routed by job), an agent's phone intake (routed in
# the request). name, path, channel.
KINDS = (("bare", "/bench/bare", "web"), ("full", "/api/v1/tickets", "web"), ("phone", "/api/v1/tickets", "phone"))
ROUTING_WORKERS = 2  # RQ worker processes beside gunicorn's two
ROUTING_TIMEOUT = 120.0  # seconds the workers get to route a slice's tickets; later counts as left
# A steady load, not a saturating one: ≈ 3 × the morning peak of a bad day in Beijing (180,000 requests, most
# of them in a few morning hours: ≈ 8 a second), at which the routing lag of web channels is measured too.
PACED_RATE = 25.0
STREET, STREET_ADDRESS = "望京街道", "朝阳区望京西园三区"


# --- the app under test --------------------------------------------------------------------------------

def bench_app():
    """The application plus the baseline: POST /bench/bare inserts one ticket row, nothing else
    (gunicorn 'intake:bench_app()')."""
    from flask import jsonify, request

    from hotline import create_app
    from hotline.database import db, write_transaction
    from models import Ticket

    app = create_app()

    @app.post("/bench/bare")
    def bare():
        body = request.get_json()
        session = db()
        with write_transaction(session):
            session.add(Ticket(ticket_no="B" + secrets.token_hex(9), channel="bench", content=body["content"],
                               title=body.get("title"), address=body.get("address"),
                               citizen_phone=(body.get("citizen") or {}).get("phone")))
        return jsonify({"ok": True}), 201

    return app


def read_messages() -> list[dict]:
    rows = []
    for name in ("unlabelled_messages.csv", "replied_messages.csv", "messages.csv"):
        path = SHARED / name
        if path.exists():
            with open(path, encoding="utf-8") as handle:
                rows += [{"title": r["title"][:200], "content": r["body"][:3000]} for r in csv.DictReader(handle)
                         if r.get("body")]
    return rows


def demo_addresses() -> list[str]:
    from hotline.city.schema import read_city

    city = read_city(ROOT / "hotline" / "demo_city")
    return [f"{district.name}{landmark}" for district in city.districts for street in district.streets
            for landmark in street.landmarks]


class Stack:
    """A scratch PostgreSQL database with the demo city and its bootstrap model, and gunicorn serving it."""

    def __init__(self, database_url: str, redis_url: str, port: int):
        self.database_url, self.redis_url, self.port = database_url, redis_url, port
        self.instance = Path(tempfile.mkdtemp(prefix="hotline-bench-intake-"))
        self.env = {**os.environ, "HOTLINE_DATABASE_URL": database_url, "HOTLINE_REDIS_URL": redis_url,
                    "HOTLINE_INSTANCE_PATH": str(self.instance), "HOTLINE_SECRET_KEY": "bench",
                    "HOTLINE_LOG_LEVEL": "ERROR", "HOTLINE_RATELIMIT_INTAKE": "1000000/minute",
                    "HOTLINE_RATELIMIT_DEFAULT": "1000000/minute", "PYTHONPATH": str(ROOT)}
        self.server: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []

    def app(self):
        from hotline import create_app

        return create_app(DATABASE_URL=self.database_url, REDIS_URL=self.redis_url, INSTANCE_PATH=str(self.instance),
                          SECRET_KEY="bench", LOG_LEVEL="ERROR")

    def start_workers(self, count: int) -> None:
        """RQ workers (python -m hotline.processes.worker, as in production) on the same machine: they route
        the web channel's tickets while gunicorn takes more."""
        self.workers = [subprocess.Popen([sys.executable, "-m", "hotline.processes.worker"], env=self.env,
                                         cwd=str(ROOT)) for _ in range(count)]

    def prepare(self) -> str:
        import redis

        from hotline.auth import hash_api_key, issue_token, new_api_key
        from hotline.auth.accounts import create_user
        from hotline.database import session_factory
        from hotline.learning.service import ensure_bootstrap_model
        from hotline.processes.prepare import prepare_database
        from models import ApiKey

        redis.Redis.from_url(self.redis_url).flushdb()
        app = self.app()
        prepare_database(app)
        ensure_bootstrap_model(app)
        key, prefix = new_api_key()
        with session_factory(app)() as session, session.begin():
            session.add(ApiKey(name="bench", channel="web", prefix=prefix, key_hash=hash_api_key(key)))
            agent = create_user(session, "bench-agent", secrets.token_hex(8), "agent", None)
        with app.app_context():
            self.agent_token, _ = issue_token(agent)
        from hotline.intake.duplicates import duplicate_index
        from hotline.intake.routing import DUPLICATE_WINDOW

        duplicate_index(app, DUPLICATE_WINDOW).rebuild(app)  # what the sweep does on a fresh Redis
        return key

    def start(self, workers: int = 2) -> None:
        self.server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "-w", str(workers),
             "-b", f"127.0.0.1:{self.port}",
             "--pythonpath", str(ROOT / "bench"), "--backlog", "256", "--log-level", "warning",
             "intake:bench_app()"], env=self.env, cwd=str(ROOT))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _ = request(self.port, "GET", "/healthz", None, {})
                if status in (200, 503):
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("gunicorn did not start")

    def worker_memory(self) -> list[dict]:
        """RSS, PSS (its fair share of the pages shared with the master and its siblings) and USS (pages
        only it holds) of each worker, MB."""
        out = []
        children = Path(f"/proc/{self.server.pid}/task/{self.server.pid}/children").read_text().split()
        for pid in children:
            fields = {}
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
                name, value = line.split(":", 1)
                fields[name] = int(value.split()[0]) / 1024
            uss = fields["Private_Clean"] + fields["Private_Dirty"]
            out.append({"pid": int(pid), "rss_mb": round(fields["Rss"], 1), "pss_mb": round(fields["Pss"], 1),
                        "uss_mb": round(uss, 1)})
        return out

    def stop(self) -> None:
        for worker in self.workers:
            worker.terminate()
        for worker in self.workers:
            try:
                worker.wait(20)
            except subprocess.TimeoutExpired:
                worker.kill()
        if self.server is not None and self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(20)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()


# --- load -------------------------------------------------------------------------------------------

def request(port: int, method: str, path: str, body: dict | None, headers: dict) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        payload = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        connection.request(method, path, body=payload, headers={**headers, "Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


class Bodies:
    """Real messages with demo-city addresses and callers' phones, handed out round robin."""

    def __init__(self, messages: list[dict], addresses: list[str], seed: int = 0):
        self.messages, self.addresses = messages, addresses
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.next = 0

    def take(self, address: str | None = None, channel: str = "web") -> dict:
        with self.lock:
            i = self.next
            self.next += 1
            phone = f"13{self.rng.randrange(10**9):09d}"
        message = self.messages[i % len(self.messages)]
        return {"channel": channel, "title": message["title"], "content": message["content"],
                "address": address or self.addresses[i % len(self.addresses)],
                "citizen": {"name": "市民", "phone": phone}}


def percentile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def load(port: int, path: str, headers: dict, bodies: Bodies, clients: int, seconds: float,
         channel: str = "web") -> dict:
    """`clients` threads posting back to back for `seconds`; latencies of the requests that finished."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    accepted = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client():
        nonlocal accepted
        while time.monotonic() < stop_at:
            body = bodies.take(channel=channel)
            started = time.perf_counter()
            try:
                status, _ = request(port, "POST", path, body, headers)
            except OSError as error:
                status = type(error).__name__
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if status == 201:
                    accepted += 1
                    latencies.append(elapsed)
                else:
                    errors[str(status)] = errors.get(str(status), 0) + 1

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    return {"clients": clients, "requests_per_s": round(accepted / wall, 1), "accepted": accepted,
            "errors": sum(errors.values()), "error_kinds": errors, "wall_s": wall, "latencies": latencies,
            "p50_ms": round(percentile(latencies, 50), 1), "p95_ms": round(percentile(latencies, 95), 1),
            "p99_ms": round(percentile(latencies, 99), 1)}


def merge(parts: list[dict]) -> dict:
    """Slices of one configuration as one run: requests over total time, percentiles over all requests."""
    latencies = [value for part in parts for value in part["latencies"]]
    accepted, wall = sum(p["accepted"] for p in parts), sum(p["wall_s"] for p in parts)
    kinds: dict[str, int] = {}
    for part in parts:
        for kind, count in part["error_kinds"].items():
            kinds[kind] = kinds.get(kind, 0) + count
    routing = {}
    if "drain_s" in parts[0]:  # routed by job: the time the workers needed after the load, and what was left
        drain = sum(p["drain_s"] for p in parts)
        routing = {"drain_s": round(drain, 1), "left": sum(p["left"] for p in parts),
                   "sustained_per_s": round(accepted / (wall + drain), 1)}
    return {"clients": parts[0]["clients"], "slices": len(parts), "seconds": round(wall, 1), **routing,
            "requests_per_s": round(accepted / wall, 1), "accepted": accepted,
            "stored": sum(p["stored"] for p in parts), "errors": sum(kinds.values()), "error_kinds": kinds,
            "p50_ms": round(percentile(latencies, 50), 1), "p95_ms": round(percentile(latencies, 95), 1),
            "p99_ms": round(percentile(latencies, 99), 1)}


def settle(app, timeout: float = 30.0) -> None:
    """Before each slice: wait for PostgreSQL's autovacuum to finish (≤ `timeout`) and CHECKPOINT. After a
    full slice the routing workers update thousands of rows, and the vacuum and page writes that follow
    would otherwise fall in the next slice, the bare insert's (each of its requests waits for a WAL flush):
    its throughput fell by a fifth, flattering the ratio."""
    from sqlalchemy import text

    from hotline.database import engine

    vacuuming = text("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'")
    deadline = time.monotonic() + timeout
    with engine(app).connect() as connection:
        while connection.execute(vacuuming).scalar() and time.monotonic() < deadline:
            connection.rollback()
            time.sleep(0.2)
        connection.execute(text("CHECKPOINT"))


def stored(app, channel: str) -> int:
    from sqlalchemy import func, select

    from hotline.database import session_factory
    from models import Ticket

    with session_factory(app)() as session:
        return session.scalar(select(func.count()).select_from(Ticket).where(Ticket.channel == channel))


def received_left(app, channel: str) -> int:
    from sqlalchemy import func, select

    from hotline.database import session_factory
    from models import Ticket

    with session_factory(app)() as session:
        return session.scalar(select(func.count()).select_from(Ticket)
                              .where(Ticket.channel == channel, Ticket.status == "received"))


def wait_routed(app, channel: str, timeout: float) -> tuple[float, int]:
    """Seconds until the workers have routed every ticket of the channel (none left `received`), and how
    many were still waiting when the timeout ended that wait."""
    started = time.perf_counter()
    left = received_left(app, channel)
    while left and time.perf_counter() - started < timeout:
        time.sleep(0.05)
        left = received_left(app, channel)
    return time.perf_counter() - started, left


def paced(port: int, path: str, headers: dict, bodies: Bodies, rate: float, seconds: float) -> dict:
    """Intakes sent at a steady `rate` per second (an open loop, as callers arrive), not back to back: what a
    submitter waits for and how soon the routing follows when the machine is not saturated."""
    import concurrent.futures

    latencies: list[float] = []
    errors = 0

    def one() -> None:
        nonlocal errors
        started = time.perf_counter()
        status, _ = request(port, "POST", path, bodies.take(), headers)
        if status == 201:
            latencies.append((time.perf_counter() - started) * 1000)
        else:
            errors += 1

    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        begun, sent = time.perf_counter(), 0
        while sent < rate * seconds:
            time.sleep(max(0.0, begun + sent / rate - time.perf_counter()))
            pool.submit(one)
            sent += 1
    return {"rate": rate, "sent": sent, "errors": errors, "p50_ms": round(percentile(latencies, 50), 1),
            "p99_ms": round(percentile(latencies, 99), 1)}


def last_ticket_id(app) -> int:
    from sqlalchemy import func, select

    from hotline.database import session_factory
    from models import Ticket

    with session_factory(app)() as session:
        return session.scalar(select(func.coalesce(func.max(Ticket.id), 0)))


def routing_lags(app, channel: str, after_id: int = 0) -> list[float]:
    """Per routed ticket of the channel, ms from its receipt to its routing (the first event after `receive`)."""
    from sqlalchemy import func, select

    from hotline.database import session_factory
    from models import Ticket, TicketEvent

    with session_factory(app)() as session:
        rows = session.execute(
            select(Ticket.received_at, func.min(TicketEvent.at)).join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
            .where(Ticket.channel == channel, Ticket.id > after_id, TicketEvent.action != "receive")
            .group_by(Ticket.id, Ticket.received_at))
        return [(routed - received).total_seconds() * 1000 for received, routed in rows]


# --- bulk rows --------------------------------------------------------------------------------------

COLUMNS = ("ticket_no", "channel", "citizen_phone", "citizen_confidential", "title", "content", "address",
           "request_type", "urgency", "district_id", "street_id", "status", "lead_unit_id", "suggestions",
           "duplicates", "received_at", "updated_at", "dispatched_at", "accept_due", "respond_due", "reply_due",
           "overdue", "overdue_stages", "warned_stages", "escalation_level", "jobs_owed", "reopen_count",
           "excluded", "dup_text", "dup_signature")


def copy_tickets(app, rows: list[tuple]) -> None:
    """COPY rows (tuples in COLUMNS order) into tickets: the fast bulk path of PostgreSQL."""
    from hotline.database import engine

    connection = engine(app).raw_connection()
    try:
        cursor = connection.cursor()
        with cursor.copy(f"COPY tickets ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        connection.commit()
    finally:
        connection.close()


def other_street(app) -> tuple[str, str]:
    """A second street of the benchmark street's district and an address the gazetteer places in it."""
    from hotline.city.schema import read_city
    from hotline.database import session_factory
    from hotline.intake.routing import city_index

    city = read_city(ROOT / "hotline" / "demo_city")
    with session_factory(app)() as session:
        gazetteer = city_index(app, session).gazetteer
    for district in city.districts:
        if STREET not in [street.name for street in district.streets]:
            continue
        for street in district.streets:
            for landmark in street.landmarks:
                address = f"{district.name}{landmark}"
                if street.name != STREET and gazetteer.resolve(address, None, None).street == street.name:
                    return street.name, address
    raise SystemExit("no second street in the benchmark street's district")


def street_background(app, street_name: str, address: str, count: int, texts: list[tuple[str, str, tuple]],
                      now: datetime) -> None:
    """`count` open tickets of the window in one street, with real texts and their stored signatures."""
    from sqlalchemy import select

    from hotline.database import session_factory
    from models import Jurisdiction

    with session_factory(app)() as session:
        street = session.scalar(select(Jurisdiction).where(Jurisdiction.kind == "street",
                                                           Jurisdiction.name == street_name))
        street_id, district_id, unit_id = street.id, street.parent_id, street.unit_id
    rng = random.Random(street_id)
    rows = []
    for i in range(count):
        title, content, (cleaned, sig) = texts[i % len(texts)]
        received = now - timedelta(seconds=rng.randrange(5 * 24 * 3600))
        rows.append((f"S{street_id:03d}{i:09d}", "web", f"13{rng.randrange(10**9):09d}", False, title, content,
                     address, "complaint", "normal", district_id, street_id, "dispatched", unit_id, "[]", "[]",
                     received, received, received, received + timedelta(days=1), received + timedelta(days=2),
                     received + timedelta(days=10), False, "[]", "[]", 0, False, 0, False, cleaned, sig))
    copy_tickets(app, rows)


def analyse_tickets(app) -> None:
    """VACUUM ANALYZE tickets: what autovacuum does within a minute or so of a bulk load. Without it the
    planner, still believing a street holds a few hundred rows, reads the street's newest tickets by a
    bitmap over all 100,000 of them (85 ms instead of 0.2 ms): a measure of stale statistics, not of intake."""
    from sqlalchemy import text

    from hotline.database import engine

    with engine(app).connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE tickets"))


def street_cost(stack: Stack, app, headers: dict, messages: list[dict], sizes: tuple[int, int], probes: int) -> dict:
    """Sequential intakes (an agent's, routed in the request: the duplicates are looked for in the answer's
    time) into two streets of one district, one holding sizes[0] open tickets of the window,
    the other sizes[1]; the same real messages go to both, alternately, so that whatever else loads the
    machine weighs on both alike. p50 and mean of each."""
    import redis

    from hotline.intake.duplicates import duplicate_index, fingerprint
    from hotline.intake.routing import DUPLICATE_WINDOW

    background, probe_messages = messages[:-probes], messages[-probes:]
    texts = [(m["title"], m["content"], fingerprint(m["title"], m["content"])) for m in background[:3000]]
    now = datetime.now(UTC)
    large_street, large_address = other_street(app)
    streets = ((sizes[0], STREET, STREET_ADDRESS), (sizes[1], large_street, large_address))
    client = redis.Redis.from_url(stack.redis_url)
    memory_before = client.info("memory")["used_memory"]
    started = time.perf_counter()
    for size, name, address in streets:
        street_background(app, name, address, size, texts, now)
    analyse_tickets(app)
    client.delete("hotline:dup:ready")
    indexed = duplicate_index(app, DUPLICATE_WINDOW).rebuild(app)
    build_s = time.perf_counter() - started
    index_bytes = (client.info("memory")["used_memory"] - memory_before) / (sizes[0] + sizes[1])
    latencies: dict[int, list[float]] = {size: [] for size, _, _ in streets}
    rng = random.Random(7)
    for i, message in enumerate(probe_messages + probe_messages[:4]):  # the first four warm both workers
        for size, _, address in streets:
            body = {"channel": "phone", "title": message["title"], "content": message["content"], "address": address,
                    "citizen": {"name": "市民", "phone": f"13{rng.randrange(10**9):09d}"}}
            t0 = time.perf_counter()
            status, answer = request(stack.port, "POST", "/api/v1/tickets", body, headers)
            if status != 201:
                raise SystemExit(f"street probe failed: {status} {answer[:200]!r}")
            if i >= 4:
                latencies[size].append((time.perf_counter() - t0) * 1000)
    result = {"streets": {str(size): name for size, name, _ in streets}, "indexed": indexed,
              "build_s": round(build_s, 1), "probes": probes,
              "redis_bytes_per_indexed_ticket": round(index_bytes)}
    for size, values in latencies.items():
        result[str(size)] = {"p50_ms": round(statistics.median(values), 1), "mean_ms": round(statistics.fmean(values), 1)}
    result["ratio"] = round(result[str(sizes[1])]["p50_ms"] / result[str(sizes[0])]["p50_ms"], 2)
    return result


# --- staff lists and supervisor counts --------------------------------------------------------------------

def fill_million(app, total: int, now: datetime) -> float:
    """Tickets over 120 days up to `total` rows, with INSERT … SELECT generate_series: most closed, the last
    ten days' open (dispatched/accepted/responded/replied, a few in triage), some overdue."""
    from sqlalchemy import func, select, text

    from hotline.database import engine
    from models import Ticket

    started = time.perf_counter()
    with engine(app).begin() as connection:
        have = connection.scalar(select(func.count()).select_from(Ticket))
        units = [row[0] for row in connection.execute(text("SELECT id FROM units ORDER BY id"))]
        streets = [row[0] for row in connection.execute(text("SELECT id FROM jurisdictions WHERE kind='street'"))]
        connection.execute(text("""
            INSERT INTO tickets (ticket_no, channel, citizen_confidential, content, status, lead_unit_id, street_id,
                suggestions, duplicates, received_at, updated_at, dispatched_at, accept_due, respond_due, reply_due,
                overdue, overdue_stages, warned_stages, escalation_level, jobs_owed, reopen_count, excluded)
            SELECT 'M' || lpad(g::text, 12, '0'), 'phone', false, '历史诉求',
                CASE WHEN age > interval '10 days' THEN 'closed'
                     WHEN g % 500 = 0 THEN 'triage'
                     ELSE (ARRAY['dispatched','accepted','responded','replied'])[1 + g % 4] END,
                (:units)[1 + g % cardinality(:units)], (:streets)[1 + g % cardinality(:streets)],
                '[]', '[]', :now - age, :now - age, :now - age, :now - age + interval '1 day',
                :now - age + interval '2 days', :now - age + interval '12 days',
                age <= interval '10 days' AND g % 37 = 0, '[]', '[]', 0, false, 0, false
            FROM (SELECT g, (g % 120) * interval '1 day' + (g % 86400) * interval '1 second' AS age
                  FROM generate_series(1, :count) AS g) AS s
        """), {"units": units, "streets": streets, "now": now, "count": max(0, total - have)})
        # Every dispatched ticket has its lead assignment (active while open); one in ten an assisting unit.
        connection.execute(text("""
            INSERT INTO assignments (ticket_id, unit_id, role, assigned_at, assigned_by, auto, active)
            SELECT id, lead_unit_id, 'lead', dispatched_at, 'bench', true, status <> 'closed'
            FROM tickets WHERE ticket_no LIKE 'M%' AND status <> 'triage'
            UNION ALL
            SELECT id, (:units)[1 + (id * 7) % cardinality(:units)], 'assist', dispatched_at, 'bench', false,
                   status <> 'closed'
            FROM tickets WHERE ticket_no LIKE 'M%' AND status <> 'triage' AND id % 10 = 0
        """), {"units": units})
    with engine(app).connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE tickets"))
        connection.execute(text("VACUUM ANALYZE assignments"))
    return time.perf_counter() - started


def staff_queries(app, now: datetime) -> dict:
    """The statements of the supervisors' counts and the staff lists, as the app builds them."""
    from sqlalchemy import func, select

    from hotline.auth import Principal
    from hotline.database import session_factory
    from hotline.tickets.views import list_filters
    from models import Ticket, Unit
    from models.enums import OPEN_STATUSES, Role

    with session_factory(app)() as session:
        unit_id = session.scalar(select(Unit.id).where(Unit.code == "CY-WJ"))
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    count = select(func.count()).select_from(Ticket)
    is_open = Ticket.status.in_(OPEN_STATUSES)
    queries = {
        "count: received today": count.where(Ticket.received_at >= day_start),
        "count: open": count.where(is_open),
        "count: reply due within 24 h": count.where(is_open, Ticket.reply_due >= now,
                                                    Ticket.reply_due < now + timedelta(hours=24)),
        "count: overdue": count.where(Ticket.overdue.is_(True)),
        "list: unit's open queue by deadline": select(Ticket).where(Ticket.lead_unit_id == unit_id, is_open)
        .order_by(Ticket.reply_due, Ticket.id).limit(20),
    }
    supervisor = Principal(kind="user", id=0, name="bench", role=Role.SUPERVISOR)
    staff = Principal(kind="user", id=0, name="bench", role=Role.UNIT_STAFF, unit_id=unit_id)
    for label, query_string, principal in (
            ("triage queue", "status=triage", supervisor), ("overdue list", "overdue=true", supervisor),
            ("status=dispatched", "status=dispatched", supervisor),
            ("unit staff's open tickets", "status=dispatched,accepted,responded", staff)):
        with app.test_request_context(f"/api/v1/tickets?{query_string}"):
            clauses = list_filters(principal)
        queries[f"list: {label}"] = (select(Ticket).where(*clauses)
                                     .order_by(Ticket.received_at.desc(), Ticket.id.desc()).limit(20))
        queries[f"list: {label} (total)"] = count.where(*clauses)
    return queries


def time_queries(app, queries: dict) -> dict:
    from hotline.database import engine

    out = {}
    with engine(app).connect() as connection:
        for label, statement in queries.items():
            compiled = statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
            sql = str(compiled)
            plan = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {sql}").scalar()
            nodes = _nodes(plan[0]["Plan"])
            on_index = any("Index" in n.get("Node Type", "") for n in nodes)
            seq = any(n.get("Node Type") == "Seq Scan" and n.get("Relation Name") == "tickets" for n in nodes)
            times = []
            for _ in range(6):
                t0 = time.perf_counter()
                connection.exec_driver_sql(sql).all()
                times.append((time.perf_counter() - t0) * 1000)
            out[label] = {"ms": round(statistics.median(times[1:]), 2), "index": on_index and not seq,
                          "plan": sorted({n["Node Type"] + (f" {n['Index Name']}" if "Index Name" in n else "")
                                          for n in nodes})}
    return out


def _nodes(plan: dict) -> list[dict]:
    found = [plan]
    for child in plan.get("Plans", []):
        found += _nodes(child)
    return found


# --- main ---------------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs, 10,000 / 100,000 rows")
    parser.add_argument("--database-url", default=os.environ.get(
        "HOTLINE_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@localhost:5432/postgres"))
    parser.add_argument("--redis-url", default=os.environ.get("HOTLINE_BENCH_REDIS_URL", "redis://localhost:6379/13"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("HOTLINE_BENCH_PORT", "5300")))
    parser.add_argument("--seconds", type=float, default=None, help="per load slice (default 3 quick, 8 full)")
    args = parser.parse_args()
    if not (SHARED / "unlabelled_messages.csv").exists():
        print(f"skipped: shared data not found in {SHARED} (set HOTLINE_SHARED_DATA)")
        return 0
    from hotline.scratchdb import scratch_postgres

    seconds = args.seconds or (2.5 if args.quick else 8.0)  # per slice
    repeats = 2 if args.quick else 3
    street_sizes = (1_000, 10_000) if args.quick else (1_000, 100_000)
    table_size = 50_000 if args.quick else 1_000_000
    messages = read_messages()
    random.Random(1).shuffle(messages)
    report: dict = {"quick": args.quick, "slice_seconds": seconds, "slices": repeats}
    begun = time.perf_counter()
    with scratch_postgres(args.database_url, prefix="hotline_bench_intake") as url:
        stack = Stack(url, args.redis_url, args.port)
        key = stack.prepare()
        headers = {"Authorization": f"Bearer {key}"}
        agent = {"Authorization": f"Bearer {stack.agent_token}"}
        app = stack.app()
        stack.start()
        stack.start_workers(ROUTING_WORKERS)
        try:
            bodies = Bodies(messages[: len(messages) - 400], demo_addresses())
            # warm-up: imports, model, caches in both web workers, and the routing workers' first jobs
            for path, hdrs, channel in (("/bench/bare", headers, "web"), ("/api/v1/tickets", headers, "web"),
                                        ("/api/v1/tickets", agent, "phone")):
                load(stack.port, path, hdrs, bodies, 4, 1.0, channel)
            wait_routed(app, "web", 60)
            print(f"{'':10} {'clients':>7} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6}")
            runs = {}
            for clients in (8, 32):
                kinds = KINDS if clients == 8 else KINDS[:2]  # the agents' path at 8 clients only (time)
                slices: dict[str, list[dict]] = {name: [] for name, *_ in kinds}
                # alternating slices: a burst of other work weighs on both alike (--quick: one at 32 clients)
                for _ in range(repeats if clients == 8 or not args.quick else 1):
                    for name, path, channel in kinds:
                        stored_as = "bench" if name == "bare" else channel
                        settle(app)
                        before = stored(app, stored_as)
                        run = load(stack.port, path, agent if channel == "phone" else headers, bodies, clients,
                                   seconds, channel)
                        if name == "full":  # the workers finish routing what the slice took
                            run["drain_s"], run["left"] = wait_routed(app, channel, ROUTING_TIMEOUT)
                        run["stored"] = stored(app, stored_as) - before  # must equal run["accepted"]
                        slices[name].append(run)
                for name, parts in slices.items():
                    run = merge(parts)
                    runs[f"{name}@{clients}"] = run
                    print(f"{name:10} {clients:>7} {run['requests_per_s']:>7} {run['p50_ms']:>7} "
                          f"{run['p95_ms']:>7} {run['p99_ms']:>7} {run['errors']:>6}  "
                          f"stored {run['stored']}/{run['accepted']}" + (
                              f"  routed by {ROUTING_WORKERS} RQ workers {run['drain_s']} s after the slices "
                              f"(sustained {run['sustained_per_s']} req/s), {run['left']} left" if "left" in run else ""))
            report["throughput"] = runs
            lags = routing_lags(app, "web")
            report["routing_lag_ms"] = {"tickets": len(lags), "p50": round(percentile(lags, 50), 1),
                                        "p99": round(percentile(lags, 99), 1), "max": round(max(lags), 1)}
            before = last_ticket_id(app)
            steady = paced(stack.port, "/api/v1/tickets", headers, bodies, PACED_RATE, 3.0 if args.quick else 15.0)
            steady["drain_s"], steady["left"] = wait_routed(app, "web", ROUTING_TIMEOUT)
            steady_lags = routing_lags(app, "web", before)
            steady["routing_lag_p50_ms"] = round(percentile(steady_lags, 50), 1)
            steady["routing_lag_p99_ms"] = round(percentile(steady_lags, 99), 1)
            report["paced"] = steady
            report["memory"] = stack.worker_memory()
            share = runs["full@8"]["requests_per_s"] / runs["bare@8"]["requests_per_s"]
            tail = runs["full@8"]["p99_ms"] / runs["full@8"]["p50_ms"]
            phone_share = runs["phone@8"]["requests_per_s"] / runs["bare@8"]["requests_per_s"]
            sustained_share = runs["full@8"]["sustained_per_s"] / runs["bare@8"]["requests_per_s"]
            print(f"full / bare at 8 clients: {share:.0%} (target ≥ {TARGET_SHARE:.0%}); "
                  f"full p99 / p50: {tail:.2f} (target ≤ {TARGET_TAIL})")
            print(f"  web channels (routed by job): accepted {share:.0%} of bare, sustained with the routing "
                  f"{sustained_share:.0%}; routing lag p50 {report['routing_lag_ms']['p50']} ms, "
                  f"p99 {report['routing_lag_ms']['p99']} ms over {len(lags)} tickets")
            print(f"  agents (phone, routed in the request): {phone_share:.0%} of bare")
            print(f"  web channels at a steady {PACED_RATE:.0f} req/s ({steady['sent']} sent, {steady['errors']} errors): "
                  f"answered in p50 {steady['p50_ms']} ms, p99 {steady['p99_ms']} ms; routed "
                  f"p50 {steady['routing_lag_p50_ms']} ms, p99 {steady['routing_lag_p99_ms']} ms after receipt, "
                  f"{steady['left']} left")
            print("worker memory: " + ", ".join(f"RSS {m['rss_mb']} MB (PSS {m['pss_mb']}, USS {m['uss_mb']})"
                                                for m in report["memory"]))

            street = street_cost(stack, app, agent, messages[-400:], street_sizes, 20 if args.quick else 60)
            report["street"] = street
            small, large = street_sizes
            print(f"one intake into a street with {small:,} open tickets: p50 {street[str(small)]['p50_ms']} ms; "
                  f"with {large:,}: p50 {street[str(large)]['p50_ms']} ms — ratio {street['ratio']} "
                  f"(target ≤ {TARGET_STREET}); duplicate index: {street['redis_bytes_per_indexed_ticket']} bytes "
                  f"of Redis per open ticket, rebuilt in {street['build_s']} s")
        finally:
            stack.stop()

    # The lists and counts on a database of their own: the city's mix over 120 days (the street stress
    # above, 100,000 open tickets in one street, is not what a supervisor's dashboard reads every day).
    with scratch_postgres(args.database_url, prefix="hotline_bench_lists") as url:
        from hotline.processes.prepare import prepare_database

        lists_app = Stack(url, args.redis_url, args.port).app()
        prepare_database(lists_app)
        now = datetime.now(UTC)
        fill_s = fill_million(lists_app, table_size, now)
        print(f"\n{table_size:,} tickets in PostgreSQL (filled in {fill_s:.0f} s)")
        timings = time_queries(lists_app, staff_queries(lists_app, now))
        report["queries"] = {"tickets": table_size, "fill_s": round(fill_s), "results": timings}
        for label, result in timings.items():
            print(f"  {label:42} {result['ms']:>8.2f} ms  {'index' if result['index'] else 'NO INDEX':8} "
                  f"{', '.join(result['plan'])}")
        from hotline.database import engine

        engine(lists_app).dispose()
    errors = sum(r["errors"] for r in runs.values())
    checks = {
        "share_at_8": share >= TARGET_SHARE,
        "tail_at_8": tail <= TARGET_TAIL,
        "street_ratio": street["ratio"] <= TARGET_STREET,
        "no_errors": errors == 0,
        "stored_equals_accepted": all(r["stored"] == r["accepted"] for r in runs.values()),
        "web_tickets_all_routed": all(r.get("left", 0) == 0 for r in [*runs.values(), steady]),
        "no_errors_paced": steady["errors"] == 0,
        "queries_fast": all(r["ms"] <= TARGET_QUERY_MS for r in timings.values()),
        "queries_indexed": all(r["index"] for r in timings.values()),
    }
    report.update({"share_at_8": round(share, 3), "tail_at_8": round(tail, 2), "checks": checks,
                   "ok": all(checks.values()), "seconds": round(time.perf_counter() - begun, 1)})
    print("targets: " + ", ".join(f"{k} {'OK' if v else 'NOT MET'}" for k, v in checks.items()))
    print(json.dumps(report, ensure_ascii=False))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
