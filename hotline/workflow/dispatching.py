"""From intake to the unit: routing, dispatch (派单), accept (签收), return (退单) and its decision."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm.attributes import set_committed_value

from hotline.errors import Unprocessable
from hotline.workflow.core import (
    Step,
    active_lead_assignment,
    check,
    end_assignments,
    leaf_category,
    mark_jobs_owed,
    require_text,
    transition,
    unit_by_code,
)
from models import Assignment, Category, Label, Ticket, Unit
from models.enums import EventKind as E
from models.enums import TicketStatus as S
from routing.sla import Stage


def set_stage_deadlines(step: Step, ticket: Ticket) -> None:
    """The accept, respond and reply clocks start now (at dispatch, re-dispatch or reopen)."""
    deadlines = step.sla.deadlines(step.now, ticket.urgency)
    ticket.dispatched_at = step.now
    ticket.accept_due, ticket.respond_due, ticket.reply_due = (
        deadlines[Stage.ACCEPT], deadlines[Stage.RESPOND], deadlines[Stage.REPLY],
    )
    ticket.accepted_at = ticket.responded_at = ticket.replied_at = None
    ticket.overdue, ticket.overdue_stages, ticket.warned_stages, ticket.escalation_level = False, [], [], 0
    mark_jobs_owed(ticket)


def assign_units(step: Step, ticket: Ticket, lead: Unit, assisting: Sequence[Unit], auto: bool) -> None:
    """End the current assignments; the lead (and assisting units) take the ticket from now."""
    end_assignments(step, ticket)
    ticket.lead_unit = lead  # the object, not the id: a loaded relationship would otherwise stay stale
    # The same columns given for every row: the flush then inserts them in one statement, not one each.
    step.session.add(Assignment(ticket_id=ticket.id, unit_id=lead.id, role="lead", assigned_at=step.now,
                                assigned_by=step.actor.actor, auto=auto, active=True))
    helpers = [Assignment(ticket_id=ticket.id, unit_id=unit.id, unit=unit, role="assist", assigned_at=step.now,
                          assigned_by=step.actor.actor, auto=auto, active=True)
               for unit in assisting if unit.id != lead.id]
    step.session.add_all(helpers)
    # The read-only view of the assisting units follows: neither stale nor read back for the answer.
    set_committed_value(ticket, "assisting_assignments", helpers)


def record_label(step: Step, ticket: Ticket, category: Category, source: str) -> None:
    """A person decided what this text is about: keep it for retraining."""
    predicted = ticket.category.code if ticket.category is not None else None
    step.session.add(Label(ticket_id=ticket.id, title=ticket.title, text=ticket.content,
                           category_code=category.code, predicted_code=predicted, source=source,
                           actor=step.actor.actor, created_at=step.now))


# Referrals to an emergency service: a rejection with one of them says "a live emergency" (legal does not).
EMERGENCY_REFERRALS = ("110", "119", "120", "122")


def record_urgency_label(step: Step, ticket: Ticket, urgency: str, referral: str | None, source: str) -> None:
    """A person decided how urgent this text is (and whether it was for 110/119/120/122): kept for the
    urgency model's retraining, beside what routing had said."""
    step.session.add(Label(ticket_id=ticket.id, title=ticket.title, text=ticket.content, urgency=urgency,
                           referral=referral, predicted_urgency=ticket.urgency,
                           predicted_referral=ticket.referral, source=source, actor=step.actor.actor,
                           created_at=step.now))


def _category(step: Step, code: str) -> Category:
    cached = step.reference.category(code) if step.reference is not None else None
    category = step.session.merge(cached, load=False) if cached is not None else leaf_category(step.session, code)
    if category is None:
        raise Unprocessable(f"事项分类 {code} 不存在。", fields={"category": "分类不存在"})
    return category


