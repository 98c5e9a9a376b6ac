"""Shared machinery of the workflow: the context of a step, the checks, and status changes that always
come with their audit event."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.auth import Principal
from hotline.deadlines.sla import Sla
from hotline.errors import Conflict, Forbidden, NotFound, Unprocessable
from models import Assignment, Category, Ticket, TicketEvent, Unit, clock
from models.enums import CHINESE_NAMES, Role


@dataclass
class Step:
    """One workflow step: who acts, on which session, with which deadlines, at what time."""

    session: Session
    actor: Principal
    sla: Sla
    now: datetime = field(default_factory=clock.now)


def record_event(step: Step, ticket: Ticket, action: str, *, from_status: str | None = None,
                 to_status: str | None = None, data: dict[str, Any] | None = None) -> TicketEvent:
    event = TicketEvent(ticket_id=ticket.id, at=step.now, actor=step.actor.actor, action=action,
                        from_status=from_status, to_status=to_status, data=data or {})
    step.session.add(event)
    return event


def transition(step: Step, ticket: Ticket, to_status: str, action: str,
               data: dict[str, Any] | None = None) -> TicketEvent:
    """Move a ticket to a new status and write the event (callers have checked it is allowed)."""
    from_status = ticket.status
    ticket.status = to_status
    ticket.updated_at = step.now
    return record_event(step, ticket, action, from_status=from_status, to_status=to_status, data=data)


def note(step: Step, ticket: Ticket, action: str, data: dict[str, Any] | None = None) -> TicketEvent:
    """An event that changes no status (extension, exclusion, deadline flags)."""
    ticket.updated_at = step.now
    return record_event(step, ticket, action, from_status=ticket.status, to_status=ticket.status, data=data)


# --- checks ---------------------------------------------------------------------------------------

ACTION_NAMES = {
    "dispatch": "派单", "accept": "签收", "return": "退单", "decide-return": "审核退单", "respond": "联系市民",
    "request-extension": "申请延期", "decide-extension": "审核延期", "reply": "答复", "reopen": "重办",
    "merge": "并单", "answer": "直接答复", "reject": "不予受理", "exclude": "不纳入考评", "close": "办结",
}


def require_status(ticket: Ticket, action: str, allowed: Iterable[str]) -> None:
    allowed = tuple(allowed)
    if ticket.status not in allowed:
        names = "、".join(CHINESE_NAMES.get(s, s) for s in allowed)
        raise Conflict(
            f"工单 {ticket.ticket_no} 当前状态为“{CHINESE_NAMES.get(ticket.status, ticket.status)}”，"
            f"不能{ACTION_NAMES.get(action, action)}（仅限：{names}）。",
            code="invalid_state",
        )


def require_role(step: Step, action: str, *roles: str) -> None:
    actor = step.actor
    if actor.kind == "system":
        return
    if actor.kind != "user" or actor.role not in roles:
        names = "、".join(CHINESE_NAMES.get(r, r) for r in roles)
        raise Forbidden(f"只有{names}可以{ACTION_NAMES.get(action, action)}。")


def require_lead_unit_staff(step: Step, ticket: Ticket, action: str) -> None:
    """Unit actions (accept, return, respond, reply, extension) belong to the lead unit's own staff."""
    actor = step.actor
    if actor.kind == "system":
        return
    if not actor.has_role(Role.UNIT_STAFF):
        raise Forbidden(f"只有承办单位人员可以{ACTION_NAMES.get(action, action)}。")
    if ticket.lead_unit_id is None or actor.unit_id != ticket.lead_unit_id:
        raise Forbidden(f"工单 {ticket.ticket_no} 不是本单位主办，不能{ACTION_NAMES.get(action, action)}。")


def require_text(value: str | None, field_name: str, label: str) -> str:
    text = (value or "").strip()
    if not text:
        raise Unprocessable(f"{label}不能为空。", fields={field_name: "必填项"})
    return text


def leaf_category(session: Session, code: str) -> Category | None:
    """The matter type (a leaf of the category tree) with this code; None for unknown codes and groups."""
    category = session.scalar(select(Category).where(Category.code == code))
    return category if category is not None and category.parent_id is not None else None


def unit_by_code(step: Step, code: str, field_name: str = "unit") -> Unit:
    unit = step.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None or not unit.active:
        raise Unprocessable(f"单位 {code} 不存在或已停用。", fields={field_name: "单位不存在"})
    return unit


def locked_ticket(session: Session, *conditions) -> Ticket | None:
    """The ticket matching `conditions`, its row locked for this transaction (SELECT … FOR UPDATE).

    SQLite renders no FOR UPDATE: there the writer already holds the database's write lock from BEGIN.
    """
    return session.scalar(select(Ticket).where(*conditions).with_for_update(of=Ticket)
                          .execution_options(populate_existing=True))


def ticket_by_no(step: Step, ticket_no: str) -> Ticket:
    ticket = step.session.scalar(select(Ticket).where(Ticket.ticket_no == ticket_no))
    if ticket is None:
        raise NotFound(f"工单 {ticket_no} 不存在。")
    return ticket


def active_lead_assignment(step: Step, ticket: Ticket) -> Assignment | None:
    return step.session.scalar(
        select(Assignment).where(Assignment.ticket_id == ticket.id, Assignment.role == "lead",
                                 Assignment.active.is_(True)).order_by(Assignment.id.desc()).limit(1)
    )


def end_assignments(step: Step, ticket: Ticket) -> None:
    for assignment in step.session.scalars(
        select(Assignment).where(Assignment.ticket_id == ticket.id, Assignment.active.is_(True))
    ):
        assignment.active = False


def mark_jobs_owed(ticket: Ticket) -> None:
    """Deadlines changed: the jobs that watch them must be (re)scheduled after commit."""
    ticket.jobs_owed = True
