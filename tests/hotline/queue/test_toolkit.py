"""`enqueue` writes scheduled jobs' hashes itself (hotline.queue.toolkit._schedule): they must be the
hashes rq writes, and rq's own scheduler and worker must run them."""

from __future__ import annotations

import operator
from datetime import UTC, datetime, timedelta

from rq import Queue, Retry, SimpleWorker
from rq.job import Job, JobStatus

from hotline.deadlines.jobs import check_deadline
from hotline.queue.toolkit import FAILURE_TTL, RESULT_TTL, PlannedJob, enqueue


def _as_stored(queue: Queue, mapping: dict) -> dict[bytes, bytes]:
    encode = queue.connection.connection_pool.get_encoder().encode  # as HSET sends them
    return {key.encode(): encode(value) for key, value in mapping.items()}


def _rqs_hash(queue: Queue, planned: PlannedJob) -> dict[bytes, bytes]:
    """What rq's own `create_job` + `save` would store for the job (what enqueue_at stores)."""
    retry = Retry(max=len(planned.retry), interval=list(planned.retry)) if planned.retry else None
    made = queue.create_job(planned.func, args=planned.args, job_id=planned.job_id, status=JobStatus.SCHEDULED,
                            result_ttl=RESULT_TTL, failure_ttl=FAILURE_TTL, retry=retry)
    return _as_stored(queue, made.to_dict())


def test_enqueue__scheduled_jobs_hashes_are_those_rq_writes(redis_client):
    queue = Queue("default", connection=redis_client)
    now = datetime(2026, 11, 18, 1, 0, tzinfo=UTC)
    jobs = [PlannedJob("deadline-T1-accept-warn", now + timedelta(hours=1), check_deadline, (7, "accept", "warn")),
            PlannedJob("deadline-T1-reply-due", now + timedelta(days=3), check_deadline, (7, "reply", "due")),
            PlannedJob("retried-1", now + timedelta(minutes=5), operator.add, (1, 2), retry=(60, 300))]

    enqueue(queue, jobs, replace=True, now=now)

    for planned in jobs:
        stored = redis_client.hgetall(Job.key_for(planned.job_id))
        expected = _rqs_hash(queue, planned)
        assert stored.pop(b"created_at") and expected.pop(b"created_at")
        assert stored == expected
        assert queue.scheduled_job_registry.get_scheduled_time(planned.job_id) == planned.run_at
    assert redis_client.sismember("rq:queues", queue.key)


def test_enqueue__replacing_a_run_job_clears_what_its_run_left(redis_client):
    queue = Queue("default", connection=redis_client)
    now = datetime.now(UTC)
    planned = PlannedJob("sum-1", now - timedelta(seconds=5), operator.add, (1, 2))
    enqueue(queue, [planned], replace=True, now=now)
    SimpleWorker([queue], connection=redis_client).work(burst=True)

    enqueue(queue, [planned], replace=True, now=now - timedelta(seconds=10))  # scheduled again

    stored = redis_client.hgetall(Job.key_for("sum-1"))
    assert stored[b"status"] == b"scheduled"
    assert stored[b"started_at"] == stored[b"ended_at"] == stored[b"worker_name"] == b""


def test_enqueue__scheduled_jobs_are_run_by_rqs_scheduler_and_worker(redis_client):
    queue = Queue("default", connection=redis_client)
    now = datetime.now(UTC)
    # Scheduled (run_at after the `now` given) but already due by the wall clock rq's scheduler reads.
    jobs = [PlannedJob("sum-1", now - timedelta(seconds=5), operator.add, (1, 2)),
            PlannedJob("sum-2", now - timedelta(seconds=4), operator.add, (3, 4), retry=(1,))]

    enqueue(queue, jobs, replace=True, now=now - timedelta(seconds=10))
    assert queue.scheduled_job_registry.get_job_ids() == ["sum-1", "sum-2"]
    SimpleWorker([queue], connection=redis_client).work(burst=True, with_scheduler=True)

    done = [Job.fetch(job_id, connection=redis_client) for job_id in ("sum-1", "sum-2")]
    assert [job.get_status() for job in done] == [JobStatus.FINISHED, JobStatus.FINISHED]
    assert [job.return_value() for job in done] == [3, 7]
    assert done[1].retries_left == 1 and done[1].retry_intervals == [1]
