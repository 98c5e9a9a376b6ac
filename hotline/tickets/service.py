"""Acting on a ticket the caller may see: the one path of the API's action route and the pages."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hotline.auth import Principal, ticket_scope
from hotline.database import write_transaction
from hotline.errors import NotFound
from hotline.workflow import Step
from hotline.workflow.actions import perform
from hotline.workflow.core import locked_ticket
from hotline.workflow.schemas import ActionBody
from hotline.workflow.sla import Sla
from models import Ticket


def take_action(session: Session, principal: Principal, sla: Sla, ticket_no: str, action: str,
                body: ActionBody) -> Ticket:
    """Run `action` on the ticket under its row lock, in one transaction (the workflow function checks
    the transition table: 403/409); a ticket outside the caller's scope is a 404. Jobs follow the commit."""
    with write_transaction(session):
        ticket = locked_ticket(session, Ticket.ticket_no == ticket_no, ticket_scope(principal))
        if ticket is None:
            raise NotFound(f"工单 {ticket_no} 不存在，或您无权查看。")
        perform(Step(session, principal, sla), ticket, action, body)
    return ticket
