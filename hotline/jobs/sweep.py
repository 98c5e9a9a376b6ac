"""The periodic sweep: what Redis lost or never got, the database puts back.

Run by the cron process (one; see hotline/processes/cron.py) every few minutes. Indexed reads, so its cost
grows with the tickets that have deadline work due, not with the size of the table:

0. tickets left `received` for more than a few minutes (routing failed after intake): route them;
1. tickets marked `jobs_owed` (a transition committed while Redis was down): schedule their jobs;
2. tickets whose `next_check_at` has passed: run the deadline work that is due right here (a stage past
   due without its flag gets it now) and schedule the rest;
3. tickets whose `next_check_at` falls within the horizon: make sure their jobs are on the schedule
   (re-create the ones Redis lost).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import redis
from flask import Flask
from sqlalchemy import select

from hotline.database import session_factory
from hotline.deadlines.jobs import check_deadline, deadline_job, schedule_ticket
from hotline.deadlines.schedule import deadline_jobs, plan
from hotline.followup import sweep as followup_sweep
from hotline.intake.duplicates import duplicate_index
from hotline.intake.routing import DUPLICATE_WINDOW
from hotline.intake.service import route_safely
from hotline.queue.runtime import escalation_delay, queue, sla
from hotline.queue.toolkit import active_job_ids, enqueue, job
from models import Ticket, clock
from models.enums import TicketStatus

log = logging.getLogger(__name__)

RECEIVED_GRACE = timedelta(minutes=5)  # intake routes at once; older than this, routing failed
HORIZON = timedelta(minutes=30)  # longer than the sweep interval, so a lost job is back before it is due
BATCH = 500


@dataclass
class SweepReport:
    routed: int = 0
    owed_scheduled: int = 0
    due_handled: int = 0
    jobs_recreated: int = 0
    followups_rescheduled: int = 0
    duplicates_indexed: int | None = None  # tickets filed when the duplicate index had to be rebuilt
    redis_down: bool = False

    def __str__(self) -> str:
        state = "Redis 不可用" if self.redis_down else "正常"
        return (f"补分拨 {self.routed} 件，补排任务 {self.owed_scheduled} 件，到期处理 {self.due_handled} 件，"
                f"重建丢失任务 {self.jobs_recreated} 个，回访任务补排 {self.followups_rescheduled} 个（{state}）")


def _ids(app: Flask, condition, limit: int, order=Ticket.next_check_at) -> list[int]:
    # Ordered by the indexed column itself: ordering by id would tempt the planner into a table scan.
    with session_factory(app)() as session:
        return list(session.scalars(select(Ticket.id).where(condition).order_by(order).limit(limit)))


def route_stale(app: Flask, report: SweepReport, now: datetime, limit: int) -> None:
    stale = (Ticket.status == TicketStatus.RECEIVED) & (Ticket.received_at < now - RECEIVED_GRACE)
    for ticket_id in _ids(app, stale, limit, order=Ticket.received_at):
        with session_factory(app)() as session:
            ticket = session.get(Ticket, ticket_id)
            if ticket is not None and ticket.status == TicketStatus.RECEIVED:
                report.routed += route_safely(app, session, ticket)


def schedule_owed(app: Flask, report: SweepReport, limit: int) -> None:
    for ticket_id in _ids(app, Ticket.jobs_owed.is_(True), limit, order=Ticket.jobs_owed):
        with session_factory(app)() as session, session.begin():
            ticket = session.get(Ticket, ticket_id)
            if ticket is not None and ticket.jobs_owed:
                if schedule_ticket(session, queue(app), ticket, sla(app), escalation_delay(app)):
                    report.owed_scheduled += 1
                else:
                    report.redis_down = True
                    return


def handle_due(app: Flask, report: SweepReport, now: datetime, limit: int) -> None:
    for ticket_id in _ids(app, Ticket.next_check_at <= now, limit):
        with session_factory(app)() as session:
            ticket = session.get(Ticket, ticket_id)
            jobs = [spec for spec in deadline_jobs(ticket, sla(app), escalation_delay(app)) if spec.run_at <= now]
        for spec in jobs:
            with session_factory(app)() as session:
                outcome = check_deadline.run(app, session, spec.ticket_id, spec.stage, spec.kind)
            report.due_handled += outcome == "handled"
        if not jobs:
            # Nothing is due after all (the ticket moved on): just bring next_check_at up to date.
            with session_factory(app)() as session, session.begin():
                ticket = session.get(Ticket, ticket_id)
                plan(ticket, sla(app), escalation_delay(app))


def recreate_lost(app: Flask, report: SweepReport, now: datetime, limit: int) -> None:
    # Asks Redis about these tickets' jobs only, so the cost follows the tickets coming due, not the
    # size of the whole schedule.
    jobs = []
    for ticket_id in _ids(app, (Ticket.next_check_at > now) & (Ticket.next_check_at <= now + HORIZON), limit):
        with session_factory(app)() as session:
            jobs += deadline_jobs(session.get(Ticket, ticket_id), sla(app), escalation_delay(app))
    q = queue(app)
    present = active_job_ids(q, [job.job_id for job in jobs])
    missing = [job for job in jobs if job.job_id not in present]
    if missing:
        enqueue(q, [deadline_job(spec) for spec in missing], replace=True, now=now)
        report.jobs_recreated += len(missing)


def sweep(app: Flask, now: datetime | None = None, limit: int = BATCH) -> SweepReport:
    """One pass of the sweep; safe to run at any time and any number of times."""
    now = now or clock.now()
    report = SweepReport()
    route_stale(app, report, now, limit)
    try:
        schedule_owed(app, report, limit)
        handle_due(app, report, now, limit)
        if not report.redis_down:
            recreate_lost(app, report, now, limit)
            report.followups_rescheduled = followup_sweep(app)
            report.duplicates_indexed = duplicate_index(app, DUPLICATE_WINDOW).rebuild(app)
    except (redis.RedisError, OSError) as error:
        log.warning("sweep: Redis unavailable (%s); the database keeps the debt for the next pass", error)
        report.redis_down = True
    return report


@job
def sweep_job(app: Flask, _session) -> str:
    """The RQ job run by the cron process."""
    return str(sweep(app))
