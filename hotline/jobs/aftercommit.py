"""The drain of the after-commit mechanism (hotline.workflow.effects): what follows a committed change.

For each ticket received to be routed by job: its routing (hotline.intake.jobs). For each ticket the
transaction touched: its deadline jobs when it owes them (`jobs_owed`), and the jobs of its open follow-up
round; for each notice with a webhook: the push. Everything is re-read from the database as committed, so
the drain works the same after an API call, a job, the simulator or a CLI command, and can be repeated:
the sweep does the same from the rows when a drain could not run.
"""

from __future__ import annotations

import logging

import redis
from flask import Flask
from sqlalchemy import inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from hotline.database import session_factory
from hotline.deadlines.jobs import schedule_ticket
from hotline.followup.jobs import schedule_round
from hotline.intake.jobs import queue_routing
from hotline.notifications.service import enqueue_webhooks, pending_webhooks
from hotline.queue.runtime import escalation_delay, queue, sla
from hotline.queue.toolkit import outage
from hotline.workflow import effects
from models import Ticket
from models.enums import TicketStatus

log = logging.getLogger(__name__)


def drain(app: Flask, changed: dict[str, set[int]]) -> None:
    if routes := changed.get("route"):
        route_tickets(app, routes)
    target = queue(app)
    with session_factory(app)() as session:
        for ticket_id in sorted(changed.get("ticket", ())):
            with session.begin():
                ticket = session.get(Ticket, ticket_id)
                if ticket is None:
                    continue
                if ticket.jobs_owed:
                    schedule_ticket(session, target, ticket, sla(app), escalation_delay(app))
            schedule_round(app, session, ticket)
        if notices := changed.get("notification"):
            with session.begin():
                pushes = pending_webhooks(session, sorted(notices))
            enqueue_webhooks(target, pushes)


def route_tickets(app: Flask, ticket_ids: set[int]) -> None:
    """Their routing, first: nothing to read, and the submitter waits for nothing else. On a Redis
    failure the sweep routes the tickets left `received`."""
    try:
        queue_routing(app, ticket_ids)
    except (redis.RedisError, OSError) as error:
        outage.failed("the routing of new tickets", error)
        return
    outage.worked()


def may_owe_jobs(session: Session, changed: dict[str, set[int]]) -> dict[str, set[int]]:
    """The changes whose effects the drain must look at. A ticket that this session holds as committed,
    owing no deadline jobs and not `replied` (only a reply opens a follow-up round), has none: the drain
    would read it back to do nothing (three quarters of intakes: triage, answered, rejected)."""
    def may_owe(ticket_id: int) -> bool:
        ticket = session.identity_map.get(identity_key(Ticket, ticket_id))
        if ticket is None or {"jobs_owed", "status"} & inspect(ticket).unloaded:
            return True  # not known here without a query: the drain reads it
        return bool(ticket.jobs_owed) or ticket.status == TicketStatus.REPLIED

    return {**changed, "ticket": {i for i in changed.get("ticket", ()) if may_owe(i)}}


def init_app(app: Flask) -> None:
    effects.install(session_factory(app), lambda changed: drain(app, changed), may_owe_jobs)