def dispatch(step: Step, ticket: Ticket, unit: str, assisting: Sequence[str] = (),
             category: str | None = None, *, auto: bool = False, urgency: str | None = None) -> None:
    """派单: an agent (or the router, `auto`) sends the ticket to a lead unit and assisting units.

    `urgency`: the agent's urgency, when it differs from routing's (the deadlines follow it). A person
    who changes it, or dispatches a ticket routing wanted transferred to 110/119/120/122, leaves an
    urgency label for retraining."""
    check(step, ticket, E.DISPATCH)
    lead = unit_by_code(step, unit)
    helpers = [unit_by_code(step, code, "assisting") for code in dict.fromkeys(assisting)]
    data = {"unit": lead.code, "assisting": [u.code for u in helpers], "auto": auto}
    if not auto and ((urgency is not None and urgency != ticket.urgency) or ticket.referral is not None):
        chosen_urgency = urgency or ticket.urgency or "normal"
        record_urgency_label(step, ticket, chosen_urgency, None, "dispatch")
        data["urgency"] = {"from": ticket.urgency, "to": chosen_urgency}
        ticket.urgency, ticket.referral = chosen_urgency, None
    if category is not None:
        chosen = _category(step, category)
        if not auto:
            record_label(step, ticket, chosen, "dispatch")
        if ticket.category_id != chosen.id:
            data["category"] = {"from": ticket.category.code if ticket.category else None, "to": chosen.code}
        ticket.category, ticket.category_probability = chosen, (ticket.category_probability if auto else 1.0)
    elif not auto and ticket.category is not None:
        # The agent confirmed the suggested category by dispatching it: a human label as well.
        record_label(step, ticket, ticket.category, "dispatch")
    assign_units(step, ticket, lead, helpers, auto)
    set_stage_deadlines(step, ticket)
    transition(step, ticket, S.DISPATCHED, E.DISPATCH, data)


def to_triage(step: Step, ticket: Ticket, reason: str, suggestions: list[dict]) -> None:
    """待分拨: the router was not sure enough; a person decides with the suggestions."""
    check(step, ticket, E.TRIAGE)
    ticket.routing_reason = reason[:300]
    ticket.suggestions = suggestions
    transition(step, ticket, S.TRIAGE, E.TRIAGE, {"reason": reason})


def accept(step: Step, ticket: Ticket) -> None:
    """签收: the lead unit takes the ticket."""
    check(step, ticket, E.ACCEPT)
    ticket.accepted_at = step.now
    assignment = active_lead_assignment(step, ticket)
    if assignment is not None:
        assignment.accepted_at = step.now
    mark_jobs_owed(ticket)
    transition(step, ticket, S.ACCEPTED, E.ACCEPT)


def return_ticket(step: Step, ticket: Ticket, reason: str) -> None:
    """退单: the unit says the matter is not theirs; a supervisor decides."""
    check(step, ticket, E.RETURN)
    reason = require_text(reason, "reason", "退单理由")
    assignment = active_lead_assignment(step, ticket)
    if assignment is not None:
        assignment.returned_at, assignment.return_reason = step.now, reason
    mark_jobs_owed(ticket)  # the unit's clocks pause while the supervisor decides
    transition(step, ticket, S.RETURNED, E.RETURN, {"reason": reason})


def decide_return(step: Step, ticket: Ticket, approve: bool, unit: str | None = None,
                  category: str | None = None, note_text: str | None = None) -> None:
    """审核退单: approve (re-route to another unit, or triage) or reject (back to the same unit)."""
    check(step, ticket, E.DECIDE_RETURN)
    assignment = active_lead_assignment(step, ticket)
    data = {"approve": approve, "note": note_text}
    if not approve:
        # Rejected: the return counts against the unit, which carries on where it was.
        if assignment is not None:
            assignment.return_decision, assignment.decided_by, assignment.decided_at = (
                "rejected", step.actor.actor, step.now)
        back_to = S.ACCEPTED if ticket.accepted_at else S.DISPATCHED
        mark_jobs_owed(ticket)
        transition(step, ticket, back_to, E.DECIDE_RETURN, data)
        return
    if assignment is not None:
        assignment.return_decision, assignment.decided_by, assignment.decided_at = (
            "approved", step.actor.actor, step.now)
    if category is not None:
        chosen = _category(step, category)
        record_label(step, ticket, chosen, "return_approved")
        data["category"] = {"from": ticket.category.code if ticket.category else None, "to": chosen.code}
        ticket.category, ticket.category_probability = chosen, 1.0
    elif ticket.category is not None and unit is not None:
        record_label(step, ticket, ticket.category, "return_approved")
    if unit is None:
        end_assignments(step, ticket)
        ticket.lead_unit = None
        ticket.routing_reason = "退单已批准，待重新分拨"
        transition(step, ticket, S.TRIAGE, E.DECIDE_RETURN, data)
        return
    lead = unit_by_code(step, unit)
    if lead.id == ticket.lead_unit_id:
        raise Unprocessable("批准退单时应改派给另一个单位。", fields={"unit": "与原单位相同"})
    data["unit"] = lead.code
    assign_units(step, ticket, lead, [], auto=False)
    set_stage_deadlines(step, ticket)
    transition(step, ticket, S.DISPATCHED, E.DECIDE_RETURN, data)
