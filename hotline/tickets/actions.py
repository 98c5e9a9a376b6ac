"""POST /api/v1/tickets/<ticket_no>/<action>: every workflow transition over HTTP.

The transition table (hotline.workflow.rules) names each action's body; the body is validated at the
edge, then the one workflow function runs under the ticket's row lock (tickets.service.take_action).
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from hotline.api.bodies import json_object, parse
from hotline.auth import current_principal, require
from hotline.database import db
from hotline.errors import NotFound
from hotline.tickets.present import ticket_to_dict
from hotline.tickets.service import take_action
from hotline.workflow.rules import ACTION_ROUTE, RULES
from hotline.workflow.schemas import Empty
from hotline.workflow.sla import sla

bp = Blueprint("actions", __name__, url_prefix="/api/v1")


@bp.post("/tickets/<ticket_no>/<action>")
@require()
def ticket_action(ticket_no: str, action: str):
    if action not in ACTION_ROUTE:
        raise NotFound(f"不支持的操作“{action}”。可用操作：{'、'.join(ACTION_ROUTE)}。")
    model = RULES[action].body
    body = parse(model, json_object()) if model is not Empty or request.content_length else Empty()
    principal = current_principal()
    session = db()
    ticket = take_action(session, principal, sla(), ticket_no, action, body)
    return jsonify(ticket_to_dict(ticket, principal))
