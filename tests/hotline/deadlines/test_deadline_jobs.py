"""Deadline jobs on a real Redis with a real RQ worker (burst mode), on a clock the test moves.

RQ's own scheduler releases scheduled jobs by the wall clock; here `release_due` does the same by the
injected clock, then a burst worker runs what was released.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rq import Queue, SimpleWorker
from sqlalchemy import func, select

from hotline.jobs.sweep import sweep
from hotline.queue import runtime
from hotline.queue.clocked import release_due
from models import Notification, Ticket, TicketEvent, clock
from tests.hotline.journeys import act, cast, new_ticket, ok

# Wednesday 18 Nov 2026, 09:00 in Beijing: no holiday near.
START = datetime(2026, 11, 18, 1, 0, tzinfo=UTC)


@pytest.fixture
def frozen(clock_at):
    return clock_at(START)


@pytest.fixture
def world(app, client, actors, redis_client, frozen):
    runtime.use_app(app)
    yield app, client, cast(actors), Queue(app.config["QUEUE_DEFAULT"], connection=redis_client), frozen
    runtime.use_app(None)


def run_due(queue: Queue, now: datetime) -> list[str]:
    released = release_due(queue, now)
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    return released


def ticket_row(app, number: str) -> Ticket:
    from hotline.database import session_factory

    with session_factory(app)() as session:
        return session.scalar(select(Ticket).where(Ticket.ticket_no == number))


def count(app, model, *conditions) -> int:
    from hotline.database import session_factory

    with session_factory(app)() as session:
        return session.scalar(select(func.count()).select_from(model).where(*conditions))


def test_dispatch__schedules_deadline_jobs_with_domain_ids_and_times(world):
    app, client, people, queue, _ = world
    ticket = new_ticket(client, people)
    number = ticket["ticket_no"]
    registry = queue.scheduled_job_registry
    scheduled = {job_id: registry.get_scheduled_time(job_id) for job_id in registry.get_job_ids()}
    ids = {f"deadline-{number}-{stage}-{kind}" for stage in ("accept", "respond", "reply")
           for kind in ("warn", "due", "escalate")}
    assert ids <= set(scheduled)
    due = datetime.fromisoformat(ticket["deadlines"]["accept"])
    assert scheduled[f"deadline-{number}-accept-due"] == due.astimezone(UTC).replace(microsecond=0)
    assert ticket_row(app, number).jobs_owed is False


def test_warning__fires_at_80_percent_and_not_before(world):
    app, client, people, queue, moving = world
    number = new_ticket(client, people)["ticket_no"]
    row = ticket_row(app, number)
    warn_at = row.dispatched_at + (row.accept_due - row.dispatched_at) * 0.8
    moving.set(warn_at - timedelta(minutes=5))
    run_due(queue, clock.now())
    assert count(app, Notification, Notification.kind == "warning") == 0
    moving.set(warn_at + timedelta(seconds=1))
    assert f"deadline-{number}-accept-warn" in run_due(queue, clock.now())
    notice = count(app, Notification, Notification.kind == "warning", Notification.audience == "unit")
    assert notice == 1
    assert count(app, TicketEvent, TicketEvent.action == "deadline-warning") == 1
    assert ticket_row(app, number).warned_stages == ["accept"]


def test_breach__flags_overdue_and_supervises(world):
    app, client, people, queue, moving = world
    number = new_ticket(client, people)["ticket_no"]
    row = ticket_row(app, number)
    moving.set(row.accept_due + timedelta(seconds=1))
    run_due(queue, clock.now())
    row = ticket_row(app, number)
    assert row.overdue is True and "accept" in row.overdue_stages
    assert count(app, Notification, Notification.kind == "overdue", Notification.audience == "supervisor") == 1
    overdue = ok(client.get("/api/v1/tickets?overdue=true", headers=people.supervisor))
    assert [item["ticket_no"] for item in overdue["items"]] == [number]


def test_breach__job_run_twice_changes_nothing(world):
    app, client, people, queue, moving = world
    number = new_ticket(client, people)["ticket_no"]
    row = ticket_row(app, number)
    moving.set(row.accept_due + timedelta(minutes=1))
    from hotline.deadlines.jobs import check_deadline

    for _ in range(2):
        queue.enqueue(check_deadline, row.id, "accept", "due", job_id=f"deadline-{number}-accept-due")
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
    assert count(app, TicketEvent, TicketEvent.action == "overdue") == 1
    assert count(app, Notification, Notification.kind == "overdue") == 1


def test_breach__stage_done_in_time_does_nothing(world):
    app, client, people, queue, moving = world
    number = new_ticket(client, people)["ticket_no"]
    ok(act(client, people.lead_staff, number, "accept"))
    row = ticket_row(app, number)
    moving.set(row.accept_due + timedelta(minutes=1))
    run_due(queue, clock.now())
    row = ticket_row(app, number)
    assert "accept" not in row.overdue_stages
    assert count(app, Notification, Notification.kind == "overdue") == 0


def test_escalation__still_overdue_after_the_delay_goes_a_level_up(world):
    app, client, people, queue, moving = world
    number = new_ticket(client, people)["ticket_no"]
    row = ticket_row(app, number)
    moving.set(row.accept_due + timedelta(hours=1))
    run_due(queue, clock.now())
    assert ticket_row(app, number).escalation_level == 0
    moving.set(row.accept_due + timedelta(hours=24, minutes=1))
    run_due(queue, clock.now())
    assert ticket_row(app, number).escalation_level == 1
    # A street office's ticket goes up to its district government as well as to the supervisors.
    assert count(app, Notification, Notification.kind == "escalation", Notification.audience == "unit") == 1
    assert count(app, Notification, Notification.kind == "escalation", Notification.audience == "supervisor") == 1


def test_extension__moves_the_due_job(world):
    app, client, people, queue, _ = world
    number = new_ticket(client, people)["ticket_no"]
    ok(act(client, people.lead_staff, number, "accept"))
    ok(act(client, people.lead_staff, number, "request-extension", {"days": 2, "reason": "需协调"}))
    after = ok(act(client, people.supervisor, number, "decide-extension", {"approve": True}))
    new_due = datetime.fromisoformat(after["deadlines"]["reply"]).astimezone(UTC).replace(microsecond=0)
    assert queue.scheduled_job_registry.get_scheduled_time(f"deadline-{number}-reply-due") == new_due


def test_final_ticket__has_no_deadline_watch(world):
    app, client, people, queue, moving = world
    number = new_ticket(client, people)["ticket_no"]
    ok(act(client, people.supervisor, number, "exclude", {"reason": "不可抗力"}))
    row = ticket_row(app, number)
    assert row.next_check_at is None
    moving.set(row.reply_due + timedelta(days=2))
    run_due(queue, clock.now())
    assert count(app, Notification) == 0


# --- never lose one: Redis down, lost jobs, killed workers ------------------------------------------

def test_redis_down__intake_and_transitions_succeed_and_the_sweep_schedules_later(world, make_app, tmp_path, actors):
    app, _, _, queue, _ = world
    down = make_app(REDIS_URL=f"unix://{tmp_path / 'redis-is-down.sock'}")
    client = down.test_client()
    people = cast(actors)
    ticket = new_ticket(client, people)
    number = ticket["ticket_no"]
    assert ticket["status"] == "dispatched"
    ok(act(client, people.lead_staff, number, "accept"))
    row = ticket_row(app, number)
    assert row.jobs_owed is True and row.next_check_at is not None
    assert queue.scheduled_job_registry.get_job_ids() == []

    report = sweep(app)  # Redis is back
    assert report.owed_scheduled == 1
    assert ticket_row(app, number).jobs_owed is False
    ids = set(queue.scheduled_job_registry.get_job_ids())
    assert {f"deadline-{number}-respond-due", f"deadline-{number}-reply-due"} <= ids
    assert f"deadline-{number}-accept-due" not in ids  # accepted: nothing left to watch there


def test_sweep__handles_a_missed_breach_whose_job_redis_lost(world):
    app, client, people, queue, moving = world
    number = new_ticket(client, people)["ticket_no"]
    queue.connection.flushdb()  # Redis lost everything
    row = ticket_row(app, number)
    moving.set(row.accept_due + timedelta(minutes=10))
    report = sweep(app, clock.now())
    assert report.due_handled >= 2  # the warning and the breach
    row = ticket_row(app, number)
    assert "accept" in row.overdue_stages and row.next_check_at > clock.now()
    again = sweep(app, clock.now())
    assert again.due_handled == 0
    assert count(app, TicketEvent, TicketEvent.action == "overdue") == 1


def test_sweep__recreates_lost_jobs_coming_due(world):
    app, client, people, queue, moving = world
    number = new_ticket(client, people)["ticket_no"]
    queue.connection.flushdb()
    row = ticket_row(app, number)
    warn_at = row.dispatched_at + (row.accept_due - row.dispatched_at) * 0.8
    moving.set(warn_at - timedelta(minutes=10))
    report = sweep(app, clock.now())
    assert report.jobs_recreated >= 1
    assert f"deadline-{number}-accept-warn" in queue.scheduled_job_registry.get_job_ids()


def test_sweep__reads_only_tickets_with_work_due(world):
    app, client, people, queue, moving = world
    new_ticket(client, people)
    report = sweep(app, clock.now())  # nothing due yet, nothing owed, nothing lost
    assert (report.owed_scheduled, report.due_handled, report.jobs_recreated) == (0, 0, 0)


ROOT = Path(__file__).resolve().parents[3]


def test_worker_killed_mid_job__the_work_completes_once(world, redis_url, migrated_database, tmp_path):
    """A worker dies inside the deadline job's transaction: nothing half-done stays, and the sweep (or a
    retry) does the work exactly once."""
    app, client, people, queue, moving = world
    number = new_ticket(client, people)["ticket_no"]
    row = ticket_row(app, number)
    moving.set(row.accept_due + timedelta(minutes=1))
    queue.connection.flushdb()
    from hotline.database import session_factory
    from hotline.deadlines.jobs import check_deadline

    queue.enqueue(check_deadline, row.id, "accept", "due", job_id=f"deadline-{number}-accept-due")
    # Hold the ticket's row (PostgreSQL) or the write lock (SQLite) so the job blocks inside its transaction.
    blocker = session_factory(app)()
    blocker.begin()
    blocker.scalar(select(Ticket).where(Ticket.id == row.id).with_for_update())
    env = dict(os.environ, HOTLINE_DATABASE_URL=migrated_database, HOTLINE_REDIS_URL=redis_url,
               HOTLINE_INSTANCE_PATH=str(tmp_path / "worker"), HOTLINE_SECRET_KEY="test-secret")
    worker = subprocess.Popen([sys.executable, "-m", "hotline.processes.worker"], cwd=ROOT, env=env,
                              start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while f"deadline-{number}-accept-due" not in queue.started_job_registry.get_job_ids():
            assert time.monotonic() < deadline, "the worker never started the job"
            time.sleep(0.1)
        time.sleep(0.5)  # the job is now waiting for the row lock, inside its transaction
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
    finally:
        blocker.rollback()
        blocker.close()
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    assert count(app, TicketEvent, TicketEvent.action == "overdue") == 0  # nothing half-written
    sweep(app, clock.now())
    sweep(app, clock.now())
    assert count(app, TicketEvent, TicketEvent.action == "overdue") == 1
    assert count(app, Notification, Notification.kind == "overdue") == 1


def test_redis_stopped_during_intake__restart_and_sweep_leave_every_ticket_with_its_jobs(make_app, tmp_path, actors):
    """The must-show: a real Redis server is stopped, complaints keep coming, Redis comes back, the sweep
    runs, and every ticket has its jobs."""
    from hotline.redis_conn import EmbeddedRedis

    server = EmbeddedRedis(tmp_path / "redis")
    (tmp_path / "redis").mkdir()
    server.start()
    app = make_app(REDIS_URL=server.url)
    runtime.use_app(app)
    try:
        client, people = app.test_client(), cast(actors)
        before = new_ticket(client, people)["ticket_no"]
        server.stop()
        during = [new_ticket(client, people, content=text, address=address)["ticket_no"] for text, address in (
            ("中关村大街上有人占道摆摊卖水果", "海淀区中关村街道"),
            ("天坛东门附近小贩占道经营，行人没法走", "东城区天坛街道"),
        )]
        assert all(ticket_row(app, number).jobs_owed for number in during)
        server.start()
        report = sweep(app)
        assert report.owed_scheduled == 2 and not report.redis_down
        queue = Queue(app.config["QUEUE_DEFAULT"], connection=server_connection(server))
        scheduled = set(queue.scheduled_job_registry.get_job_ids())
        for number in [before, *during]:
            assert ticket_row(app, number).jobs_owed is False
            assert {f"deadline-{number}-{stage}-due" for stage in ("accept", "respond", "reply")} <= scheduled
    finally:
        runtime.use_app(None)
        server.stop()


def server_connection(server):
    import redis

    return redis.Redis.from_url(server.url)


def test_redis_outage__is_logged_once_not_once_per_ticket(caplog):
    """At a city's intake rate a per-ticket warning would flood the log during an outage."""
    import logging

    from hotline.queue.toolkit import OutageLog

    outage = OutageLog(logging.getLogger("test.outage"))
    with caplog.at_level(logging.WARNING, logger="test.outage"):
        for number in range(50):
            outage.failed(f"the jobs of {number}", ConnectionError("refused"))
        outage.worked()
        outage.worked()
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        "Redis unavailable (refused)", "Redis reachable again"]
