"""回访 as workflow steps: open a round at the reply, record the citizen's answer and act on it, record
the agents' calls, and close an unanswered round as unrated.

Like hotline.workflow, every function works in the caller's transaction with a `Step`, writes its audit
events, and leaves ticket status changes to the workflow's own transitions (`workflow.close`,
`workflow.reopen`), run as the SYSTEM actor since they follow from the citizen's answer or from time.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.auth import SYSTEM, Principal
from hotline.errors import ApiError, Conflict, NotFound, Unprocessable
from hotline.followup.channels import choose_channel
from hotline.followup.settings import FollowupSettings, settings
from hotline.notifications.service import notify
from hotline.workflow.closing import close, reopen
from hotline.workflow.core import Step, check, locked_ticket, note, on_transition
from models import FollowUp, Ticket
from models.enums import EventKind as E
from models.enums import FollowupStatus, TicketStatus

SATISFACTION = {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意"}
VIA = ("survey", "api", "agent")
COMMENT_MAX = 500

# Who answered, as written in the audit trail: the citizen has no account, the capability is the link.
CITIZEN_SURVEY = Principal("citizen", 0, "survey")
CITIZEN_APP = Principal("citizen", 0, "app")


class Gone(ApiError):
    """The follow-up's window has passed: the answer can no longer be taken."""

    status, code = 410, "followup_expired"


def local_time(when: datetime, timezone: str) -> str:
    local = when.astimezone(ZoneInfo(timezone))
    return f"{local.month}月{local.day}日 {local:%H:%M}"


# --- opening a round ------------------------------------------------------------------------------

@on_transition(E.REPLY)
def open_followup(step: Step, ticket: Ticket, config: FollowupSettings | None = None) -> FollowUp:
    """At the reply (subscribed to the workflow's `reply` transition, in its transaction): the follow-up
    round of this reply (one per ticket and round; a second call returns it)."""
    config = config or settings()
    existing = current_followup(step.session, ticket)
    if existing is not None:
        return existing
    channel = choose_channel(ticket, config)
    followup = FollowUp(
        ticket_id=ticket.id, unit_id=ticket.lead_unit_id, round=ticket.reopen_count, channel=channel,
        status=FollowupStatus.OPEN, attempts=0, next_attempt_at=step.now if channel != "none" else None,
        expires_at=step.now + config.window, created_at=step.now,
    )
    step.session.add(followup)
    step.session.flush()
    note(step, ticket, E.FOLLOWUP_OPEN, {"round": followup.round, "channel": channel,
                                         "expires_at": followup.expires_at.isoformat()})
    if channel == "callback":
        notify(step.session, audience="agent", kind="callback", ticket=ticket,
               dedupe_key=f"callback:{ticket.id}:{followup.round}",
               message=f"【回访】工单 {ticket.ticket_no} 已答复，请电话回访市民"
                       f"（{local_time(followup.expires_at, config.timezone)}前）。")
    return followup


# --- reading and locking --------------------------------------------------------------------------

def moved_on(followup: FollowUp, ticket: Ticket) -> bool:
    """The ticket left this round (a supervisor reopened or closed it): the round can take no answer."""
    return ticket.status != TicketStatus.REPLIED or ticket.reopen_count != followup.round


def locked(session: Session, followup_id: int) -> tuple[FollowUp, Ticket] | None:
    """The follow-up and its ticket under row locks (ticket first, as the workflow's routes lock it)."""
    ticket_id = session.scalar(select(FollowUp.ticket_id).where(FollowUp.id == followup_id))
    if ticket_id is None:
        return None
    ticket = locked_ticket(session, Ticket.id == ticket_id)
    followup = session.scalar(select(FollowUp).where(FollowUp.id == followup_id).with_for_update()
                              .execution_options(populate_existing=True))
    return followup, ticket


def current_followup(session: Session, ticket: Ticket) -> FollowUp | None:
    """The follow-up of the ticket's current round (None before the first reply of the round)."""
    return session.scalar(
        select(FollowUp).where(FollowUp.ticket_id == ticket.id, FollowUp.round == ticket.reopen_count)
    )


def closed_reason(followup: FollowUp, ticket: Ticket, now: datetime) -> str | None:
    """Why the round takes no answer: "answered", "expired" or "moved_on"; None while it can be answered."""
    if followup.status == FollowupStatus.ANSWERED:
        return "answered"
    if followup.status == FollowupStatus.UNRATED or (followup.status == FollowupStatus.OPEN and now >= followup.expires_at):
        return "expired"
    if followup.status != FollowupStatus.OPEN or moved_on(followup, ticket):
        return "moved_on"
    return None


def next_attempt_due(followup: FollowUp, config: FollowupSettings) -> datetime | None:
    """When the next attempt to reach the citizen is due, after those made so far; None when none is left."""
    offsets = config.attempt_offsets()
    return followup.created_at + offsets[followup.attempts] if followup.attempts < len(offsets) else None


def require_answerable(step: Step, followup: FollowUp, ticket: Ticket, timezone: str) -> None:
    reason = closed_reason(followup, ticket, step.now)
    if reason == "answered":
        raise Conflict(f"工单 {ticket.ticket_no} 的本轮回访已评价，不能重复评价。", code="already_answered")
    if reason == "expired":
        raise Gone(f"评价期限已于 {local_time(followup.expires_at, timezone)} 截止，"
                   f"工单 {ticket.ticket_no} 的本轮回访已结束，不能再评价。")
    if reason == "moved_on":
        raise Conflict(f"工单 {ticket.ticket_no} 已重办或已办结，本轮回访已失效。", code="followup_closed")


# --- the answer -----------------------------------------------------------------------------------

