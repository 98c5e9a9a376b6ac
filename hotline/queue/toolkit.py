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
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rq import Queue, Retry
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry
from rq.utils import get_call_string, utcformat
from rq.utils import now as rq_now

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


def _options(planned: PlannedJob) -> dict[str, Any]:
    options: dict[str, Any] = dict(result_ttl=RESULT_TTL, failure_ttl=FAILURE_TTL)
    if planned.retry:
        options["retry"] = Retry(max=len(planned.retry), interval=list(planned.retry))
    return options


def _schedule(queue: Queue, pipe, jobs: list[PlannedJob]) -> None:
    """`queue.enqueue_at` for each of `jobs`, every write in `pipe`, in four commands and not four per job.

    rq 2.12's ScheduledJobRegistry.schedule ignores the pipeline it is given (a round trip per job), and
    building a Job, then `set_status` + `save` + `cleanup` + `zadd` + `sadd` for each, cost ≈ 0.1 ms of CPU
    per job: a dispatched ticket owes nine. Here rq builds one job per kind (function and retry) as the
    template of its hash; each job's hash is that template with what rq derives from the id and the
    arguments — `created_at`, `data`, `description` — computed as rq does (tests compare the hashes
    with rq's own, and run the jobs with rq workers). A `save` writes `status` in the hash already."""
    templates: dict[tuple, tuple[str, dict[str, Any]]] = {}
    for planned in jobs:
        kind = (planned.func, planned.retry)
        if kind not in templates:
            made = queue.create_job(planned.func, args=(), status=JobStatus.SCHEDULED, **_options(planned))
            templates[kind] = made.func_name, made.to_dict()
        func_name, template = templates[kind]
        pipe.hset(Job.key_for(planned.job_id), mapping={
            **template,
            "created_at": utcformat(rq_now()),
            "data": zlib.compress(queue.serializer.dumps((func_name, None, planned.args, {}))),
            "description": get_call_string(func_name, planned.args, {}, max_length=75),
        })
    pipe.sadd(queue.redis_queues_keys, queue.key)
    pipe.zadd(ScheduledJobRegistry(queue=queue).key,
              {planned.job_id: calendar.timegm(planned.run_at.utctimetuple()) for planned in jobs})


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
            if planned.run_at <= now:
                queue.enqueue(planned.func, *planned.args, job_id=planned.job_id, pipeline=pipe, **_options(planned))
        if later := [planned for planned in todo if planned.run_at > now]:
            _schedule(queue, pipe, later)
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
