"""Citizens' pages (mobile first): the web complaint form at /complaint and progress tracking at /track.

The complaint form is the web channel: it goes through the one intake path under the web form's own
channel client. Against abuse: a CSRF token, a hidden field people leave empty (a honeypot), a signed
"form shown at" time that must be a few seconds old and at most two hours, and a rate limit per address.
Tracking asks for the ticket number and the last four digits of the phone given with the complaint, and
shows progress and the reply — never the citizen's identity.
"""

from __future__ import annotations

from flask import current_app, render_template, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from hotline.database import db
from hotline.errors import ApiError
from hotline.extensions import rate_limited
from hotline.web import bp, workflow_bridge
from hotline.web.queries import history, local
from models import Ticket, clock

FORM_SALT = "citizen-complaint-form"
FORM_MAX_AGE = 2 * 3600
PUBLIC_STEPS = {"receive": "已受理", "dispatch": "已派至承办单位", "accept": "承办单位已签收",
                "respond": "承办单位已联系您", "decide-extension": "办理期限已调整", "reply": "承办单位已答复",
                "close": "已办结", "answer": "已直接答复", "reject": "不予受理", "merge": "已与相同诉求合并办理",
                "reopen": "重新办理", "decide-return": "已重新派单"}


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=FORM_SALT)


def _form(values: dict | None = None, errors: dict | None = None, status: int = 200):
    started = _serializer().dumps(clock.now().timestamp())
    return render_template("citizen/complaint.html", values=values or {}, errors=errors or {}, started=started), status


@bp.get("/complaint")
def citizen_complaint():
    return _form()


def _too_fast_or_stale() -> str | None:
    if request.form.get("website"):  # the honeypot: hidden from people, filled in by bots
        return "提交未通过校验，请刷新页面后重新填写。"
    try:
        shown_at = _serializer().loads(request.form.get("started", ""), max_age=FORM_MAX_AGE)
    except SignatureExpired:
        return "页面停留时间过长，请刷新页面后重新提交。"
    except BadSignature:
        return "提交未通过校验，请刷新页面后重新填写。"
    if clock.now().timestamp() - float(shown_at) < current_app.config["CITIZEN_FORM_MIN_SECONDS"]:
        return "提交过快，请确认内容后再提交。"
    return None


@bp.post("/complaint")
@rate_limited("RATELIMIT_CITIZEN_FORM")
def citizen_complaint_submit():
    values = {k: request.form.get(k, "").strip() for k in ("content", "address", "name", "phone")}
    problem = _too_fast_or_stale()
    if problem:
        return _form(values, {"form": problem}, 400)
    errors = {}
    if not values["phone"]:
        errors["phone"] = "请填写联系电话（用于回访和查询进度）"
    if len(values["content"]) < 5:
        errors["content"] = "请描述您反映的问题（至少 5 个字）"
    if errors:
        return _form(values, errors, 422)
    body = {"channel": "web", "content": values["content"], "citizen": {"phone": values["phone"]}}
    if values["address"]:
        body["address"] = values["address"]
    if values["name"]:
        body["citizen"]["name"] = values["name"]
    try:
        submitted = workflow_bridge.submit(workflow_bridge.web_form_principal(), body)
    except ApiError as error:
        db().rollback()
        fields = {("phone" if "phone" in k else "content" if "content" in k else "address" if "address" in k else "form"): v
                  for k, v in error.fields.items()} or {"form": error.message}
        return _form(values, fields, 422)
    return render_template("citizen/submitted.html", ticket_no=submitted.ticket.ticket_no)


@bp.get("/track")
def track():
    return render_template("citizen/track.html", values={}, error=None, ticket=None)


@bp.post("/track")
@rate_limited("RATELIMIT_TRACK")
def track_lookup():
    number = request.form.get("ticket_no", "").strip()[:20]
    last4 = "".join(ch for ch in request.form.get("last4", "") if ch.isdigit())[:4]
    values = {"ticket_no": number}
    if not number or len(last4) != 4:
        return render_template("citizen/track.html", values=values, ticket=None,
                               error="请填写工单编号和手机号后四位。"), 422
    ticket = db().scalar(select(Ticket).where(Ticket.ticket_no == number))
    if ticket is None or not (ticket.citizen_phone or "").endswith(last4):
        return render_template("citizen/track.html", values=values, ticket=None,
                               error="未找到对应的工单，请核对工单编号和手机号后四位。"), 404
    steps = [(local(e.at, "%Y-%m-%d %H:%M"), PUBLIC_STEPS[e.action]) for e in history(db(), ticket)
             if e.action in PUBLIC_STEPS]
    return render_template("citizen/track.html", values=values, ticket=ticket, steps=steps, error=None,
                           unit=ticket.lead_unit.name if ticket.lead_unit else None,
                           received=local(ticket.received_at, "%Y-%m-%d %H:%M"))


