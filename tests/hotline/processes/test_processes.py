"""The long-running processes ride out a Redis outage by themselves (hotline/processes/).

Each test runs the real process against a Redis server of its own, stops that Redis, starts it again and
checks that the process is still there and back at work — without anyone restarting it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis as redis_lib
from rq import Queue
from rq.job import Job

from hotline.processes.resilience import Backoff, Outage, RepeatFilter

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class OwnRedis:
    def __init__(self, folder: Path):
        from hotline.redis_conn import EmbeddedRedis

        self.binary = EmbeddedRedis.executable()
        self.port, self.folder = _free_port(), folder
        self.process: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen([self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--dir", str(self.folder), "--save", "", "--appendonly", "yes"],
                                        stdout=subprocess.DEVNULL)
        client = redis_lib.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis_lib.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def client(self) -> redis_lib.Redis:
        return redis_lib.Redis(port=self.port)


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def _env(tmp_path, own_redis, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update(HOTLINE_INSTANCE_PATH=str(tmp_path / "instance"), HOTLINE_REDIS_URL=own_redis.url,
               HOTLINE_DATABASE_URL=f"sqlite:///{tmp_path / 'hotline.db'}", PYTHONUNBUFFERED="1",
               HOTLINE_SECRET_KEY="test", **extra)
    return env


def _wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    # A bound against a hang, not a speed target: a worker niced below two busy pytest workers on a 2-core
    # CI machine (the retraining tests train on 12,799 labelled texts) once needed more than 60 s to stop.
    output, _ = process.communicate(timeout=180)
    return output or ""


# --- cron -----------------------------------------------------------------------------------------------

def test_cron__rides_out_a_redis_outage_and_enqueues_again_after_it(tmp_path, own_redis):
    cron = subprocess.Popen([sys.executable, "-m", "hotline.processes.cron"], cwd=ROOT, text=True,
                            env=_env(tmp_path, own_redis, HOTLINE_SWEEP_INTERVAL_SECONDS="1"),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    queue = Queue("hotline", connection=own_redis.client())
    try:
        assert _wait(lambda: queue.count > 0, 60), "cron never enqueued the sweep"
        own_redis.stop()
        time.sleep(4)  # several ticks of a 1 s schedule: rq's own loop would have exited at the first
        assert cron.poll() is None, "cron exited during the outage"
        own_redis.start()
        queue.empty()
        assert _wait(lambda: queue.count > 0, 30), "cron did not enqueue again after Redis came back"
        assert cron.poll() is None
    finally:
        output = _stop(cron)
    assert cron.returncode == 0, output
    assert output.count("Redis unreachable") == 1, output  # one line for the outage, not one per retry
    assert "back after" in output


def test_cron_loop__stops_between_passes_on_request():
    from hotline.processes.cron import run

    class Scheduler:
        passes = 0

        def register_birth(self):
            pass

        def enqueue_jobs(self):
            self.passes += 1
            return []

        def heartbeat(self):
            pass

        def calculate_sleep_interval(self):
            return 0.05

        def register_death(self):
            pass

    scheduler, stop = Scheduler(), threading.Event()
    thread = threading.Thread(target=run, args=(scheduler, stop))
    thread.start()
    time.sleep(0.3)
    stop.set()
    thread.join(5)
    assert not thread.is_alive() and scheduler.passes >= 2


# --- worker ---------------------------------------------------------------------------------------------

def test_worker__runs_scheduled_jobs_soon_after_a_redis_outage(tmp_path, own_redis):
    """Plain `rq worker --with-scheduler` left its dead scheduler for 10 minutes: scheduled jobs waited."""
    worker = subprocess.Popen([sys.executable, "-m", "hotline.processes.worker"], cwd=ROOT, text=True,
                              env=_env(tmp_path, own_redis), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    client = own_redis.client()
    try:
        assert _wait(lambda: client.exists("rq:scheduler-lock:hotline"), 60), "the worker's scheduler never started"
        own_redis.stop()
        time.sleep(5)  # the scheduler process dies at its first Redis call
        assert worker.poll() is None, "the worker exited during the outage"
        own_redis.start()
        queue = Queue("hotline", connection=own_redis.client())
        job = queue.enqueue_at(datetime.now(UTC) + timedelta(seconds=2), "os.getpid")
        assert _wait(lambda: Job.fetch(job.id, connection=own_redis.client()).get_status() == "finished", 60), \
            "a scheduled job did not run within a minute of Redis coming back"
        assert worker.poll() is None
    finally:
        output = _stop(worker)
    assert output.count("could not connect to Redis") <= 1, output


def test_worker__lowers_its_own_priority_below_the_web(tmp_path, own_redis):
    """At a peak on a machine shared with the web, people's requests come first; routing jobs catch up."""
    worker = subprocess.Popen([sys.executable, "-m", "hotline.processes.worker"], cwd=ROOT, text=True,
                              env={**_env(tmp_path, own_redis), "HOTLINE_WORKER_NICE": "7"},
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        client = own_redis.client()
        assert _wait(lambda: client.exists("rq:scheduler-lock:hotline"), 60), "the worker never started"
        niceness = int(Path(f"/proc/{worker.pid}/stat").read_text().rsplit(")", 1)[1].split()[16])
        assert niceness == os.getpriority(os.PRIO_PROCESS, 0) + 7
    finally:
        _stop(worker)


def test_worker__a_dead_scheduler_calls_for_maintenance_at_once():
    from hotline.processes.worker import HotlineWorker

    class Process:
        def __init__(self, alive):
            self.alive = alive

        def is_alive(self):
            return self.alive

    class Scheduler:
        _process = Process(alive=False)
        acquired_locks = {"hotline"}

    worker = HotlineWorker.__new__(HotlineWorker)
    worker.scheduler, worker.last_cleaned_at, worker.maintenance_interval = Scheduler(), datetime.now(UTC), 600
    assert worker.should_run_maintenance_tasks
    Scheduler._process = Process(alive=True)
    assert not worker.should_run_maintenance_tasks


# --- up's supervisor ------------------------------------------------------------------------------------

def test_supervisor__restarts_a_dead_child_with_backoff_and_leaves_the_others_alone():
    from hotline.processes.runner import Supervisor

    supervisor = Supervisor(env=dict(os.environ))
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    try:
        web = supervisor.spawn("web", sleeper)
        cron = supervisor.spawn("cron", [sys.executable, "-c", "raise SystemExit(1)"])
        cron.process.wait(10)
        supervisor.look_after(now=100.0)
        assert cron.restart_at == 101.0  # 1 s after the first death
        supervisor.look_after(now=101.0)
        assert cron.restarts == 1
        cron.process.wait(10)
        supervisor.look_after(now=102.0)
        assert cron.restart_at == 104.0  # 2 s after the second: backoff
        assert web.process.poll() is None and web.restarts == 0
    finally:
        supervisor.stop_all(timeout=5)


def test_up__an_external_redis_outage_stops_nothing(tmp_path, own_redis):
    """With HOTLINE_REDIS_URL=redis://… and Redis shut down, cron's next tick used to exit 1 and `up`
    stopped every service, the web too."""
    import json
    import urllib.request

    import psutil

    from tests.hotline.processes.test_up import flask, wait_for

    env = _env(tmp_path, own_redis, HOTLINE_SWEEP_INTERVAL_SECONDS="1")
    port = _free_port()
    up = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "up", "--port", str(port)], cwd=ROOT,
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", timeout=120)
        children = {child.pid for child in psutil.Process(up.pid).children()}
        own_redis.stop()
        time.sleep(6)  # cron ticks every second
        assert up.poll() is None, "up stopped during the Redis outage"
        assert {child.pid for child in psutil.Process(up.pid).children()} == children, "a child died"
        key = flask("apikey", "create", "--channel", "web", "--name", "outage", env=env).stdout.splitlines()[-1]
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/tickets", method="POST",
            data=json.dumps({"content": "Redis 停了也要受理：小区门口路灯不亮"}).encode(),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=20) as response:
            assert response.status == 201
        own_redis.start()
        assert _wait(lambda: _healthy(port), 30), "healthz did not come back to 200 with Redis"
    finally:
        output = _stop(up)
    assert up.returncode == 0, output
    assert "意外退出" not in output, output


def _healthy(port: int) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def test_backoff_and_outage_log():
    import logging

    backoff = Backoff(initial=1, maximum=4)
    assert [backoff.next() for _ in range(4)] == [1, 2, 4, 4]
    backoff.reset()
    assert backoff.next() == 1

    records: list[logging.LogRecord] = []
    log = logging.getLogger("test.outage")
    handler = logging.Handler()
    handler.emit = records.append
    log.addHandler(handler)
    outage = Outage("cron", log)
    for _ in range(5):
        outage.failed(redis_lib.ConnectionError("refused"))
    outage.recovered()
    outage.recovered()
    assert [r.levelname for r in records] == ["ERROR", "WARNING"]

    repeat = RepeatFilter(("could not connect",))
    made = [logging.LogRecord("rq.worker", logging.ERROR, "", 0, "could not connect %s", ("x",), None)
            for _ in range(3)]
    assert [repeat.filter(record) for record in made] == [True, False, False]