def record_answer(step: Step, followup: FollowUp, resolved: bool, satisfaction: str, comment: str | None,
                  via: str, config: FollowupSettings | None = None) -> str:
    """The citizen's answer (from the survey page, the app, or an agent on the phone) and what follows:

    resolved and satisfied / basically satisfied → closed (rated); unresolved or unsatisfied → reopened
    (重办) to the same unit the first time, and after a reopen left `replied` for a supervisor to decide
    (notified). Returns "closed", "reopened" or "supervisor".
    """
    config = config or settings()
    if via not in VIA:
        raise ValueError(f"via must be one of {VIA}, not {via!r}")
    ticket = step.session.get(Ticket, followup.ticket_id)
    if via == "agent":
        check(step, ticket, E.FOLLOWUP_ANSWER)
    if satisfaction not in SATISFACTION:
        raise Unprocessable("满意程度应为满意、基本满意或不满意。", fields={"satisfaction": "取值无效"})
    comment = (comment or "").strip() or None
    if comment is not None and len(comment) > COMMENT_MAX:
        raise Unprocessable(f"意见不能超过 {COMMENT_MAX} 字。", fields={"comment": f"不能超过 {COMMENT_MAX} 个字符"})
    require_answerable(step, followup, ticket, config.timezone)

    followup.status, followup.resolved, followup.satisfaction, followup.comment = (
        "answered", resolved, satisfaction, comment)
    followup.answered_at, followup.answered_via, followup.next_attempt_at = step.now, via, None
    ticket.resolved, ticket.satisfaction, ticket.rated_at = resolved, satisfaction, step.now
    note(step, ticket, E.FOLLOWUP_ANSWER, {"round": followup.round, "resolved": resolved,
                                           "satisfaction": satisfaction, "comment": comment, "via": via})

    system = replace(step, actor=SYSTEM)
    if resolved and satisfaction in ("satisfied", "basic"):
        close(system, ticket, {"rated": True, "resolved": True, "satisfaction": satisfaction,
                               "round": followup.round})
        return "closed"
    complaint = "，".join(part for part in (
        "问题未解决" if not resolved else "",
        "对办理结果不满意" if satisfaction == "unsatisfied" else "",
    ) if part)
    detail = complaint + (f"。市民意见：{comment}" if comment else "")
    if ticket.reopen_count == 0:
        reopen(system, ticket, f"回访不满意/未解决：{detail}")
        return "reopened"

    notify(step.session, audience="supervisor", kind="followup", ticket=ticket,
           dedupe_key=f"followup:{followup.id}:decision",
           message=f"【回访】工单 {ticket.ticket_no} 已重办 {ticket.reopen_count} 次，市民仍反映{detail}。"
                   f"请督办决定再次重办或办结。")
    note(step, ticket, E.FOLLOWUP_TO_SUPERVISOR, {"round": followup.round})
    return "supervisor"


def answer_by_phone(step: Step, ticket_no: str, resolved: bool, satisfaction: str,
                    comment: str | None) -> tuple[FollowUp, Ticket, str]:
    """An agent records the answer the citizen gave on the phone, for the ticket's current round (the API's
    followup-answer and the agents' callback page). The caller owns the transaction."""
    session = step.session
    ticket_id = session.scalar(select(Ticket.id).where(Ticket.ticket_no == ticket_no))
    if ticket_id is None:
        raise NotFound(f"工单 {ticket_no} 不存在。")
    followup = current_followup(session, session.get(Ticket, ticket_id))
    if followup is None:
        raise Conflict(f"工单 {ticket_no} 当前没有待回访的答复。", code="no_followup")
    followup, ticket = locked(session, followup.id)
    return followup, ticket, record_answer(step, followup, resolved, satisfaction, comment, "agent", settings())


# --- the agents' calls ----------------------------------------------------------------------------

def record_call(step: Step, followup: FollowUp, note_text: str | None,
                config: FollowupSettings | None = None) -> FollowUp:
    """An agent called the citizen back without getting an answer (an answer is `record_answer`)."""
    config = config or settings()
    ticket = step.session.get(Ticket, followup.ticket_id)
    check(step, ticket, E.FOLLOWUP_CALL)
    if followup.channel != "callback":
        raise Conflict(f"工单 {ticket.ticket_no} 的回访通过{'短信' if followup.channel == 'sms' else '其他渠道'}"
                       f"进行，无需登记回访电话。", code="not_a_callback")
    require_answerable(step, followup, ticket, config.timezone)
    if followup.attempts >= config.attempts:
        raise Conflict(f"工单 {ticket.ticket_no} 已回访 {followup.attempts} 次，达到上限；"
                       f"市民来电时仍可登记回访结果。", code="attempts_exhausted")
    followup.attempts += 1
    followup.next_attempt_at = next_attempt_due(followup, config)
    note(step, ticket, E.FOLLOWUP_CALL, {"round": followup.round, "attempt": followup.attempts,
                                         "note": (note_text or "").strip() or None})
    return followup


# --- the end of the window ------------------------------------------------------------------------

def expire(step: Step, followup: FollowUp, ticket: Ticket) -> str:
    """No answer by the end of the window → the ticket closes as unrated (未评价)."""
    if followup.status != FollowupStatus.OPEN:
        return "done"
    if moved_on(followup, ticket):
        cancel(followup)
        return "cancelled"
    if step.now < followup.expires_at:
        return "early"
    followup.status, followup.next_attempt_at = FollowupStatus.UNRATED, None
    close(replace(step, actor=SYSTEM), ticket, {"rated": False, "round": followup.round})
    return "unrated"


def cancel(followup: FollowUp) -> None:
    """A supervisor reopened or closed the ticket while the round was open: it takes no more answers."""
    followup.status, followup.next_attempt_at = FollowupStatus.CANCELLED, None
