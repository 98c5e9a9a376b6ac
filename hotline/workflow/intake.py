"""受理: a new ticket is born `received`, with its number and the first event."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm.attributes import set_committed_value

from hotline.workflow.core import Step, record_event
from hotline.workflow.effects import defer
from hotline.workflow.numbering import next_ticket_no
from models import Ticket
from models.enums import EventKind as E
from models.enums import TicketStatus


def receive(step: Step, fields: dict[str, Any], *, timezone: str, route_by_job: bool = False) -> Ticket:
    """Create a ticket from validated intake fields (the caller commits). `route_by_job`: its routing
    job follows the commit (hotline.intake.jobs); otherwise the caller routes it in this transaction."""
    ticket = Ticket(
        **fields,
        ticket_no=next_ticket_no(step.session, step.now, timezone),
        status=TicketStatus.RECEIVED.value,
        received_at=step.now,
        updated_at=step.now,
    )
    step.session.add(ticket)
    step.session.flush()  # the event needs the ticket's id
    set_committed_value(ticket, "assisting_assignments", [])  # a new ticket has none: not read back
    record_event(step, ticket, E.RECEIVE, to_status=ticket.status, data={"channel": ticket.channel})
    if route_by_job:
        defer(step.session, "route", ticket.id)
    return ticket
