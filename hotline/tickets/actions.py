"""POST /api/v1/tickets/<ticket_no>/<action>: every workflow transition over HTTP.

Each action validates its body at the edge, runs the one workflow function for it inside a transaction
holding the ticket's row lock, and schedules the deadline jobs after the commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from flask import Blueprint, jsonify
from pydantic import BaseModel, ConfigDict, Field

from hotline import workflow
from hotline.api.bodies import json_object, parse
from hotline.auth import current_principal, require, ticket_scope
from hotline.database import db, write_transaction
from hotline.deadlines.schedule import schedule_after_commit
from hotline.deadlines.sla import sla
from hotline.errors import NotFound
from hotline.tickets.present import ticket_to_dict
from hotline.workflow.closing import Referral
from hotline.workflow.core import locked_ticket
from hotline.workflow.handling import MAX_EXTENSION_DAYS
from models import Ticket

bp = Blueprint("actions", __name__, url_prefix="/api/v1")

Code = Annotated[str, Field(min_length=1, max_length=40)]
Text = Annotated[str, Field(min_length=1, max_length=2000)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Empty(_Body):
    pass


class DispatchBody(_Body):
    unit: Code
    assisting: Annotated[list[Code], Field(max_length=5)] = []
    category: Code | None = None


class ReasonBody(_Body):
    reason: Text


class DecideReturnBody(_Body):
    approve: bool
    unit: Code | None = None
    category: Code | None = None
    note: Text | None = None


class RespondBody(_Body):
    note: Text


class ExtensionBody(_Body):
    days: Annotated[int, Field(ge=1, le=MAX_EXTENSION_DAYS)]
    reason: Text


class DecideExtensionBody(_Body):
    approve: bool
    note: Text | None = None


class ReplyBody(_Body):
    reply: Annotated[str, Field(min_length=1, max_length=5000)]
    resolved: bool


class CloseBody(_Body):
    note: Text


class MergeBody(_Body):
    into: Annotated[str, Field(min_length=1, max_length=20)]


class AnswerBody(_Body):
    article_id: int
    answer: Annotated[str, Field(max_length=5000)] | None = None


class RejectBody(_Body):
    reason: Text
    referral: Referral | None = None


@dataclass(frozen=True)
class Action:
    body: type[_Body]
    run: Callable[[workflow.Step, Ticket, _Body], object]


ACTIONS: dict[str, Action] = {
    "dispatch": Action(DispatchBody, lambda s, t, b: workflow.dispatch(s, t, b.unit, b.assisting, b.category)),
    "accept": Action(Empty, lambda s, t, b: workflow.accept(s, t)),
    "return": Action(ReasonBody, lambda s, t, b: workflow.return_ticket(s, t, b.reason)),
    "decide-return": Action(DecideReturnBody,
                            lambda s, t, b: workflow.decide_return(s, t, b.approve, b.unit, b.category, b.note)),
    "respond": Action(RespondBody, lambda s, t, b: workflow.respond(s, t, b.note)),
    "request-extension": Action(ExtensionBody, lambda s, t, b: workflow.request_extension(s, t, b.days, b.reason)),
    "decide-extension": Action(DecideExtensionBody, lambda s, t, b: workflow.decide_extension(s, t, b.approve, b.note)),
    "reply": Action(ReplyBody, lambda s, t, b: workflow.reply(s, t, b.reply, b.resolved)),
    "reopen": Action(ReasonBody, lambda s, t, b: workflow.reopen(s, t, b.reason)),
    "merge": Action(MergeBody, lambda s, t, b: workflow.merge(s, t, b.into)),
    "answer": Action(AnswerBody, lambda s, t, b: workflow.answer(s, t, b.article_id, b.answer)),
    "reject": Action(RejectBody, lambda s, t, b: workflow.reject(s, t, b.reason, b.referral)),
    "exclude": Action(ReasonBody, lambda s, t, b: workflow.exclude(s, t, b.reason)),
    "close": Action(CloseBody, lambda s, t, b: workflow.close(s, t, {"note": b.note, "by": "supervisor"})),
}


def _locked_ticket(session, ticket_no: str, principal) -> Ticket:
    ticket = locked_ticket(session, Ticket.ticket_no == ticket_no, ticket_scope(principal))
    if ticket is None:
        raise NotFound(f"工单 {ticket_no} 不存在，或您无权查看。")
    return ticket


@bp.post("/tickets/<ticket_no>/<action>")
@require()
def ticket_action(ticket_no: str, action: str):
    spec = ACTIONS.get(action)
    if spec is None:
        raise NotFound(f"不支持的操作“{action}”。可用操作：{'、'.join(ACTIONS)}。")
    body = parse(spec.body, json_object()) if spec.body is not Empty else _optional_empty_body()
    principal = current_principal()
    session = db()
    with write_transaction(session):
        ticket = _locked_ticket(session, ticket_no, principal)
        spec.run(workflow.Step(session, principal, sla()), ticket, body)
    schedule_after_commit(session, ticket)
    return jsonify(ticket_to_dict(ticket, principal))


def _optional_empty_body() -> Empty:
    """`accept` takes no fields: an empty body, `{}` or no body at all are all fine."""
    from flask import request

    if request.content_length:
        return parse(Empty, json_object())
    return Empty()
