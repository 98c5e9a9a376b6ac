"""Follow-ups as the API and the survey page show them."""

from __future__ import annotations

from hotline.api.formats import iso
from hotline.followup.service import SATISFACTION
from models import FollowUp, Ticket

MATTER_MAX = 100
STATUS_NAMES = {"open": "待评价", "answered": "已评价", "unrated": "未评价（已过期）", "cancelled": "已失效"}


def matter(ticket: Ticket) -> str:
    """What the citizen asked about: the title, else the first 100 characters of the content."""
    if ticket.title:
        return ticket.title
    text = " ".join(ticket.content.split())
    return text if len(text) <= MATTER_MAX else text[:MATTER_MAX] + "…"


def followup_to_dict(followup: FollowUp, ticket: Ticket) -> dict:
    return {
        "id": followup.id,
        "ticket_no": ticket.ticket_no,
        "round": followup.round,
        "channel": followup.channel,
        "status": followup.status,
        "status_name": STATUS_NAMES.get(followup.status, followup.status),
        "attempts": followup.attempts,
        "next_attempt_at": iso(followup.next_attempt_at),
        "expires_at": iso(followup.expires_at),
        "resolved": followup.resolved,
        "satisfaction": followup.satisfaction,
        "satisfaction_name": SATISFACTION.get(followup.satisfaction) if followup.satisfaction else None,
        "comment": followup.comment,
        "answered_at": iso(followup.answered_at),
        "answered_via": followup.answered_via,
    }


def survey_to_dict(followup: FollowUp, ticket: Ticket) -> dict:
    """What a citizen's app shows before the answer (the survey page shows the same)."""
    unit = ticket.lead_unit
    return {
        "ticket_no": ticket.ticket_no,
        "matter": matter(ticket),
        "unit": unit.name if unit is not None else None,
        "reply": ticket.reply_text,
        "replied_at": iso(ticket.replied_at),
        "status": followup.status,
        "status_name": STATUS_NAMES.get(followup.status, followup.status),
        "expires_at": iso(followup.expires_at),
        "choices": {"resolved": {"true": "已解决", "false": "未解决"}, "satisfaction": SATISFACTION},
    }
