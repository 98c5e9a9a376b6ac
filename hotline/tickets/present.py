"""Tickets as the API shows them; fields a role may not see are masked."""

from __future__ import annotations

from flask import current_app, request, url_for

from hotline.api.formats import iso
from hotline.auth import Principal
from hotline.database import db
from hotline.intake.phones import display_phone, mask_phone
from hotline.tickets.schemas import TicketOut
from hotline.workflow.rules import allowed_actions
from models import Ticket, TicketEvent
from models.enums import CHINESE_NAMES, Role
from routing.sla import Stage


def ticket_url(ticket_no: str) -> str:
    base = current_app.config.get("BASE_URL") or request.host_url
    return base.rstrip("/") + url_for("tickets.get_ticket", ticket_no=ticket_no)


def _citizen(ticket: Ticket, principal: Principal) -> dict:
    hidden = ticket.citizen_confidential and principal.has_role(Role.UNIT_STAFF)
    return {
        "name": ("（保密）" if ticket.citizen_name else None) if hidden else ticket.citizen_name,
        "phone": mask_phone(ticket.citizen_phone) if hidden else display_phone(ticket.citizen_phone),
        "confidential": ticket.citizen_confidential,
    }


def unit_ref(unit) -> dict | None:
    return {"code": unit.code, "name": unit.name} if unit is not None else None


def ticket_to_dict(ticket: Ticket, principal: Principal) -> dict:
    """The ticket as `principal` may see it, checked against the output model the OpenAPI shows."""
    return TicketOut.model_validate(_ticket_fields(ticket, principal)).model_dump(mode="json")


def _ticket_fields(ticket: Ticket, principal: Principal) -> dict:
    category = ticket.category
    staff = principal.is_staff  # channel keys see no routing internals and take no actions
    return {
        "ticket_no": ticket.ticket_no,
        "status": ticket.status,
        "status_name": CHINESE_NAMES.get(ticket.status, ticket.status),
        "channel": ticket.channel,
        "title": ticket.title,
        "content": ticket.content,
        "citizen": _citizen(ticket, principal),
        "address": ticket.address,
        "location": {"lat": ticket.lat, "lng": ticket.lng} if ticket.lat is not None else None,
        "request_type": ticket.request_type,
        "category": (
            {"code": category.code, "name": category.name, "probability": ticket.category_probability}
            if category is not None else None
        ),
        "urgency": ticket.urgency,
        "jurisdiction": {
            "district": ticket.district.name if ticket.district else None,
            "street": ticket.street.name if ticket.street else None,
        },
        "unit": unit_ref(ticket.lead_unit),
        "assisting": [unit_ref(row.unit) for row in ticket.assisting_assignments],
        "suggestions": (ticket.suggestions or []) if staff else [],
        "duplicates": (ticket.duplicates or []) if staff else [],
        "routing_reason": ticket.routing_reason if staff else None,
        "referral": ticket.referral,
        "deadlines": {
            Stage.ACCEPT: iso(ticket.accept_due),
            Stage.RESPOND: iso(ticket.respond_due),
            Stage.REPLY: iso(ticket.reply_due),
            Stage.FOLLOWUP: iso(ticket.followup_due),
        },
        "overdue": ticket.overdue,
        "overdue_stages": ticket.overdue_stages or [],
        "escalation_level": ticket.escalation_level,
        "excluded": ticket.excluded,
        "parent": ticket.parent.ticket_no if ticket.parent is not None else None,
        "reply": ticket.reply_text,
        "received_at": iso(ticket.received_at),
        "updated_at": iso(ticket.updated_at),
        "url": ticket_url(ticket.ticket_no),
        "actions": allowed_actions(db(), principal, ticket) if staff else [],
    }


def event_to_dict(event: TicketEvent) -> dict:
    return {
        "at": iso(event.at),
        "actor": event.actor,
        "action": event.action,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "data": event.data or {},
    }
