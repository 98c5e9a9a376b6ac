"""Follow-up routes of the JSON API (`/api/v1`).

Citizens' apps (the signed token is the only credential):
- `GET  /followups/<token>`            what the survey is about
- `POST /followups/<token>/answer`     {resolved, satisfaction, comment?}
Agents and supervisors:
- `GET  /followups/callbacks`          the callback queue: open phone follow-ups, oldest first
- `POST /followups/<id>/attempt`       {note?}: a call without an answer
- `POST /tickets/<ticket_no>/followup-answer`  {resolved, satisfaction, comment?}: the citizen's answer
  taken on the phone
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from hotline.api.bodies import json_object, page_args, paged, parse
from hotline.api.formats import iso
from hotline.auth import current_principal, require
from hotline.database import db, write_transaction
from hotline.errors import NotFound
from hotline.followup.present import followup_to_dict, matter, survey_to_dict
from hotline.followup.schemas import AnswerIn, CallIn
from hotline.followup.service import CITIZEN_APP, answer_by_phone, locked, record_answer, record_call
from hotline.followup.settings import settings
from hotline.followup.tokens import followup_for_token
from hotline.intake.phones import display_phone
from hotline.tickets.present import unit_ref
from hotline.workflow.core import Step
from hotline.workflow.sla import sla
from models import FollowUp, Ticket
from models.enums import FollowupStatus, TicketStatus

bp = Blueprint("followup", __name__, url_prefix="/api/v1")

BAD_TOKEN = "回访链接无效或已失效，请核对链接是否完整。"


def _by_token(session, token: str) -> FollowUp:
    followup = followup_for_token(session, current_app.config["SECRET_KEY"], token)
    if followup is None:
        raise NotFound(BAD_TOKEN, code="bad_token")
    return followup


def _answered(session, followup: FollowUp, ticket: Ticket, outcome: str):
    return jsonify({"outcome": outcome, "ticket_status": ticket.status,
                    "followup": followup_to_dict(followup, ticket)})


@bp.get("/followups/<token>")
def get_survey(token: str):
    session = db()
    followup = _by_token(session, token)
    return jsonify(survey_to_dict(followup, session.get(Ticket, followup.ticket_id)))


@bp.post("/followups/<token>/answer")
def answer_by_token(token: str):
    body = parse(AnswerIn, json_object())
    session = db()
    with write_transaction(session):
        followup, ticket = locked(session, _by_token(session, token).id)
        outcome = record_answer(Step(session, CITIZEN_APP, sla()), followup, body.resolved, body.satisfaction,
                                body.comment, "api", settings())
    return _answered(session, followup, ticket, outcome)


@bp.post("/tickets/<ticket_no>/followup-answer")
@require("agent", "supervisor")
def answer_by_agent(ticket_no: str):
    body = parse(AnswerIn, json_object())
    session = db()
    with write_transaction(session):
        followup, ticket, outcome = answer_by_phone(Step(session, current_principal(), sla()), ticket_no,
                                                    body.resolved, body.satisfaction, body.comment)
    return _answered(session, followup, ticket, outcome)


@bp.post("/followups/<int:followup_id>/attempt")
@require("agent", "supervisor")
def record_attempt(followup_id: int):
    body = parse(CallIn, json_object()) if request.content_length else CallIn()
    session = db()
    with write_transaction(session):
        found = locked(session, followup_id)
        if found is None:
            raise NotFound(f"回访记录 {followup_id} 不存在。")
        followup, ticket = found
        record_call(Step(session, current_principal(), sla()), followup, body.note, settings())
    return jsonify(followup_to_dict(followup, ticket))


@bp.get("/followups/callbacks")
@require("agent", "supervisor")
def callback_queue():
    page, per_page = page_args()
    config = settings()
    session = db()
    clauses = (FollowUp.status == FollowupStatus.OPEN, FollowUp.channel == "callback", Ticket.status == TicketStatus.REPLIED,
               Ticket.reopen_count == FollowUp.round)
    total = session.scalar(select(func.count()).select_from(FollowUp)
                           .join(Ticket, Ticket.id == FollowUp.ticket_id).where(*clauses))
    rows = session.execute(
        select(FollowUp, Ticket).join(Ticket, Ticket.id == FollowUp.ticket_id).where(*clauses)
        .options(selectinload(Ticket.lead_unit))  # not one query per unit on the page
        .order_by(FollowUp.created_at, FollowUp.id).limit(per_page).offset((page - 1) * per_page)
    ).all()
    items = []
    for followup, ticket in rows:
        item = followup_to_dict(followup, ticket)
        item.update({
            "attempts_max": config.attempts,
            "citizen": {"name": ticket.citizen_name, "phone": display_phone(ticket.citizen_phone)},
            "matter": matter(ticket),
            "unit": unit_ref(ticket.lead_unit),
            "reply": ticket.reply_text,
            "replied_at": iso(ticket.replied_at),
        })
        items.append(item)
    return jsonify(paged(items, page, per_page, total))
