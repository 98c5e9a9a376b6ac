"""One ticket for staff (`/tickets/<ticket_no>`): facts, history, and the actions this person may take.

The buttons are the workflow's allowed actions for this person and ticket; a form posts to
`/tickets/<ticket_no>/act/<action>`, which validates with the API's body model and runs the same workflow
function inside the ticket's row lock (hotline.web.workflow_bridge).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from hotline.auth import ticket_scope
from hotline.database import db
from hotline.errors import ApiError
from hotline.web import bp, queries, workflow_bridge
from hotline.web.login import _safe_next, principal, staff_required
from hotline.web.present import EVENT_NAMES, citizen_view, event_text
from hotline.workflow.schemas import MAX_EXTENSION_DAYS, REFERRALS
from models import Category, Extension, FollowUp, KnowledgeArticle, Ticket, Unit

BOOLEAN_FIELDS = ("approve", "resolved")
INTEGER_FIELDS = ("days", "article_id")
REFERRAL_NAMES = {"110": "110 公安", "119": "119 消防", "120": "120 急救", "122": "122 交通事故", "legal": "司法途径"}


def visible_ticket_or_404(ticket_no: str) -> Ticket:
    ticket = db().scalar(select(Ticket).where(Ticket.ticket_no == ticket_no, ticket_scope(principal()))
                         .options(*queries.shown()))
    if ticket is None:
        abort(404)
    return ticket


def form_body(action: str) -> dict:
    """The posted form as the action's JSON body (checkbox/select words → booleans, numbers → int)."""
    body: dict = {}
    for name, value in request.form.items():
        if name in ("csrf_token", "next"):
            continue
        value = value.strip()
        if name in BOOLEAN_FIELDS:
            body[name] = value in ("true", "1", "yes", "on")
        elif name in INTEGER_FIELDS:
            body[name] = int(value) if value.isdigit() else value
        elif name == "assisting":
            body[name] = request.form.getlist(name)
        elif value:
            body[name] = value
    if action == "reply":
        body.setdefault("resolved", False)
    return body


def action_choices() -> dict:
    session = db()
    return {
        "units": session.execute(select(Unit.code, Unit.name).where(Unit.active.is_(True)).order_by(Unit.unit_group, Unit.code)).all(),
        "categories": session.execute(select(Category.code, Category.name).where(Category.parent_id.is_not(None))
                                      .order_by(Category.position, Category.code)).all(),
        "referrals": [(r, REFERRAL_NAMES.get(r, r)) for r in REFERRALS],
        "max_days": MAX_EXTENSION_DAYS,
    }


def render_ticket(ticket: Ticket, *, status: int = 200):
    me = principal()
    session = db()
    allowed = workflow_bridge.allowed_actions(me, ticket)
    articles = []
    if "answer" in allowed:
        articles = session.execute(select(KnowledgeArticle.id, KnowledgeArticle.question).where(
            KnowledgeArticle.active.is_(True)).order_by(KnowledgeArticle.code)).all()
    extension = session.scalar(select(Extension).where(Extension.ticket_id == ticket.id)
                               .order_by(Extension.requested_at.desc()).limit(1))
    followup = session.scalar(select(FollowUp).where(FollowUp.ticket_id == ticket.id)
                              .order_by(FollowUp.round.desc()).limit(1))
    choices = action_choices()
    unit_names = dict(choices["units"])
    return render_template(
        "tickets/detail.html", t=ticket, due=queries.current_due(ticket), citizen=citizen_view(ticket, me),
        events=queries.history(session, ticket), event_names=EVENT_NAMES, event_text=lambda e: event_text(e, unit_names),
        allowed=allowed, action_names=workflow_bridge.ACTION_NAMES, articles=articles, extension=extension,
        followup=followup, local=queries.local, back=_safe_next(request.values.get("next")), **choices,
    ), status


@bp.get("/tickets/<ticket_no>")
@staff_required()
def ticket_page(ticket_no: str):
    return render_ticket(visible_ticket_or_404(ticket_no))


@bp.post("/tickets/<ticket_no>/act/<action>")
@staff_required()
def ticket_act(ticket_no: str, action: str):
    if action not in workflow_bridge.ACTIONS:
        abort(404)
    visible_ticket_or_404(ticket_no)
    try:
        ticket = workflow_bridge.run_action(principal(), ticket_no, action, form_body(action))
    except ApiError as error:
        db().rollback()
        if error.status == 404 and error.code == "not_found" and "工单" in error.message:
            abort(404)
        detail = "；".join(f"{v}" for v in error.fields.values()) if error.fields else ""
        flash(f"{workflow_bridge.ACTION_NAMES.get(action, action)}未完成：{error.message}"
              + (f"（{detail}）" if detail and detail not in error.message else ""), "error")
        return render_ticket(visible_ticket_or_404(ticket_no), status=error.status)
    flash(f"工单 {ticket.ticket_no} 已{workflow_bridge.ACTION_NAMES.get(action, action)}，"
          f"当前状态：{queries.CHINESE_NAMES.get(ticket.status, ticket.status)}。", "ok")
    return redirect(_safe_next(request.form.get("next")) or url_for("web.ticket_page", ticket_no=ticket.ticket_no), 303)
