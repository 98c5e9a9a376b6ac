"""Releasing scheduled jobs by Hotline's clock instead of the wall clock (tests and simulations).

RQ's scheduler moves a job from the queue's ScheduledJobRegistry to the queue when the *real* time
reaches its score. Tests and the simulator move `models.clock` instead; `release_due` does the
scheduler's work for that clock: every scheduled job whose time has come by `now` goes on its queue.
"""

from __future__ import annotations

from datetime import datetime

from rq import Queue, SimpleWorker
from rq.job import Job


def release_due(queue: Queue, now: datetime) -> list[str]:
    """Move the queue's scheduled jobs due at `now` (score ≤ now) onto the queue; returns their ids."""
    registry = queue.scheduled_job_registry
    job_ids = registry.get_jobs_to_schedule(int(now.timestamp()))
    if not job_ids:
        return []
    released = []
    with queue.connection.pipeline() as pipe:
        for job in Job.fetch_many(job_ids, connection=queue.connection, serializer=queue.serializer):
            if job is not None:
                queue._enqueue_job(job, pipeline=pipe)  # what RQ's own scheduler calls
                released.append(job.id)
        for job_id in job_ids:
            registry.remove(job_id, pipeline=pipe)
        pipe.execute()
    return released


class BurstWorker(SimpleWorker):
    """An in-process RQ worker for clock-driven runs: it runs the real jobs, without the pub/sub channel
    (used only for remote stop commands) whose shutdown costs about a second per burst."""

    def subscribe(self) -> None:
        pass

    def unsubscribe(self) -> None:
        pass


def run_due(queue: Queue, now: datetime, worker: SimpleWorker | None = None) -> list[str]:
    """Release what is due by `now` and run everything queued, as a worker with its scheduler would."""
    released = release_due(queue, now)
    (worker or BurstWorker([queue], connection=queue.connection)).work(burst=True, logging_level="WARNING")
    return released
