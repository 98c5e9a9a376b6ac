"""The transition table: the one place that says who may do what to a ticket, and when.

One `Rule` per action: the roles that may take it (or: only the lead unit's own staff), the statuses it
may start from, the statuses it leads to, an extra condition on the ticket where the status alone does
not say enough (a pending extension to decide), its request body and its Chinese name. The workflow
functions check through `authorize`; the API's 403/409 come from it; `allowed_actions` tells a caller
which actions it may take on a ticket now (the API's `actions`, the pages' buttons); the OpenAPI
document lists each action with its body from `RULES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from hotline.auth import Principal
from hotline.errors import Conflict, Forbidden
from hotline.workflow import schemas
from models import Extension, Ticket
from models.enums import CHINESE_NAMES, ExtensionStatus, Role, TicketStatus
from models.enums import EventKind as E

S = TicketStatus
Guard = Callable[[Session, Ticket], "Conflict | None"]


@dataclass(frozen=True)
class Rule:
    name: E
    chinese: str
    roles: frozenset[Role]  # staff roles that may act; empty with lead_unit_only or for system steps
    starts_from: tuple[TicketStatus, ...]
    leads_to: tuple[TicketStatus, ...]  # empty: the status stays (a note on the ticket)
    body: type[schemas.ActionBody] = schemas.Empty
    lead_unit_only: bool = False  # the lead unit's own staff, nobody else
    guard: Guard | None = None  # a further condition on the ticket; returns the 409 when it fails
    when: str = ""  # the guard in words, for people (docs/workflow.md)
    system_only: bool = False  # taken by the system (routing), never offered to a person
    own_route: str | None = None  # served by a route of its own, not POST /tickets/<no>/<action>

    def who(self) -> str:
        if self.lead_unit_only:
            return CHINESE_NAMES[Role.UNIT_STAFF] + "（主办单位）"
        return "、".join(CHINESE_NAMES[role] for role in sorted(self.roles))


def _has_pending_extension(session: Session, ticket: Ticket) -> bool:
    return bool(session.scalar(select(exists().where(Extension.ticket_id == ticket.id,
                                                     Extension.status == ExtensionStatus.PENDING))))


def _extension_to_decide(session: Session, ticket: Ticket) -> Conflict | None:
    if _has_pending_extension(session, ticket):
        return None
    return Conflict(f"工单 {ticket.ticket_no} 没有待审核的延期申请。", code="no_pending_extension")


def _no_extension_pending(session: Session, ticket: Ticket) -> Conflict | None:
    if not _has_pending_extension(session, ticket):
        return None
    return Conflict(f"工单 {ticket.ticket_no} 已有待审核的延期申请。", code="extension_pending")


def _not_excluded(_session: Session, ticket: Ticket) -> Conflict | None:
    if not ticket.excluded:
        return None
    return Conflict(f"工单 {ticket.ticket_no} 已不纳入考评。", code="already_excluded")


AGENTS = frozenset({Role.AGENT, Role.SUPERVISOR})
SUPERVISORS = frozenset({Role.SUPERVISOR})
UNIT_AT_WORK = (S.ACCEPTED, S.RESPONDED)

RULES: dict[str, Rule] = {rule.name: rule for rule in (
    Rule(E.TRIAGE, "转人工分拨", frozenset(), (S.RECEIVED,), (S.TRIAGE,), system_only=True),
    Rule(E.DISPATCH, "派单", AGENTS, (S.RECEIVED, S.TRIAGE), (S.DISPATCHED,), schemas.DispatchBody),
    Rule(E.ACCEPT, "签收", frozenset(), (S.DISPATCHED,), (S.ACCEPTED,), lead_unit_only=True),
    Rule(E.RETURN, "退单", frozenset(), (S.DISPATCHED, S.ACCEPTED), (S.RETURNED,), schemas.ReasonBody,
         lead_unit_only=True),
    Rule(E.DECIDE_RETURN, "审核退单", SUPERVISORS, (S.RETURNED,), (S.DISPATCHED, S.ACCEPTED, S.TRIAGE),
         schemas.DecideReturnBody),
    Rule(E.RESPOND, "联系市民", frozenset(), (S.ACCEPTED,), (S.RESPONDED,), schemas.RespondBody,
         lead_unit_only=True),
    Rule(E.REQUEST_EXTENSION, "申请延期", frozenset(), UNIT_AT_WORK, (), schemas.ExtensionBody,
         lead_unit_only=True, guard=_no_extension_pending, when="没有待审核的延期申请"),
    Rule(E.DECIDE_EXTENSION, "审核延期", SUPERVISORS, UNIT_AT_WORK, (), schemas.DecideExtensionBody,
         guard=_extension_to_decide, when="有待审核的延期申请"),
    Rule(E.REPLY, "答复", frozenset(), (S.RESPONDED,), (S.REPLIED,), schemas.ReplyBody, lead_unit_only=True),
    Rule(E.REOPEN, "重办", AGENTS, (S.REPLIED, S.CLOSED), (S.DISPATCHED,), schemas.ReasonBody),
    Rule(E.MERGE, "并单", AGENTS, (S.RECEIVED, S.TRIAGE, S.DISPATCHED, S.RETURNED), (S.MERGED,),
         schemas.MergeBody),
    Rule(E.ANSWER, "直接答复", AGENTS, (S.RECEIVED, S.TRIAGE), (S.ANSWERED,), schemas.AnswerBody),
    Rule(E.REJECT, "不予受理", AGENTS, (S.RECEIVED, S.TRIAGE), (S.REJECTED,), schemas.RejectBody),
    Rule(E.EXCLUDE, "不纳入考评", SUPERVISORS, tuple(S), (), schemas.ReasonBody, guard=_not_excluded,
         when="尚未不纳入考评"),
    Rule(E.CLOSE, "办结", SUPERVISORS, (S.REPLIED,), (S.CLOSED,), schemas.CloseBody),
    # 回访: an agent records the citizen's answer (the system then closes or reopens) or a call without one.
    Rule(E.FOLLOWUP_ANSWER, "记录回访结果", AGENTS, (S.REPLIED,), (),
         own_route="/api/v1/tickets/<ticket_no>/followup-answer"),
    Rule(E.FOLLOWUP_CALL, "记录回访电话", AGENTS, (S.REPLIED,), (), own_route="/api/v1/followups/<id>/attempts"),
)}

# The actions people take (the system's own steps are not offered), and those of POST /tickets/<no>/<action>.
PUBLIC_ACTIONS: tuple[str, ...] = tuple(name for name, rule in RULES.items() if not rule.system_only)
ACTION_ROUTE: tuple[str, ...] = tuple(name for name in PUBLIC_ACTIONS if RULES[name].own_route is None)


def _refusal(rule: Rule, actor: Principal, ticket: Ticket) -> Forbidden | None:
    """Why this actor may not take the action on this ticket at all (whatever its status), or None."""
    if actor.kind == "system":
        return None
    if rule.system_only:
        return Forbidden(f"{rule.chinese}由系统自动完成。")
    if rule.lead_unit_only:
        if not actor.has_role(Role.UNIT_STAFF):
            return Forbidden(f"只有承办单位人员可以{rule.chinese}。")
        if ticket.lead_unit_id is None or actor.unit_id != ticket.lead_unit_id:
            return Forbidden(f"工单 {ticket.ticket_no} 不是本单位主办，不能{rule.chinese}。")
        return None
    if not actor.has_role(*rule.roles):
        return Forbidden(f"只有{rule.who()}可以{rule.chinese}。")
    return None


def _state_conflict(rule: Rule, session: Session, ticket: Ticket) -> Conflict | None:
    """Why the ticket's state does not allow the action now, or None."""
    if ticket.status not in rule.starts_from:
        names = "、".join(CHINESE_NAMES[s] for s in rule.starts_from)
        here = CHINESE_NAMES.get(ticket.status, ticket.status)
        return Conflict(f"工单 {ticket.ticket_no} 当前状态为“{here}”，不能{rule.chinese}（仅限：{names}）。",
                        code="invalid_state")
    return rule.guard(session, ticket) if rule.guard is not None else None


def authorize(session: Session, actor: Principal, ticket: Ticket, action: str) -> Rule:
    """The rule of `action`, or Forbidden (403: not this actor's to take) / Conflict (409: not now)."""
    rule = RULES[action]
    problem = _refusal(rule, actor, ticket) or _state_conflict(rule, session, ticket)
    if problem is not None:
        raise problem
    return rule


def allowed_actions(session: Session, actor: Principal, ticket: Ticket) -> list[str]:
    """The actions this actor may take on this ticket now, in the table's order."""
    return [name for name in PUBLIC_ACTIONS
            if _refusal(RULES[name], actor, ticket) is None
            and _state_conflict(RULES[name], session, ticket) is None]
