"""Periodic jobs (sweep, nightly scores, retraining, purges): `python -m hotline.processes.cron`.

One such process per installation (`flask up` starts it; in production a systemd unit, see
deploy/systemd/). It survives Redis outages by itself (see `run`); `rq cron hotline.processes.cron` reads
the same schedule but exits on the first Redis error, so it is not what to run. Two cron processes would
only do the work twice: the jobs are idempotent.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from contextlib import suppress

from rq import cron

from hotline.jobs.housekeeping import purge_idempotency_job
from hotline.jobs.sweep import sweep_job
from hotline.learning.jobs import retrain_job
from hotline.processes.resilience import OUTAGE_ERRORS, Backoff, Outage
from hotline.scoring.jobs import JOB_TIMEOUT, NIGHTLY_CRON, nightly_scores

log = logging.getLogger("hotline.cron")
QUEUE = os.environ.get("HOTLINE_QUEUE_DEFAULT", "hotline")
SWEEP_SECONDS = int(os.environ.get("HOTLINE_SWEEP_INTERVAL_SECONDS", "120"))

cron.register(sweep_job, QUEUE, interval=SWEEP_SECONDS, name="sweep", job_timeout=600)
cron.register(nightly_scores, QUEUE, cron=NIGHTLY_CRON, name="nightly-scores", job_timeout=JOB_TIMEOUT)
cron.register(retrain_job, QUEUE, interval=3600, name="retraining", job_timeout=3600)
cron.register(purge_idempotency_job, QUEUE, interval=3600, name="purge-idempotency-keys", job_timeout=600)


def main() -> int:
    from hotline import create_app
    from hotline.redis_conn import get_redis

    app = create_app()
    scheduler = cron.create_cron(get_redis(app))
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return run(scheduler, stop)


def run(scheduler: cron.CronScheduler, stop: threading.Event, backoff: Backoff | None = None) -> int:
    """rq's CronScheduler.start(), made to ride out Redis outages.

    rq's own loop exits on the first Redis error (and `rq cron` with it). Here an outage is logged once,
    retried with backoff, and the schedule carries on when Redis is back: a job that could not be
    enqueued keeps its old time, so it is enqueued at once on recovery (a missed sweep runs late, not
    never). SIGTERM/SIGINT stop the loop between two passes.
    """
    backoff = backoff or Backoff()
    outage = Outage("cron", log)
    registered = False
    while not stop.is_set():
        try:
            if not registered:
                scheduler.register_birth()
                registered = True
            if scheduler.enqueue_jobs():
                scheduler.save()
            scheduler.heartbeat()
            outage.recovered()
            backoff.reset()
            wait = scheduler.calculate_sleep_interval()
        except OUTAGE_ERRORS as error:
            outage.failed(error)
            registered = False
            wait = backoff.next()
        stop.wait(wait)
    with suppress(*OUTAGE_ERRORS):
        scheduler.register_death()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
