"""The unit at work: first contact (响应), extension (延期) and its decision, reply (答复)."""

from __future__ import annotations

from sqlalchemy import select

from hotline.errors import Conflict, Unprocessable
from hotline.workflow.core import (
    Step,
    mark_jobs_owed,
    note,
    require_lead_unit_staff,
    require_role,
    require_status,
    require_text,
    transition,
)
from models import Extension, Ticket
from models.enums import Role

MAX_EXTENSION_DAYS = 30


def respond(step: Step, ticket: Ticket, note_text: str) -> None:
    """响应: the unit has contacted the citizen."""
    require_lead_unit_staff(step, ticket, "respond")
    require_status(ticket, "respond", ("accepted",))
    text = require_text(note_text, "note", "联系情况")
    ticket.responded_at = step.now
    mark_jobs_owed(ticket)
    transition(step, ticket, "responded", "respond", {"note": text})


def pending_extension(step: Step, ticket: Ticket) -> Extension | None:
    return step.session.scalar(
        select(Extension).where(Extension.ticket_id == ticket.id, Extension.status == "pending")
    )


def request_extension(step: Step, ticket: Ticket, days: int, reason: str) -> Extension:
    """延期申请: the unit asks for more working days to reply."""
    require_lead_unit_staff(step, ticket, "request-extension")
    require_status(ticket, "request-extension", ("accepted", "responded"))
    reason = require_text(reason, "reason", "延期理由")
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise Unprocessable(f"延期天数应为 1–{MAX_EXTENSION_DAYS} 个工作日。", fields={"days": "超出范围"})
    if pending_extension(step, ticket) is not None:
        raise Conflict(f"工单 {ticket.ticket_no} 已有待审核的延期申请。", code="extension_pending")
    extension = Extension(ticket_id=ticket.id, unit_id=ticket.lead_unit_id, days=days, reason=reason,
                          requested_by=step.actor.actor, requested_at=step.now)
    step.session.add(extension)
    note(step, ticket, "request-extension", {"days": days, "reason": reason})
    return extension


def decide_extension(step: Step, ticket: Ticket, approve: bool, note_text: str | None = None) -> None:
    """审核延期: an approved extension moves the reply deadline by the working days asked for."""
    require_role(step, "decide-extension", Role.SUPERVISOR)
    extension = pending_extension(step, ticket)
    if extension is None:
        raise Conflict(f"工单 {ticket.ticket_no} 没有待审核的延期申请。", code="no_pending_extension")
    extension.status = "approved" if approve else "rejected"
    extension.decided_by, extension.decided_at, extension.note = step.actor.actor, step.now, note_text
    data = {"approve": approve, "days": extension.days, "note": note_text}
    if approve and ticket.reply_due is not None:
        extension.old_due = ticket.reply_due
        extension.new_due = ticket.reply_due = step.sla.extend(ticket.reply_due, extension.days)
        if "reply" in (ticket.overdue_stages or []):
            ticket.overdue_stages = [s for s in ticket.overdue_stages if s != "reply"]
            ticket.overdue = bool(ticket.overdue_stages)
        data["reply_due"] = {"from": extension.old_due.isoformat(), "to": extension.new_due.isoformat()}
        mark_jobs_owed(ticket)
    note(step, ticket, "decide-extension", data)


def reply(step: Step, ticket: Ticket, reply_text: str, resolved: bool) -> None:
    """答复/办结: the unit's answer to the citizen; the follow-up (回访) starts from here."""
    require_lead_unit_staff(step, ticket, "reply")
    require_status(ticket, "reply", ("responded",))
    text = require_text(reply_text, "reply", "答复内容")
    ticket.replied_at, ticket.reply_text, ticket.unit_resolved = step.now, text, resolved
    ticket.followup_due = step.sla.due(step.now, ticket.urgency, "followup")
    mark_jobs_owed(ticket)
    transition(step, ticket, "replied", "reply", {"resolved": resolved})
    from hotline.followup import open_followup  # here: hotline.followup itself uses the workflow

    open_followup(step, ticket)
