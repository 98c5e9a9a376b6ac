"""Ending a ticket's way, or sending it round again: answer, reject, merge, reopen, close, exclude."""

from __future__ import annotations

from hotline.errors import Conflict, Unprocessable
from hotline.workflow.core import (
    Step,
    check,
    end_assignments,
    mark_jobs_owed,
    note,
    require_text,
    ticket_by_no,
    transition,
)
from hotline.workflow.dispatching import (
    EMERGENCY_REFERRALS,
    assign_units,
    record_urgency_label,
    set_stage_deadlines,
)
from hotline.workflow.schemas import REFERRALS
from models import KnowledgeArticle, Ticket
from models.enums import FINAL_STATUSES
from models.enums import EventKind as E
from models.enums import TicketStatus as S


def _finish(step: Step, ticket: Ticket) -> None:
    ticket.closed_at = step.now
    ticket.next_check_at = None  # no deadline watches a finished ticket
    ticket.overdue = False
    end_assignments(step, ticket)


def answer(step: Step, ticket: Ticket, article_id: int, answer_text: str | None = None) -> None:
    """直接答复: an inquiry answered at once from the knowledge base."""
    check(step, ticket, E.ANSWER)
    article = step.session.get(KnowledgeArticle, article_id)
    if article is None or not article.active:
        raise Unprocessable(f"知识库条目 {article_id} 不存在。", fields={"article_id": "条目不存在"})
    text = (answer_text or "").strip() or article.answer
    ticket.reply_text = text
    _finish(step, ticket)
    transition(step, ticket, S.ANSWERED, E.ANSWER, {"article": article.code, "answer": text})


def reject(step: Step, ticket: Ticket, reason: str, referral: str | None = None) -> None:
    """不予受理: out of scope, or referred to 110/119/120/122 or the legal channel."""
    check(step, ticket, E.REJECT)
    reason = require_text(reason, "reason", "不予受理理由")
    if referral is not None and referral not in REFERRALS:
        raise Unprocessable(f"转办渠道应为 {'/'.join(REFERRALS)} 之一。", fields={"referral": "取值无效"})
    if referral in EMERGENCY_REFERRALS:  # a person says: a live emergency for that service
        record_urgency_label(step, ticket, "emergency", referral, "reject")
    ticket.referral = referral
    _finish(step, ticket)
    transition(step, ticket, S.REJECTED, E.REJECT, {"reason": reason, "referral": referral})


def merge(step: Step, ticket: Ticket, into: str) -> None:
    """并单: a repeat of an open ticket becomes its child and stops its own clocks."""
    check(step, ticket, E.MERGE)
    parent = ticket_by_no(step, into)
    if parent.id == ticket.id:
        raise Unprocessable("不能与自身并单。", fields={"into": "不能是本工单"})
    if parent.status in FINAL_STATUSES:
        raise Conflict(f"目标工单 {parent.ticket_no} 已结束，不能并入。", code="invalid_state")
    ticket.parent = parent
    _finish(step, ticket)
    transition(step, ticket, S.MERGED, E.MERGE, {"into": parent.ticket_no})
    note(step, parent, E.MERGED_CHILD, {"child": ticket.ticket_no})


def reopen(step: Step, ticket: Ticket, reason: str) -> None:
    """重办: the matter is not solved; back to the same unit with fresh deadlines."""
    check(step, ticket, E.REOPEN)
    reason = require_text(reason, "reason", "重办理由")
    if ticket.lead_unit_id is None:
        raise Conflict(f"工单 {ticket.ticket_no} 没有承办单位，不能重办。", code="invalid_state")
    ticket.reopen_count += 1
    ticket.closed_at = None
    ticket.followup_due = None
    assign_units(step, ticket, ticket.lead_unit, [], auto=False)
    set_stage_deadlines(step, ticket)
    transition(step, ticket, S.DISPATCHED, E.REOPEN, {"reason": reason, "round": ticket.reopen_count})


def close(step: Step, ticket: Ticket, outcome: dict) -> None:
    """办结: the follow-up ended (rated or unrated), or a supervisor closes a replied ticket."""
    check(step, ticket, E.CLOSE)
    _finish(step, ticket)
    transition(step, ticket, S.CLOSED, E.CLOSE, outcome)


def exclude(step: Step, ticket: Ticket, reason: str) -> None:
    """不纳入考评: a supervisor takes the ticket out of the units' scoring, with a reason."""
    check(step, ticket, E.EXCLUDE)
    reason = require_text(reason, "reason", "不纳入考评理由")
    ticket.excluded, ticket.exclude_reason = True, reason
    ticket.next_check_at = None  # an excluded ticket's deadlines no longer count
    mark_jobs_owed(ticket)
    note(step, ticket, E.EXCLUDE, {"reason": reason})



