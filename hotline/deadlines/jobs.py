"""The deadline job: warning (催办) at 80% of a stage's time, overdue flag and supervision (督办) at the
due time, escalation a level up when still overdue after a further delay.

`check_deadline` re-reads the ticket under its row lock and does nothing if the stage is done, already
flagged, or not yet due (then it puts itself back on the schedule for the right moment).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from hotline.auth import SYSTEM
from hotline.deadlines.schedule import enqueue, open_stages, plan
from hotline.notifications.service import enqueue_webhooks, notify, pending_webhooks
from hotline.workflow import Step, note
from hotline.workflow.core import locked_ticket
from models import Ticket, Unit, clock
from models.enums import CHINESE_NAMES

log = logging.getLogger(__name__)

STAGE_NAMES = {"accept": "签收", "respond": "响应（联系市民）", "reply": "办结答复", "followup": "回访"}


def _round(ticket: Ticket, stage: str) -> str:
    """Identifies one run of a stage's clock: a re-dispatch or reopen starts a new round."""
    start = ticket.replied_at if stage == "followup" else ticket.dispatched_at
    return str(int(start.timestamp())) if start else "0"


def _local(step: Step, when: datetime) -> str:
    """A deadline as people read it: in the city's time zone (the SLA policy's)."""
    return when.astimezone(step.sla.policy.tz).strftime("%m-%d %H:%M")


def flag_overdue(step: Step, ticket: Ticket, stage: str, due: datetime, created: list) -> None:
    ticket.overdue_stages = [*(ticket.overdue_stages or []), stage]
    ticket.overdue = True
    note(step, ticket, "overdue", {"stage": stage, "due": due.isoformat()})
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
        note(step, ticket, "deadline-warning", {"stage": stage, "due": due.isoformat()})
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
        note(step, ticket, "escalate", {"stage": stage, "level": 1})
        created += escalation_notices(step, ticket, stage, due)
    step.session.info.setdefault("notifications", []).extend(n.id for n in created if n is not None)
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


def run_deadline_check(app, ticket_id: int, stage: str, kind: str) -> str:
    """The body of the job, callable in-process (the sweep uses it for stages past due without a flag)."""
    from hotline.database import session_factory
    from hotline.jobs.runtime import escalation_delay, queue, sla

    delay = escalation_delay(app)
    with session_factory(app)() as session:
        with session.begin():
            ticket = locked_ticket(session, Ticket.id == ticket_id)
            if ticket is None:
                return "gone"
            step = Step(session, SYSTEM, sla(app), now=clock.now())
            outcome, retry_at = handle_deadline(step, ticket, stage, kind, delay)
            jobs = plan(ticket, step.sla, delay)
            notifications = pending_webhooks(session, session.info.pop("notifications", []))
        if retry_at is not None:
            enqueue(queue(app), [job for job in jobs if job.stage == stage and job.kind == kind])
        if notifications:
            enqueue_webhooks(queue(app), notifications)
    return outcome


def check_deadline(ticket_id: int, stage: str, kind: str) -> str:
    """RQ job `deadline-<ticket_no>-<stage>-<kind>`."""
    from hotline.jobs.runtime import app_context

    with app_context() as app:
        return run_deadline_check(app, ticket_id, stage, kind)
