"""The survey page: `GET /survey/<token>` shows the reply and the questions; `POST` takes the answer.

The token in the link is the capability (signed, one round of one ticket), so the form needs no other
secret: a forged cross-site POST would have to know the token already. A POST without both answers, or
with a comment over 500 characters, shows the form again with the errors in Chinese; an answer that
arrives too late or twice gets a page saying so. After the answer the browser is redirected to the same
address (post/redirect/get), which then shows the thank-you page.
"""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for

from hotline.api.bodies import parse
from hotline.database import db, write_transaction
from hotline.errors import ApiError, Unprocessable
from hotline.followup.present import matter
from hotline.followup.schemas import AnswerIn
from hotline.followup.service import (
    CITIZEN_SURVEY,
    COMMENT_MAX,
    SATISFACTION,
    closed_reason,
    local_time,
    locked,
    record_answer,
)
from hotline.followup.settings import settings
from hotline.followup.tokens import followup_for_token
from hotline.web import bp
from hotline.workflow.core import Step
from hotline.workflow.sla import sla
from models import FollowUp, Ticket, clock

RESOLVED_CHOICES = {"yes": "已解决", "no": "未解决"}


def _message(title: str, message: str, status: int):
    return render_template("survey/message.html", title=title, message=message), status


def _invalid():
    return _message("链接无效", "未找到对应的回访。请核对短信中的链接是否完整，或拨打 12345 咨询。", 404)


def _page(followup: FollowUp, ticket: Ticket, *, values: dict | None = None, errors: dict | None = None,
          status: int = 200):
    config = settings()
    unit = ticket.lead_unit
    return render_template(
        "survey/form.html",
        ticket_no=ticket.ticket_no, matter=matter(ticket), unit=unit.name if unit is not None else None,
        reply=ticket.reply_text, replied_at=local_time(ticket.replied_at, config.timezone) if ticket.replied_at else None,
        expires=local_time(followup.expires_at, config.timezone), resolved_choices=RESOLVED_CHOICES,
        satisfaction_choices=SATISFACTION, values=values or {}, errors=errors or {}, comment_max=COMMENT_MAX,
    ), status


def _closed_page(followup: FollowUp, ticket: Ticket, *, posted: bool = False):
    """What a survey shows once it takes no answer (an answer posted again: 409); None while it is open."""
    reason = closed_reason(followup, ticket, clock.now())
    if reason == "answered":
        return render_template("survey/done.html", ticket_no=ticket.ticket_no, again=posted,
                               resolved=RESOLVED_CHOICES["yes" if followup.resolved else "no"],
                               satisfaction=SATISFACTION.get(followup.satisfaction, ""), comment=followup.comment,
                               closed=followup.resolved and followup.satisfaction in ("satisfied", "basic"),
                               ), 409 if posted else 200
    if reason == "expired":
        expires = local_time(followup.expires_at, settings().timezone)
        return _message("评价已截止", f"工单 {ticket.ticket_no} 的回访评价已于 {expires} 截止，感谢您的关注。"
                                      "如问题仍未解决，请拨打 12345 再次反映。", 410)
    if reason == "moved_on":
        return _message("回访已结束", f"工单 {ticket.ticket_no} 已重新办理或已办结，本次回访无需再评价。"
                                      "如有新的情况，请拨打 12345 反映。", 410)
    return None


def _form_values() -> tuple[dict, dict]:
    """The form's raw values (to show again) and the body to validate."""
    values = {name: (request.form.get(name) or "").strip() for name in ("resolved", "satisfaction", "comment")}
    body: dict = {}
    if values["resolved"] in RESOLVED_CHOICES:
        body["resolved"] = values["resolved"] == "yes"
    elif values["resolved"]:
        body["resolved"] = values["resolved"]  # not one of the choices: pydantic says so
    if values["satisfaction"]:
        body["satisfaction"] = values["satisfaction"]
    if values["comment"]:
        body["comment"] = values["comment"]
    return values, body


@bp.route("/survey/<token>", methods=["GET", "POST"])
def survey(token: str):
    session = db()
    followup = followup_for_token(session, current_app.config["SECRET_KEY"], token)
    if followup is None:
        return _invalid()
    ticket = session.get(Ticket, followup.ticket_id)
    closed = _closed_page(followup, ticket, posted=request.method == "POST")
    if request.method == "GET" or closed is not None:
        return closed if closed is not None else _page(followup, ticket)

    values, body = _form_values()
    try:
        answer = parse(AnswerIn, body)
    except Unprocessable as error:
        return _page(followup, ticket, values=values, errors=error.fields, status=422)
    try:
        with write_transaction(session):
            followup, ticket = locked(session, followup.id)
            record_answer(Step(session, CITIZEN_SURVEY, sla()), followup, answer.resolved, answer.satisfaction,
                          answer.comment, "survey", settings())
    except ApiError:
        # Answered or closed meanwhile (another tab, the expiry job): show what it is now.
        session.rollback()
        session.refresh(followup)
        session.refresh(ticket)
        return _closed_page(followup, ticket, posted=True) or _invalid()
    return redirect(url_for("web.survey", token=token), code=303)
