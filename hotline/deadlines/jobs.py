"""The deadline job: warning (催办) at 80% of a stage's time, overdue flag and supervision (督办) at the
due time, escalation a level up when still overdue after a further delay.

`check_deadline` re-reads the ticket under its row lock and does nothing if the stage is done, already
flagged, or not yet due (then it puts itself back on the schedule for the right moment).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import redis
from flask import Flask
from rq import Queue
from sqlalchemy.orm import Session

from hotline.auth import SYSTEM
from hotline.database import relaxed_commit
from hotline.deadlines.schedule import DeadlineJob, open_stages, plan
from hotline.notifications.service import notify
from hotline.queue.runtime import escalation_delay, sla
from hotline.queue.toolkit import PlannedJob, enqueue, job, outage
from hotline.workflow import Step, note
from hotline.workflow.core import locked_ticket, mark_jobs_owed
from hotline.workflow.effects import touch
from hotline.workflow.sla import Sla
from models import Ticket, Unit, clock
from models.enums import CHINESE_NAMES
from models.enums import EventKind as E
from routing.sla import Stage

log = logging.getLogger(__name__)

STAGE_NAMES = {Stage.ACCEPT: "签收", Stage.RESPOND: "响应（联系市民）", Stage.REPLY: "办结答复", Stage.FOLLOWUP: "回访"}


def _round(ticket: Ticket, stage: str) -> str:
    """Identifies one run of a stage's clock: a re-dispatch or reopen starts a new round."""
    start = ticket.replied_at if stage == Stage.FOLLOWUP else ticket.dispatched_at
    return str(int(start.timestamp())) if start else "0"


def _local(step: Step, when: datetime) -> str:
    """A deadline as people read it: in the city's time zone (the SLA policy's)."""
    return when.astimezone(step.sla.policy.tz).strftime("%m-%d %H:%M")


def flag_overdue(step: Step, ticket: Ticket, stage: str, due: datetime, created: list) -> None:
    ticket.overdue_stages = [*(ticket.overdue_stages or []), stage]
    ticket.overdue = True
    note(step, ticket, E.OVERDUE, {"stage": stage, "due": due.isoformat()})
    unit = ticket.lead_unit
    message = (f"【督办】工单 {ticket.ticket_no} 的{STAGE_NAMES[stage]}已超期（时限 {_local(step, due)}），"
               f"承办单位：{unit.name if unit else '未派单'}")
    created.append(notify(step.session, audience="supervisor", kind="overdue", message=message,
                          dedupe_key=f"overdue:{ticket.id}:{stage}:{_round(ticket, stage)}", ticket=ticket))


def handle_deadline(step: Step, ticket: Ticket, stage: str, kind: str, delay: timedelta) -> tuple[str, datetime | None]:
    """Do the deadline work that is due; returns (what happened, when to try again if early)."""
    stages = {name: (start, due) for name, start, due in open_stages(ticket)}
    if stage not in stages:
        return "done", None
    start, due = stages[stage]
    created: list = []
    if kind == "warn":
        moment = step.sla.warning_at(start, due)
        if step.now < moment:
            return "early", moment
        if stage in (ticket.overdue_stages or []) or stage in (ticket.warned_stages or []):
            return "done", None
        ticket.warned_stages = [*(ticket.warned_stages or []), stage]
        unit = ticket.lead_unit
        message = f"【催办】工单 {ticket.ticket_no} 的{STAGE_NAMES[stage]}将于 {_local(step, due)} 到期，请尽快办理。"
        made = notify(step.session, audience="unit", kind="warning", message=message, unit=unit, ticket=ticket,
                      dedupe_key=f"warn:{ticket.id}:{stage}:{_round(ticket, stage)}")
        if made is None:
            return "done", None
        note(step, ticket, E.DEADLINE_WARNING, {"stage": stage, "due": due.isoformat()})
        created.append(made)
    elif kind == "due":
        if step.now < due:
            return "early", due
        if stage in (ticket.overdue_stages or []):
            return "done", None
        flag_overdue(step, ticket, stage, due, created)
    elif kind == "escalate":
        moment = due + delay
        if step.now < moment:
            return "early", moment
        if ticket.escalation_level >= 1:
            return "done", None
        if stage not in (ticket.overdue_stages or []):
            flag_overdue(step, ticket, stage, due, created)
        ticket.escalation_level = 1
        note(step, ticket, E.ESCALATE, {"stage": stage, "level": 1})
        created += escalation_notices(step, ticket, stage, due)
    return "handled", None


def escalation_notices(step: Step, ticket: Ticket, stage: str, due: datetime) -> list:
    """A level up: a street's district government, and the city's supervisors in every case."""
    unit = ticket.lead_unit
    key = f"escalate:{ticket.id}:{stage}:{_round(ticket, stage)}"
    message = (f"【升级督办】工单 {ticket.ticket_no} 的{STAGE_NAMES[stage]}超期未办（时限 {_local(step, due)}），"
               f"承办单位：{unit.name if unit else '未派单'}（{CHINESE_NAMES.get(unit.unit_group, '') if unit else ''}）")
    session = step.session
    notices = [notify(session, audience="supervisor", kind="escalation", message=message,
                      dedupe_key=key, ticket=ticket)]
    if unit is not None and unit.district_id is not None:
        district = session.get(Unit, unit.district_id)
        notices.append(notify(session, audience="unit", kind="escalation", message=message, unit=district,
                              ticket=ticket, dedupe_key=key + ":district"))
    return notices


@job
def check_deadline(app: Flask, session: Session, ticket_id: int, stage: str, kind: str) -> str:
    """RQ job `deadline-<ticket_no>-<stage>-<kind>`; the sweep runs it in-process for stages past due.

    Notices it creates are pushed, and the ticket's next jobs scheduled, after its commit (effects)."""
    delay = escalation_delay(app)
    with session.begin():
        ticket = locked_ticket(session, Ticket.id == ticket_id)
        if ticket is None:
            return "gone"
        step = Step(session, SYSTEM, sla(app), now=clock.now())
        outcome, retry_at = handle_deadline(step, ticket, stage, kind, delay)
        if retry_at is not None:  # run early (a moved clock): back on the schedule for the right moment
            mark_jobs_owed(ticket)
            touch(session, ticket)
        plan(ticket, step.sla, delay)
    return outcome


def deadline_job(spec: DeadlineJob) -> PlannedJob:
    return PlannedJob(spec.job_id, spec.run_at, check_deadline, (spec.ticket_id, spec.stage, spec.kind))


def schedule_ticket(session: Session, queue: Queue, ticket: Ticket, sla_: Sla, delay: timedelta) -> bool:
    """Put a ticket's deadline jobs on the schedule (replacing its earlier ones) and clear its debt; on a
    Redis failure keep the debt for the sweep. Runs in the caller's transaction, whose flush writes the
    row once; that commit need not wait for the disk (a lost clear only makes the sweep schedule again)."""
    specs = plan(ticket, sla_, delay)  # sets next_check_at
    try:
        enqueue(queue, [deadline_job(spec) for spec in specs], replace=True, now=clock.now())
    except (redis.RedisError, OSError) as error:
        outage.failed(f"the jobs of {ticket.ticket_no}", error)
        return False
    outage.worked()
    relaxed_commit(session)
    ticket.jobs_owed = False
    return True
