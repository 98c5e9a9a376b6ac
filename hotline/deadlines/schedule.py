"""Which deadline jobs a ticket needs (planning only; hotline.deadlines.jobs puts them on the schedule).

The jobs a ticket needs are a pure function of its row (status, due times, flags): so they can always be
rebuilt from the database. Job ids come from the domain — `deadline-<ticket_no>-<stage>-<kind>` — so
scheduling again replaces a job instead of adding a second one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from hotline.workflow.sla import Sla
from models import Ticket
from models.enums import FINAL_STATUSES, TicketStatus
from routing.sla import Stage

KINDS = ("warn", "due", "escalate")
UNIT_CLOCKS_RUN = (TicketStatus.DISPATCHED, TicketStatus.ACCEPTED, TicketStatus.RESPONDED)


@dataclass(frozen=True)
class DeadlineJob:
    job_id: str
    run_at: datetime
    ticket_id: int
    stage: str
    kind: str


def open_stages(ticket: Ticket) -> list[tuple[str, datetime, datetime]]:
    """(stage, clock start, due) for every stage still running; none while a return awaits a decision."""
    if ticket.status in FINAL_STATUSES or ticket.excluded or ticket.status == TicketStatus.RETURNED:
        return []
    stages = []
    started = ticket.dispatched_at
    if started is not None and ticket.status in UNIT_CLOCKS_RUN:
        if ticket.accepted_at is None and ticket.accept_due is not None:
            stages.append((Stage.ACCEPT, started, ticket.accept_due))
        if ticket.responded_at is None and ticket.respond_due is not None:
            stages.append((Stage.RESPOND, started, ticket.respond_due))
        if ticket.replied_at is None and ticket.reply_due is not None:
            stages.append((Stage.REPLY, started, ticket.reply_due))
    if ticket.status == TicketStatus.REPLIED and ticket.followup_due is not None and ticket.replied_at is not None:
        stages.append((Stage.FOLLOWUP, ticket.replied_at, ticket.followup_due))
    return stages


def deadline_jobs(ticket: Ticket, sla: Sla, escalation_delay: timedelta) -> list[DeadlineJob]:
    """Every job the ticket's open stages still need (done work needs none: a warning given, a flag set,
    an escalation made drop out, so `next_check_at` always points at work not yet done)."""
    jobs = []
    for stage, start, due in open_stages(ticket):
        moments = []
        # The follow-up stage is the centre's own work: it is flagged when late, not warned or escalated.
        if stage != Stage.FOLLOWUP and stage not in (ticket.warned_stages or []) and stage not in (ticket.overdue_stages or []):
            moments.append(("warn", sla.warning_at(start, due)))
        if stage not in (ticket.overdue_stages or []):
            moments.append(("due", due))
        if stage != Stage.FOLLOWUP and ticket.escalation_level < 1:
            moments.append(("escalate", due + escalation_delay))
        for kind, run_at in moments:
            jobs.append(DeadlineJob(f"deadline-{ticket.ticket_no}-{stage}-{kind}", run_at, ticket.id, stage, kind))
    return jobs


def next_check(jobs: list[DeadlineJob]) -> datetime | None:
    return min((job.run_at for job in jobs), default=None)


def plan(ticket: Ticket, sla: Sla, escalation_delay: timedelta) -> list[DeadlineJob]:
    """Record in the row when the next deadline work is due (what the sweep looks at) and return the jobs."""
    jobs = deadline_jobs(ticket, sla, escalation_delay)
    ticket.next_check_at = next_check(jobs)
    return jobs
