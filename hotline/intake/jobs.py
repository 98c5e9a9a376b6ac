"""The routing job of a ticket received from a channel routed by job (ROUTE_BY_JOB_CHANNELS).

A web form, an app, WeChat or Open311 gets its ticket number as soon as the ticket is stored; this job,
queued by the commit that stored it (hotline.workflow.effects), analyses and routes it exactly as intake
would have inside the request. It is idempotent: a ticket no longer `received` (routed already, by an
earlier run, by an agent or by the sweep) is left alone, and the row is locked while it is routed. When
Redis could not take the job, or every attempt failed, the periodic sweep routes the ticket.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from sqlalchemy.orm import Session

from hotline.intake.routing import route_new_ticket
from hotline.queue.toolkit import PlannedJob, job
from models import Ticket
from models.enums import TicketStatus

RETRY_SECONDS = (5, 30, 120)  # a database hiccup: try again soon; the sweep is the last resort


@job
def route_received(app: Flask, session: Session, ticket_id: int) -> str:
    """RQ job `route-<ticket id>`."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        return "gone"
    if ticket.status != TicketStatus.RECEIVED:
        return "routed already"
    route_new_ticket(app, session, ticket)
    return "routed"


def route_job(ticket_id: int, now: datetime) -> PlannedJob:
    return PlannedJob(f"route-{ticket_id}", now, route_received, (ticket_id,), retry=RETRY_SECONDS)
