"""The pages' door into the workflow: the transition table's allowed actions, the API's action path and
the one intake path — nothing of its own, so a page can never do what the API would refuse.

- `allowed_actions` — hotline.workflow.rules.allowed_actions (the buttons a person sees);
- `run_action` — hotline.tickets.service.take_action, as POST /api/v1/tickets/<no>/<action> runs it,
  with the body validated by the table's own body model;
- `submit` — hotline.intake.submit, the one intake path (the agent console, the citizens' web form).
"""

from __future__ import annotations

import secrets

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hotline.auth import Principal, hash_api_key
from hotline.database import db, write_transaction
from hotline.intake import Submitted
from hotline.intake import submit as intake_submit
from hotline.intake.service import route_safely
from hotline.tickets.service import take_action
from hotline.validation import parse
from hotline.workflow import rules
from hotline.workflow.schemas import Empty
from hotline.workflow.sla import sla
from models import ApiKey, Ticket

ACTIONS: tuple[str, ...] = rules.ACTION_ROUTE  # the actions of the action route (and so of the pages' forms)
ACTION_NAMES: dict[str, str] = {name: rule.chinese for name, rule in rules.RULES.items()}

__all__ = ["ACTIONS", "ACTION_NAMES", "Submitted", "allowed_actions", "run_action", "submit", "web_form_principal"]


def allowed_actions(principal: Principal, ticket: Ticket) -> list[str]:
    """The actions this person may take on this ticket now (the table's order), that the pages offer."""
    return [name for name in rules.allowed_actions(db(), principal, ticket) if name in ACTIONS]


def run_action(principal: Principal, ticket_no: str, action: str, body: dict) -> Ticket:
    """Validate `body` with the action's model and take the action as the API does (403/404/409/422)."""
    model = rules.RULES[action].body
    data = parse(model, body) if model is not Empty else Empty()
    return take_action(db(), principal, sla(), ticket_no, action, data)


def submit(principal: Principal, body: dict, idempotency_key: str | None = None, *,
           decide: bool = True) -> Submitted:
    """`decide=False` when the person already chose the next action (see hotline.intake.submit)."""
    return intake_submit(db(), principal, body, idempotency_key, decide=decide)


def route(ticket: Ticket) -> None:
    """Let routing decide after all (the person's chosen action could not be taken)."""
    route_safely(current_app._get_current_object(), db(), ticket)


WEB_FORM_KEY_NAME = "市民网页表单"


def web_form_principal() -> Principal:
    """The web channel's own client: complaints from the citizens' web form are recorded under it.

    A key row without a usable secret (its hash is of random bytes nobody keeps), so the form's tickets
    belong to a channel client like any other web portal's.
    """
    session = db()
    mine = select(ApiKey).where(ApiKey.name == WEB_FORM_KEY_NAME, ApiKey.channel == "web")
    key = session.scalar(mine)
    if key is None:
        try:
            with write_transaction(session):
                key = ApiKey(name=WEB_FORM_KEY_NAME, channel="web", prefix=secrets.token_hex(4),
                             key_hash=hash_api_key(secrets.token_urlsafe(32)))
                session.add(key)
        except IntegrityError:  # another request created it first (names are unique per channel)
            key = session.scalar(mine)
    return Principal("apikey", key.id, key.name, channel="web")
