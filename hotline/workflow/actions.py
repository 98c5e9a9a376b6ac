"""Taking an action by name with its validated body: what the API's action route and the pages call.

`perform` maps each action of the transition table to its workflow function; the function checks the
rule (rules.authorize) and writes the change and its event in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable

from hotline.workflow import schemas as b
from hotline.workflow.closing import answer, close, exclude, merge, reject, reopen
from hotline.workflow.core import Step
from hotline.workflow.dispatching import accept, decide_return, dispatch, return_ticket
from hotline.workflow.handling import decide_extension, reply, request_extension, respond
from hotline.workflow.rules import ACTION_ROUTE
from models import Ticket

Run = Callable[[Step, Ticket, b.ActionBody], object]

_RUN: dict[str, Run] = {
    "dispatch": lambda s, t, x: dispatch(s, t, x.unit, x.assisting, x.category, urgency=x.urgency),
    "accept": lambda s, t, x: accept(s, t),
    "return": lambda s, t, x: return_ticket(s, t, x.reason),
    "decide-return": lambda s, t, x: decide_return(s, t, x.approve, x.unit, x.category, x.note),
    "respond": lambda s, t, x: respond(s, t, x.note),
    "request-extension": lambda s, t, x: request_extension(s, t, x.days, x.reason),
    "decide-extension": lambda s, t, x: decide_extension(s, t, x.approve, x.note),
    "reply": lambda s, t, x: reply(s, t, x.reply, x.resolved),
    "reopen": lambda s, t, x: reopen(s, t, x.reason),
    "merge": lambda s, t, x: merge(s, t, x.into),
    "answer": lambda s, t, x: answer(s, t, x.article_id, x.answer),
    "reject": lambda s, t, x: reject(s, t, x.reason, x.referral),
    "exclude": lambda s, t, x: exclude(s, t, x.reason),
    "close": lambda s, t, x: close(s, t, {"note": x.note, "by": "supervisor"}),
}
assert set(_RUN) == set(ACTION_ROUTE), "every action of the table's action route has its function"


def perform(step: Step, ticket: Ticket, action: str, body: b.ActionBody) -> None:
    _RUN[action](step, ticket, body)
