"""Which deadline jobs a ticket needs, and putting them on the RQ schedule.

The jobs a ticket needs are a pure function of its row (status, due times, flags): so they can always be
rebuilt from the database. Job ids come from the domain — `deadline-<ticket_no>-<stage>-<kind>` — so
scheduling again replaces a job instead of adding a second one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import redis
from rq import Queue
from sqlalchemy import update
from sqlalchemy.orm import Session

from hotline.deadlines.sla import Sla
from models import Ticket
from models.enums import FINAL_STATUSES

log = logging.getLogger(__name__)

KINDS = ("warn", "due", "escalate")


@dataclass(frozen=True)
class DeadlineJob:
    job_id: str
    run_at: datetime
    ticket_id: int
    stage: str
    kind: str


def open_stages(ticket: Ticket) -> list[tuple[str, datetime, datetime]]:
    """(stage, clock start, due) for every stage still running; none while a return awaits a decision."""
    if ticket.status in FINAL_STATUSES or ticket.excluded or ticket.status == "returned":
        return []
    stages = []
    started = ticket.dispatched_at
    if started is not None and ticket.status in ("dispatched", "accepted", "responded"):
        if ticket.accepted_at is None and ticket.accept_due is not None:
            stages.append(("accept", started, ticket.accept_due))
        if ticket.responded_at is None and ticket.respond_due is not None:
            stages.append(("respond", started, ticket.respond_due))
        if ticket.replied_at is None and ticket.reply_due is not None:
            stages.append(("reply", started, ticket.reply_due))
    if ticket.status == "replied" and ticket.followup_due is not None and ticket.replied_at is not None:
        stages.append(("followup", ticket.replied_at, ticket.followup_due))
    return stages


def deadline_jobs(ticket: Ticket, sla: Sla, escalation_delay: timedelta) -> list[DeadlineJob]:
    """Every job the ticket's open stages still need (done work needs none: a warning given, a flag set,
    an escalation made drop out, so `next_check_at` always points at work not yet done)."""
    jobs = []
    for stage, start, due in open_stages(ticket):
        moments = []
        # The follow-up stage is the centre's own work: it is flagged when late, not warned or escalated.
        if stage != "followup" and stage not in (ticket.warned_stages or []) and stage not in (ticket.overdue_stages or []):
            moments.append(("warn", sla.warning_at(start, due)))
        if stage not in (ticket.overdue_stages or []):
            moments.append(("due", due))
        if stage != "followup" and ticket.escalation_level < 1:
            moments.append(("escalate", due + escalation_delay))
        for kind, run_at in moments:
            jobs.append(DeadlineJob(f"deadline-{ticket.ticket_no}-{stage}-{kind}", run_at, ticket.id, stage, kind))
    return jobs


def next_check(jobs: list[DeadlineJob]) -> datetime | None:
    return min((job.run_at for job in jobs), default=None)


ACTIVE = ("queued", "scheduled", "started", "deferred")


def active_job_ids(queue: Queue, job_ids: list[str]) -> set[str]:
    """The ids among job_ids that are on the schedule, queued or running: one pipelined round trip
    reading each job's status, instead of reading a whole registry."""
    from rq.job import Job

    with queue.connection.pipeline() as pipe:
        for job_id in job_ids:
            pipe.hget(Job.key_for(job_id), "status")
        statuses = pipe.execute()
    return {job_id for job_id, status in zip(job_ids, statuses, strict=True)
            if status is not None and status.decode() in ACTIVE}


def enqueue(queue: Queue, jobs: list[DeadlineJob]) -> None:
    """Put each job on the schedule under its domain id (re-enqueueing replaces it)."""
    from hotline.deadlines.jobs import check_deadline

    for job in jobs:
        queue.enqueue_at(job.run_at, check_deadline, job.ticket_id, job.stage, job.kind,
                         job_id=job.job_id, result_ttl=3600, failure_ttl=7 * 24 * 3600)


def plan(ticket: Ticket, sla: Sla, escalation_delay: timedelta) -> list[DeadlineJob]:
    """Record in the row when the next deadline work is due (what the sweep looks at) and return the jobs."""
    jobs = deadline_jobs(ticket, sla, escalation_delay)
    ticket.next_check_at = next_check(jobs)
    return jobs


def schedule_ticket(session: Session, queue: Queue, ticket: Ticket, sla: Sla, escalation_delay: timedelta) -> bool:
    """Schedule a ticket's jobs and clear its debt; on a Redis failure keep the debt for the sweep."""
    jobs = plan(ticket, sla, escalation_delay)
    try:
        enqueue(queue, jobs)
    except (redis.RedisError, OSError) as error:
        log.warning("could not schedule jobs of %s (%s); the sweep will", ticket.ticket_no, error)
        session.execute(update(Ticket).where(Ticket.id == ticket.id).values(next_check_at=ticket.next_check_at))
        return False
    session.execute(update(Ticket).where(Ticket.id == ticket.id)
                    .values(jobs_owed=False, next_check_at=ticket.next_check_at))
    ticket.jobs_owed = False
    return True


def schedule_after_commit(session: Session, ticket: Ticket) -> None:
    """Called after every committed transition (API, routing, simulator): puts the ticket's deadline jobs
    and its follow-up jobs on the schedule. Failures never fail the caller: the sweep catches up."""
    from hotline.followup import schedule_followup_after_commit
    from hotline.jobs.runtime import escalation_delay, queue, sla

    if ticket.jobs_owed:
        with session.begin():
            schedule_ticket(session, queue(), ticket, sla(), escalation_delay())
    schedule_followup_after_commit(session, ticket)
