"""One way to write a job and one way to put jobs on the queue.

`@job` turns `body(app, session, *args)` into an RQ entry point `entry(*args)`: the app (the worker's, or
one built from the HOTLINE_* environment), an app context and a fresh session closed afterwards. The
body stays callable in-process as `entry.run(app, session, *args)` (the sweep and the simulator use it).

`enqueue(queue, jobs, replace=…)` puts planned jobs on the queue in one Redis round trip, under ids
derived from the domain (`deadline-<ticket>-<stage>-<kind>`): with `replace` a job of the same id is
overwritten (a deadline moved), without it a job already scheduled, queued or running is kept (an
attempt that must not run twice). Due jobs go straight to the queue, later ones on the schedule.
"""

from __future__ import annotations

import calendar
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rq import Queue, Retry
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry

from hotline.database import session_factory
from hotline.queue.runtime import app_context

ACTIVE = ("queued", "scheduled", "started", "deferred")
RESULT_TTL = 3600
FAILURE_TTL = 7 * 24 * 3600


def job(body: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(body)
    def entry(*args: Any, **kwargs: Any) -> Any:
        with app_context() as app, session_factory(app)() as session:
            return body(app, session, *args, **kwargs)

    entry.run = body  # type: ignore[attr-defined]
    return entry


@dataclass(frozen=True)
class PlannedJob:
    job_id: str
    run_at: datetime
    func: Callable[..., Any]
    args: tuple = ()
    retry: tuple[int, ...] = ()  # seconds between retries of a failed run (none by default)
    meta: dict = field(default_factory=dict, compare=False)


def _schedule(queue: Queue, pipe, run_at: datetime, func: Callable[..., Any], args: tuple,
              options: dict[str, Any]) -> Job:
    """`queue.enqueue_at` with every write in `pipe`: rq 2.12's ScheduledJobRegistry.schedule ignores the
    pipeline it is given and adds each job to the schedule in a round trip of its own."""
    options = {key: value for key, value in options.items() if key != "pipeline"}
    scheduled = queue.create_job(func, args=args, status=JobStatus.SCHEDULED, **options)
    pipe.sadd(queue.redis_queues_keys, queue.key)
    scheduled.set_status(JobStatus.SCHEDULED, pipeline=pipe)
    scheduled.save(pipeline=pipe)
    scheduled.cleanup(ttl=scheduled.ttl, pipeline=pipe)
    pipe.zadd(ScheduledJobRegistry(queue=queue).key, {scheduled.id: calendar.timegm(run_at.utctimetuple())})
    return scheduled


def active_job_ids(queue: Queue, job_ids: list[str]) -> set[str]:
    """The ids among job_ids that are on the schedule, queued or running: one pipelined round trip
    reading each job's status, instead of reading a whole registry."""
    with queue.connection.pipeline() as pipe:
        for job_id in job_ids:
            pipe.hget(Job.key_for(job_id), "status")
        statuses = pipe.execute()
    return {job_id for job_id, status in zip(job_ids, statuses, strict=True)
            if status is not None and status.decode() in ACTIVE}


def enqueue(queue: Queue, jobs: list[PlannedJob], *, replace: bool, now: datetime) -> list[str]:
    """Put `jobs` on the queue in one pipeline; returns the ids enqueued (see the module's docstring)."""
    if not jobs:
        return []
    present = set() if replace else active_job_ids(queue, [j.job_id for j in jobs])
    todo = [j for j in jobs if j.job_id not in present]
    with queue.connection.pipeline() as pipe:
        for planned in todo:
            options: dict[str, Any] = dict(job_id=planned.job_id, result_ttl=RESULT_TTL, failure_ttl=FAILURE_TTL,
                                           pipeline=pipe)
            if planned.retry:
                options["retry"] = Retry(max=len(planned.retry), interval=list(planned.retry))
            if planned.run_at <= now:
                queue.enqueue(planned.func, *planned.args, **options)
            else:
                _schedule(queue, pipe, planned.run_at, planned.func, planned.args, options)
        pipe.execute()
    return [j.job_id for j in todo]


class OutageLog:
    """Logs a Redis outage once when scheduling first fails and once when it works again — not once per
    ticket (at a city's intake rate that would be thousands of lines a minute). Per process."""

    def __init__(self, log: logging.Logger):
        self.log, self.down = log, False

    def failed(self, what: str, error: Exception) -> None:
        if not self.down:
            self.down = True
            self.log.warning("Redis unavailable (%s): %s and what follows are left for the sweep; "
                             "logging again when scheduling works", error, what)

    def worked(self) -> None:
        if self.down:
            self.down = False
            self.log.warning("Redis reachable again: scheduling after commit works")


outage = OutageLog(logging.getLogger("hotline.queue"))
