"""The unit at work: first contact (响应), extension (延期) and its decision, reply (答复)."""

from __future__ import annotations

from hotline.errors import Unprocessable
from hotline.workflow.core import (
    Step,
    cancel_pending_extension,
    check,
    mark_jobs_owed,
    note,
    pending_extension,
    require_text,
    transition,
)
from hotline.workflow.schemas import MAX_EXTENSION_DAYS
from models import Extension, Ticket
from models.enums import EventKind as E
from models.enums import ExtensionStatus
from models.enums import TicketStatus as S
from routing.sla import Stage


def respond(step: Step, ticket: Ticket, note_text: str) -> None:
    """响应: the unit has contacted the citizen."""
    check(step, ticket, E.RESPOND)
    text = require_text(note_text, "note", "联系情况")
    ticket.responded_at = step.now
    mark_jobs_owed(ticket)
    transition(step, ticket, S.RESPONDED, E.RESPOND, {"note": text})


def request_extension(step: Step, ticket: Ticket, days: int, reason: str) -> Extension:
    """延期申请: the unit asks for more working days to reply."""
    check(step, ticket, E.REQUEST_EXTENSION)
    reason = require_text(reason, "reason", "延期理由")
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise Unprocessable(f"延期天数应为 1–{MAX_EXTENSION_DAYS} 个工作日。", fields={"days": "超出范围"})
    extension = Extension(ticket_id=ticket.id, unit_id=ticket.lead_unit_id, days=days, reason=reason,
                          requested_by=step.actor.actor, requested_at=step.now)
    step.session.add(extension)
    note(step, ticket, E.REQUEST_EXTENSION, {"days": days, "reason": reason})
    return extension


def decide_extension(step: Step, ticket: Ticket, approve: bool, note_text: str | None = None) -> None:
    """审核延期: an approved extension moves the reply deadline by the working days asked for."""
    check(step, ticket, E.DECIDE_EXTENSION)
    extension = pending_extension(step, ticket)
    if extension.unit_id != ticket.lead_unit_id:
        # Cancelled when the ticket left its unit, so this cannot happen; never move another unit's clock.
        raise AssertionError(f"extension {extension.id} belongs to another unit than the lead of {ticket.ticket_no}")
    extension.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
    extension.decided_by, extension.decided_at, extension.note = step.actor.actor, step.now, note_text
    data = {"approve": approve, "days": extension.days, "note": note_text}
    if approve and ticket.reply_due is not None:
        extension.old_due = ticket.reply_due
        extension.new_due = ticket.reply_due = step.sla.extend(ticket.reply_due, extension.days)
        if Stage.REPLY in (ticket.overdue_stages or []):
            ticket.overdue_stages = [s for s in ticket.overdue_stages if s != Stage.REPLY]
            ticket.overdue = bool(ticket.overdue_stages)
        data["reply_due"] = {"from": extension.old_due.isoformat(), "to": extension.new_due.isoformat()}
        mark_jobs_owed(ticket)
    note(step, ticket, E.DECIDE_EXTENSION, data)


def reply(step: Step, ticket: Ticket, reply_text: str, resolved: bool) -> None:
    """答复/办结: the unit's answer to the citizen; the follow-up (回访) starts from here."""
    check(step, ticket, E.REPLY)
    text = require_text(reply_text, "reply", "答复内容")
    ticket.replied_at, ticket.reply_text, ticket.unit_resolved = step.now, text, resolved
    ticket.followup_due = step.sla.due(step.now, ticket.urgency, Stage.FOLLOWUP)
    mark_jobs_owed(ticket)
    cancel_pending_extension(step, ticket, "已答复")
    transition(step, ticket, S.REPLIED, E.REPLY, {"resolved": resolved})  # the follow-up subscribes to it
