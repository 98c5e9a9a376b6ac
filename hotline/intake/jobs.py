"""Routing by job: the tickets of channels routed after their commit (ROUTE_BY_JOB_CHANNELS).

A web form, an app, WeChat or Open311 gets its ticket number as soon as the ticket is stored; its commit
hands the ticket to `queue_routing` (hotline.workflow.effects), and a routing job analyses and routes it
exactly as intake would have inside the request (`route_new_ticket`, the sweep's path: the row locked, a
ticket no longer `received` left alone).

One RQ job per ticket would cost each ticket a job's bookkeeping (≈ 3 ms of CPU in the worker and Redis,
a fifth of the routing itself), so tickets are coalesced: the commit adds the ticket's id to a pending set
in Redis (one of SHARDS, by id) and queues a job for that set only when none is waiting already (a flag set
with NX). The job clears the flag *before* it takes ids, so an id added after its last look always finds
the flag clear and queues the next job: none is stranded. At a steady trickle that is one job per ticket,
as before; at a peak one job routes a whole batch. SHARDS jobs can route side by side (one per worker).

Redis holds only the work: a set lost with Redis, or ids taken by a job that died, leave their tickets
`received` in the database, and the periodic sweep routes those after a few minutes.
"""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy.orm import Session

from hotline.intake.service import route_safely
from hotline.queue.runtime import routing_queue
from hotline.queue.toolkit import PlannedJob, enqueue, job
from hotline.redis_conn import get_redis
from models import Ticket, clock
from models.enums import TicketStatus

log = logging.getLogger(__name__)

SHARDS = 2  # routing jobs that may run at once (one per worker of a small machine)
TAKE = 20  # ids taken from the set at a time
MOST_PER_JOB = 500  # then the job hands over to a new one (a job's timeout must never cut a batch short)
FLAG_SECONDS = 120  # a flag outlives a queued job that never runs (a lost queue) by this much at most


def pending_key(shard: int) -> str:
    return f"hotline:route:pending:{shard}"


def queued_key(shard: int) -> str:
    return f"hotline:route:queued:{shard}"


def queue_routing(app: Flask, ticket_ids: set[int]) -> None:
    """After the commit that stored the tickets: mark them pending and queue the jobs that are not
    waiting already. Raises on a Redis failure (the caller leaves the tickets to the sweep)."""
    shards: dict[int, int] = {}
    with get_redis(app).pipeline(transaction=False) as pipe:
        for ticket_id in sorted(ticket_ids):
            shard = ticket_id % SHARDS
            pipe.sadd(pending_key(shard), ticket_id)
            shards.setdefault(shard, ticket_id)
        for shard in shards:  # after the ids: a job that clears the flag next sees them
            pipe.set(queued_key(shard), 1, nx=True, ex=FLAG_SECONDS)
        flags = pipe.execute()[len(ticket_ids):]
    jobs = [_routing_job(shard, first) for (shard, first), armed in zip(shards.items(), flags, strict=True) if armed]
    enqueue(routing_queue(app), jobs, replace=True, now=clock.now())


def _routing_job(shard: int, ticket_id: int, reason: str = "for") -> PlannedJob:
    return PlannedJob(f"route-{shard}-{reason}-{ticket_id}", clock.now(), route_pending, (shard,))


@job
def route_pending(app: Flask, session: Session, shard: int) -> str:
    """RQ job `route-<shard>-for-<ticket id>` (the ticket whose commit queued it): route the tickets pending
    in the shard."""
    redis = get_redis(app)
    redis.delete(queued_key(shard))  # first: an id added from now on queues a job of its own
    taken_count = routed = last = 0
    while taken_count < MOST_PER_JOB and (taken := redis.spop(pending_key(shard), TAKE)):
        taken_count += len(taken)
        for ticket_id in sorted(int(i) for i in taken):
            routed += route_one(app, session, ticket_id)
            last = ticket_id
    if taken_count >= MOST_PER_JOB and redis.set(queued_key(shard), 1, nx=True, ex=FLAG_SECONDS):
        enqueue(routing_queue(app), [_routing_job(shard, last, "after")], replace=True, now=clock.now())
    return f"routed {routed} of {taken_count}"


def route_one(app: Flask, session: Session, ticket_id: int) -> bool:
    """Route one pending ticket as the sweep does (`route_safely`); False when it is gone, routed
    already, or failed (then logged: it stays `received` and the sweep routes it)."""
    try:
        ticket = session.get(Ticket, ticket_id)
        return ticket is not None and ticket.status == TicketStatus.RECEIVED and route_safely(app, session, ticket)
    except Exception:  # the ticket could not even be read (the database away)
        log.exception("routing job: ticket %s could not be read; the sweep will route it", ticket_id)
        session.rollback()
        return False
    finally:
        session.expunge_all()  # a batch must not keep every routed ticket in memory
