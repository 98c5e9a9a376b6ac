"""An RQ worker for Hotline's queue, with its scheduler (for jobs enqueued at a time), that rides out
Redis outages: `python -m hotline.processes.worker` (what `flask up` starts; in production a systemd
unit, see deploy/systemd/).

Plain `rq worker --with-scheduler` survives an outage in its main loop, but its scheduler (a child
process that moves scheduled jobs to the queue when due) dies at the first Redis error and is restarted
only at the worker's maintenance, every 10 minutes: deadline jobs sat unrun that long after Redis came
back. Here the worker restarts a dead scheduler at the first pass after Redis is back, caps its
reconnection backoff at 10 s, logs an outage once, and a Redis error that escapes RQ's loop starts a new
worker after a backoff instead of ending the process.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time

from flask import Flask
from rq import Queue, Worker
from rq.utils import now
from rq.worker import WorkerStatus

from hotline import create_app
from hotline.database import engine
from hotline.processes.preload import warm
from hotline.processes.resilience import OUTAGE_ERRORS, Backoff, Outage, RepeatFilter
from hotline.queue.runtime import job_app, use_app
from hotline.redis_conn import get_redis

log = logging.getLogger("hotline.worker")
# The worker's idle loop comes round every WORKER_TTL - 15 s: the latest a dead scheduler waits to be seen.
WORKER_TTL = 60
MAINTENANCE_SECONDS = 120
LOCK_RETRY_SECONDS = 30


class HotlineWorker(Worker):
    """Forks a work-horse for each job of the default queue, as RQ does, and runs the jobs of the routing
    queue in its own process: a routing job needs the models, jieba's dictionary and the city index, which
    this process loaded once (`warm`), and takes ≈ 15 ms, less than forking a work-horse of ≈ 230 MB and
    opening its database connection. Its sessions use this process's connection pool, which a forked
    work-horse therefore drops (without closing the parent's connections) before its job."""

    max_connection_wait_time = 10.0
    inline_queue: str = ""

    def execute_job(self, job, queue) -> None:
        if queue.name != self.inline_queue:
            super().execute_job(job, queue)
            return
        self.prepare_execution(job)
        self.perform_job(job, queue)
        self.set_state(WorkerStatus.IDLE)

    def main_work_horse(self, job, queue) -> None:
        engine(job_app()).dispose(close=False)  # the parent's pooled connections are not the horse's
        super().main_work_horse(job, queue)

    @property
    def should_run_maintenance_tasks(self) -> bool:
        # Maintenance is where RQ (re)starts the scheduler: run it as soon as ours has died, and every
        # LOCK_RETRY_SECONDS while no worker's scheduler could take the lock (after an outage the lock of
        # a scheduler that died with it stays until its TTL ends).
        if self.last_cleaned_at is not None and self.scheduler is not None:
            process = getattr(self.scheduler, "_process", None)
            if process is not None and not process.is_alive():
                return True
            if not self.scheduler.acquired_locks and process is None \
                    and (now() - self.last_cleaned_at).total_seconds() > LOCK_RETRY_SECONDS:
                return True
        return super().should_run_maintenance_tasks


def make_worker(app, connection) -> HotlineWorker:
    routing = Queue(app.config["QUEUE_ROUTING"], connection=connection)  # served first: a submitter waits
    queue = Queue(app.config["QUEUE_DEFAULT"], connection=connection)
    worker = HotlineWorker([routing, queue], connection=connection, worker_ttl=WORKER_TTL,
                           maintenance_interval=MAINTENANCE_SECONDS)
    worker.inline_queue = routing.name
    return worker


def run(app: Flask, burst: bool = False) -> int:
    """Work the app's queue (with the scheduler) until stopped, or until it is empty when `burst`.

    Outside burst mode a Redis outage never ends it: RQ's loop waits it out, and an error that escapes
    RQ (the constructor, registration) starts a new worker after a backoff.
    """
    use_app(app)  # built once here: each job's forked work-horse inherits it instead of building its own
    # So do the models, jieba's dictionary and the city index: loaded here once, not by every work-horse
    # (a routing job would otherwise load them all, ≈ 1 s, for each ticket of a web channel).
    warm(app)
    if not burst:  # a burst runs inside another program (tests, the CLI): its priority is not ours to change
        os.nice(max(0, min(19, app.config["WORKER_NICE"])))
    level = app.config["LOG_LEVEL"].upper()
    logging.getLogger("rq.worker").addFilter(RepeatFilter(("Worker %s: could not connect to Redis",)))
    connection = get_redis(app)
    if burst:
        connection.ping()  # an unreachable Redis fails here, in one line, not deep inside the worker
    backoff, outage = Backoff(), Outage("worker", log)
    while True:
        worker = None
        try:
            worker = make_worker(app, connection)  # the constructor talks to Redis already
            worker.work(with_scheduler=True, burst=burst, logging_level=level)
            return 0  # a burst finished, or a SIGTERM/SIGINT asked for a warm shutdown
        except OUTAGE_ERRORS as error:
            if burst:
                raise
            outage.failed(error)
        if worker is not None and worker._stop_requested:
            return 0
        for signum in (signal.SIGTERM, signal.SIGINT):  # nothing runs while waiting: stop at once
            signal.signal(signum, signal.SIG_DFL)
        time.sleep(backoff.next())


def main(argv: list[str] | None = None) -> int:
    return run(create_app(), burst="--burst" in (argv if argv is not None else sys.argv[1:]))


if __name__ == "__main__":
    raise SystemExit(main())
