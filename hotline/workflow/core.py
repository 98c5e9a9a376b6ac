"""Shared machinery of the workflow: the context of a step, the checks, and status changes that always
come with their audit event."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.auth import Principal
from hotline.errors import NotFound, Unprocessable
from hotline.workflow.effects import touch
from hotline.workflow.rules import RULES, Rule, authorize
from hotline.workflow.sla import Sla
from models import Assignment, Category, Extension, Ticket, TicketEvent, Unit, clock
from models.enums import EventKind as E
from models.enums import ExtensionStatus, TicketStatus


class Reference(Protocol):
    """Units and matter types as a per-process cache holds them (detached rows, at most a minute old)."""

    def unit(self, code: str) -> Unit | None: ...

    def category(self, code: str) -> Category | None: ...


@dataclass
class Step:
    """One workflow step: who acts, on which session, with which deadlines, at what time.

    `reference`: where the router, which decided from the cached city, finds the units and the matter
    type it names (merged into the session without a query); without it, or for a code it lacks, the
    database. People's steps read the database."""

    session: Session
    actor: Principal
    sla: Sla
    now: datetime = field(default_factory=clock.now)
    reference: Reference | None = None


def record_event(step: Step, ticket: Ticket, action: str, *, from_status: str | None = None,
                 to_status: str | None = None, data: dict[str, Any] | None = None) -> TicketEvent:
    event = TicketEvent(ticket_id=ticket.id, at=step.now, actor=step.actor.actor, action=action,
                        from_status=from_status, to_status=to_status, data=data or {})
    step.session.add(event)
    touch(step.session, ticket)
    return event


def transition(step: Step, ticket: Ticket, to_status: TicketStatus, action: str,
               data: dict[str, Any] | None = None) -> TicketEvent:
    """Move a ticket to a new status and write the event (callers have checked it is allowed), then let
    the subscribers of this action do their part in the same transaction (the follow-up opens its round
    at a reply)."""
    if to_status not in RULES[action].leads_to:
        raise AssertionError(f"{action} cannot lead to {to_status}: the transition table says {RULES[action].leads_to}")
    from_status = ticket.status
    ticket.status = to_status
    ticket.updated_at = step.now
    event = record_event(step, ticket, action, from_status=from_status, to_status=to_status, data=data)
    for subscriber in _subscribers.get(action, ()):
        subscriber(step, ticket)
    return event


Subscriber = Callable[[Step, Ticket], None]
_subscribers: dict[str, list[Subscriber]] = {}


def on_transition(action: str) -> Callable[[Subscriber], Subscriber]:
    """Decorator: run `subscriber(step, ticket)` in the transaction of every `action` transition.

    It lets the features that follow a transition (the follow-up after a reply) hook in without the
    workflow importing them.
    """
    def register(subscriber: Subscriber) -> Subscriber:
        subscribers = _subscribers.setdefault(action, [])
        if subscriber not in subscribers:
            subscribers.append(subscriber)
        return subscriber

    return register


def note(step: Step, ticket: Ticket, action: str, data: dict[str, Any] | None = None) -> TicketEvent:
    """An event that changes no status (extension, exclusion, deadline flags)."""
    ticket.updated_at = step.now
    return record_event(step, ticket, action, from_status=ticket.status, to_status=ticket.status, data=data)


# --- checks ---------------------------------------------------------------------------------------

def check(step: Step, ticket: Ticket, action: str) -> Rule:
    """The transition table says whether this actor may take `action` on this ticket now (403 / 409)."""
    return authorize(step.session, step.actor, ticket, action)


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
    cached = step.reference.unit(code) if step.reference is not None else None
    unit = (step.session.merge(cached, load=False) if cached is not None
            else step.session.scalar(select(Unit).where(Unit.code == code)))
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


def pending_extension(step: Step, ticket: Ticket) -> Extension | None:
    return step.session.scalar(
        select(Extension).where(Extension.ticket_id == ticket.id, Extension.status == ExtensionStatus.PENDING)
    )


def cancel_pending_extension(step: Step, ticket: Ticket, why: str) -> None:
    """The ticket left its unit (re-dispatch, approved return, merge, end) or was replied: a pending
    extension request lapses, with its event, so approving it later can never move another clock."""
    extension = pending_extension(step, ticket)
    if extension is None:
        return
    extension.status, extension.decided_at, extension.note = ExtensionStatus.CANCELLED, step.now, why
    note(step, ticket, E.CANCEL_EXTENSION, {"days": extension.days, "reason": why})


def end_assignments(step: Step, ticket: Ticket) -> None:
    """The ticket leaves its units: their assignments end and a pending extension lapses. A ticket still
    `received` was never with a unit (no rule leads back to it): nothing to read, nothing to end."""
    if ticket.status == TicketStatus.RECEIVED:
        return
    cancel_pending_extension(step, ticket, "工单已离开本单位")
    for assignment in step.session.scalars(
        select(Assignment).where(Assignment.ticket_id == ticket.id, Assignment.active.is_(True))
    ):
        assignment.active = False


def mark_jobs_owed(ticket: Ticket) -> None:
    """Deadlines changed: the jobs that watch them must be (re)scheduled after commit (the flag stays
    set in the database until they are, so the sweep finds what a Redis failure left undone)."""
    ticket.jobs_owed = True
