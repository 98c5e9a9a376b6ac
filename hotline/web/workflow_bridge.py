"""The pages' one door into the workflow: which actions a person may take, running one, taking in a complaint.

Everything here forwards to the code path the JSON API uses, so a page can never do what the API would
refuse (or the other way round). It is the one module to repoint when the workflow core gains its
transition table (`hotline.workflow.rules`) and its single intake path (`hotline.intake.submit`).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from hotline import workflow
from hotline.api.bodies import parse
from hotline.auth import Principal
from hotline.database import db, write_transaction
from hotline.deadlines.schedule import schedule_after_commit
from hotline.deadlines.sla import sla
from hotline.intake.routing import route_new_ticket
from hotline.intake.schemas import TicketIn
from hotline.intake.service import create_ticket
from hotline.tickets.actions import ACTIONS, Empty, _locked_ticket
from hotline.workflow.closing import MERGEABLE
from hotline.workflow.core import ACTION_NAMES
from hotline.workflow.dispatching import DISPATCHABLE
from models import ApiKey, Extension, Ticket
from models.enums import Role

__all__ = ["ACTION_NAMES", "ACTIONS", "Submitted", "allowed_actions", "run_action", "submit"]

_STAFF_DESK = (Role.AGENT, Role.SUPERVISOR)


@dataclass(frozen=True)
class _Rule:
    roles: tuple[str, ...]
    statuses: tuple[str, ...] | None  # None: any status
    lead_unit_only: bool = False


# Who may do what from which status — as the workflow functions check it (hotline/workflow/*.py).
# To be replaced by hotline.workflow.rules.allowed_actions when that table lands.
_RULES: dict[str, _Rule] = {
    "dispatch": _Rule(_STAFF_DESK, DISPATCHABLE),
    "merge": _Rule(_STAFF_DESK, MERGEABLE),
    "answer": _Rule(_STAFF_DESK, ("received", "triage")),
    "reject": _Rule(_STAFF_DESK, ("received", "triage")),
    "accept": _Rule((Role.UNIT_STAFF,), ("dispatched",), lead_unit_only=True),
    "return": _Rule((Role.UNIT_STAFF,), ("dispatched", "accepted"), lead_unit_only=True),
    "respond": _Rule((Role.UNIT_STAFF,), ("accepted",), lead_unit_only=True),
    "request-extension": _Rule((Role.UNIT_STAFF,), ("accepted", "responded"), lead_unit_only=True),
    "reply": _Rule((Role.UNIT_STAFF,), ("responded",), lead_unit_only=True),
    "decide-return": _Rule((Role.SUPERVISOR,), ("returned",)),
    "decide-extension": _Rule((Role.SUPERVISOR,), None),
    "reopen": _Rule(_STAFF_DESK, ("replied", "closed")),
    "close": _Rule((Role.SUPERVISOR,), ("replied",)),
    "exclude": _Rule((Role.SUPERVISOR,), None),
}


def _pending_extension(ticket: Ticket) -> bool:
    return db().scalar(select(Extension.id).where(Extension.ticket_id == ticket.id,
                                                  Extension.status == "pending").limit(1)) is not None


def allowed_actions(principal: Principal, ticket: Ticket) -> list[str]:
    """The actions this person may take on this ticket now, in the table's order."""
    allowed = []
    for name, rule in _RULES.items():
        if not principal.has_role(*rule.roles):
            continue
        if rule.statuses is not None and ticket.status not in rule.statuses:
            continue
        if rule.lead_unit_only and (ticket.lead_unit_id is None or ticket.lead_unit_id != principal.unit_id):
            continue
        if name == "decide-extension" and not _pending_extension(ticket):
            continue
        if name == "exclude" and ticket.excluded:
            continue
        allowed.append(name)
    return allowed


def run_action(principal: Principal, ticket_no: str, action: str, body: dict) -> Ticket:
    """Validate `body` with the action's model and run its workflow function, as the API does."""
    spec = ACTIONS[action]
    data = parse(spec.body, body) if spec.body is not Empty else Empty()
    session = db()
    with write_transaction(session):
        ticket = _locked_ticket(session, ticket_no, principal)
        spec.run(workflow.Step(session, principal, sla()), ticket, data)
    schedule_after_commit(session, ticket)
    return ticket


@dataclass(frozen=True)
class Submitted:
    ticket: Ticket
    created: bool


def submit(principal: Principal, body: dict, idempotency_key: str | None = None) -> Submitted:
    """The intake path of `POST /api/v1/tickets`: validate, create and commit, then route."""
    data = parse(TicketIn, body)
    session = db()
    ticket, created = create_ticket(workflow.Step(session, principal, sla()), data, idempotency_key,
                                    current_app.config["TIMEZONE"])
    if created:
        route_new_ticket(current_app._get_current_object(), session, ticket)
    return Submitted(ticket, created)


WEB_FORM_KEY_NAME = "市民网页表单"


def web_form_principal() -> Principal:
    """The web channel's own client: complaints from the citizens' web form are recorded under it.

    A key row without a usable secret (its hash is of random bytes nobody keeps), so the form's tickets
    belong to a channel client like any other web portal's.
    """
    import secrets

    from hotline.auth import hash_api_key

    session = db()
    key = session.scalar(select(ApiKey).where(ApiKey.name == WEB_FORM_KEY_NAME, ApiKey.channel == "web",
                                              ApiKey.revoked_at.is_(None)))
    if key is None:
        with write_transaction(session):
            key = ApiKey(name=WEB_FORM_KEY_NAME, channel="web", prefix=secrets.token_hex(4),
                         key_hash=hash_api_key(secrets.token_urlsafe(32)))
            session.add(key)
    return Principal("apikey", key.id, key.name, channel="web")
