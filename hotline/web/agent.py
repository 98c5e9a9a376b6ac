"""The agent console (坐席) at /agent: take a call, see what routing thinks as you type, submit.

- `POST /agent/analyse` (JSON, analyse only, creates nothing): category, urgency/referral, jurisdiction,
  unit with confidence, duplicate candidates, knowledge-base answers for the text typed so far.
- `POST /agent/submit`: the complaint goes through the one intake path; the agent's choice (let routing
  decide, dispatch to a unit, reject with a referral, merge into a duplicate, answer from the knowledge
  base) is then run as a workflow action, if the workflow allows it for the new ticket.
- `/agent/triage`: tickets waiting for a person, top-3 suggestions, dispatch in one click.
- `/agent/callbacks`: phone follow-ups to make; record the citizen's answers or a call without answer.
"""

from __future__ import annotations

import uuid

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from hotline.api.bodies import json_object, parse
from hotline.database import db, write_transaction
from hotline.errors import ApiError
from hotline.followup.schemas import AnswerIn
from hotline.followup.service import answer_by_phone, locked, record_call
from hotline.followup.settings import settings as followup_settings
from hotline.intake.phones import display_phone, normalise_phone
from hotline.intake.routing import analyse
from hotline.web import bp, queries, workflow_bridge
from hotline.web.login import principal, staff_required
from hotline.web.tickets import action_choices
from hotline.workflow.core import Step
from hotline.workflow.schemas import REFERRALS
from hotline.workflow.sla import sla
from models import Category, FollowUp, Ticket, clock
from models.enums import CHINESE_NAMES, RequestType, Role, TicketStatus, values

DESK = (Role.AGENT, Role.SUPERVISOR)
OUTCOMES = ("auto", "dispatch", "reject", "merge", "answer")
FIELD_LABELS = {"content": "诉求内容", "citizen.phone": "来电号码", "citizen.name": "市民姓名", "address": "地址",
                "request_type": "诉求类型", "category_code": "事项分类", "title": "标题"}


class AnalyseIn(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    content: str = Field(default="", max_length=5000)
    title: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=300)
    phone: str = Field(default="", max_length=40)
    request_type: str = ""
    category_code: str = ""


@bp.get("/agent")
@staff_required(*DESK)
def agent_console():
    return _console()


def _console(values: dict | None = None, errors: dict | None = None, status: int = 200):
    choices = action_choices()
    return render_template("agent/console.html", values=values or {}, errors=errors or {},
                           request_types=[(v, CHINESE_NAMES[v]) for v in values_of_request_types()],
                           form_key=uuid.uuid4().hex, counts=_desk_counts(), **choices), status


def values_of_request_types() -> list[str]:
    return values(RequestType)


def _desk_counts() -> dict:
    session = db()
    triage = session.scalar(select(func.count()).select_from(Ticket).where(Ticket.status == "triage")) or 0
    callbacks = session.scalar(select(func.count()).select_from(FollowUp).join(Ticket, Ticket.id == FollowUp.ticket_id)
                               .where(*_callback_clauses())) or 0
    return {"triage": triage, "callbacks": callbacks}


@bp.post("/agent/analyse")
@staff_required(*DESK)
def agent_analyse():
    """What routing would make of the text so far; nothing is written."""
    body = parse(AnalyseIn, json_object())
    if len(body.content) < 4:
        return jsonify({"ready": False})
    session = db()
    phone = None
    if body.phone:
        try:
            phone = normalise_phone(body.phone)
        except ValueError:
            phone = None
    category = None
    if body.category_code:
        category = session.scalar(select(Category).where(Category.code == body.category_code))
    draft = Ticket(ticket_no="", content=body.content, title=body.title or None, address=body.address or None,
                   citizen_phone=phone, request_type=body.request_type or None, received_at=clock.now(),
                   category_id=category.id if category else None)
    draft.category = category
    app = current_app._get_current_object()
    result = analyse(app, session, draft)  # the draft is never added to the session: nothing is written
    index = result.index
    names = {code: c.name for code, c in index.categories.items()}
    top = result.predictions[:3]
    hits = index.knowledge.search(f"{body.title} {body.content}", k=3)
    request_type = body.request_type or (index.categories[top[0][0]].request_type if top and top[0][0] in index.categories else None)
    duplicates = _duplicate_rows(session, result.duplicates[:5])
    decision = result.decision
    return jsonify({
        "ready": True,
        "categories": [{"code": code, "name": names.get(code, code), "probability": round(p, 3)} for code, p in top],
        "request_type": request_type, "request_type_name": CHINESE_NAMES.get(request_type, "") if request_type else "",
        "urgency": {"level": result.urgency.urgency, "name": CHINESE_NAMES.get(result.urgency.urgency, ""),
                    "referral": result.urgency.referral, "reason": result.urgency.reason},
        "jurisdiction": {"district": result.jurisdiction.district, "street": result.jurisdiction.street,
                         "method": result.jurisdiction.method},
        "decision": {"auto": decision.auto, "unit": decision.lead_unit,
                     "unit_name": index.unit_names.get(decision.lead_unit, "") if decision.lead_unit else "",
                     "category": decision.category, "category_name": names.get(decision.category, ""),
                     "probability": round(decision.probability, 3) if decision.probability is not None else None,
                     "reason": decision.reason},
        "duplicates": duplicates,
        "answers": [{"id": index.article_ids.get(h.code), "question": h.question, "answer": h.answer,
                     "score": round(h.score, 3)} for h in hits if h.code in index.article_ids]
        if request_type == "inquiry" else [],
    })


def _duplicate_rows(session, found) -> list[dict]:
    if not found:
        return []
    rows = {t.ticket_no: t for t in session.scalars(select(Ticket).where(Ticket.ticket_no.in_([d.ticket_no for d in found])))}
    return [{"ticket_no": d.ticket_no, "score": round(d.score, 3), "reason": d.reason,
             "status": CHINESE_NAMES.get(rows[d.ticket_no].status, "") if d.ticket_no in rows else "",
             "content": rows[d.ticket_no].content[:80] if d.ticket_no in rows else ""} for d in found]


def _intake_body() -> tuple[dict, dict]:
    form = request.form
    shown = {name: form.get(name, "").strip() for name in (
        "content", "title", "address", "citizen_name", "citizen_phone", "request_type", "category_code",
        "outcome", "unit", "category", "reason", "referral", "into", "article_id")}
    shown["confidential"] = form.get("confidential") == "on"
    body: dict = {"channel": "phone", "content": shown["content"],
                  "citizen": {"confidential": shown["confidential"]}}
    for key in ("title", "address", "request_type", "category_code"):
        if shown[key]:
            body[key] = shown[key]
    if shown["citizen_name"]:
        body["citizen"]["name"] = shown["citizen_name"]
    if shown["citizen_phone"]:
        body["citizen"]["phone"] = shown["citizen_phone"]
    return shown, body


def _follow_up(outcome: str, shown: dict) -> tuple[str, dict] | None:
    """The workflow action the agent chose on submit, with its body (None: routing decides)."""
    if outcome == "dispatch" and shown["unit"]:
        body = {"unit": shown["unit"]}
        if shown["category"]:
            body["category"] = shown["category"]
        return "dispatch", body
    if outcome == "reject":
        body = {"reason": shown["reason"] or "不属于 12345 受理范围"}
        if shown["referral"] in REFERRALS:
            body["referral"] = shown["referral"]
        return "reject", body
    if outcome == "merge" and shown["into"]:
        return "merge", {"into": shown["into"]}
    if outcome == "answer" and shown["article_id"].isdigit():
        return "answer", {"article_id": int(shown["article_id"])}
    return None


@bp.post("/agent/submit")
@staff_required(*DESK)
def agent_submit():
    shown, body = _intake_body()
    outcome = shown["outcome"] if shown["outcome"] in OUTCOMES else "auto"
    key = request.form.get("form_key", "").strip()[:64] or None
    me = principal()
    chosen = _follow_up(outcome, shown)
    try:
        # The agent's own choice comes before routing's: routing then only records its facts.
        submitted = workflow_bridge.submit(me, body, idempotency_key=f"console-{key}" if key else None,
                                           decide=chosen is None)
    except ApiError as error:
        db().rollback()
        errors = {FIELD_LABELS.get(k, k): v for k, v in error.fields.items()} or {"": error.message}
        flash(f"未能登记：{error.message}", "error")
        return _console(shown, errors, status=error.status)
    ticket = submitted.ticket
    link = ticket.ticket_no
    if chosen is not None:
        action, action_body = chosen
        if action in workflow_bridge.allowed_actions(me, ticket):
            try:
                ticket = workflow_bridge.run_action(me, ticket.ticket_no, action, action_body)
            except ApiError as error:
                db().rollback()
                workflow_bridge.route(ticket)  # never left `received`: routing decides instead
                flash(f"工单 {link} 已登记，但{workflow_bridge.ACTION_NAMES[action]}未完成：{error.message}", "error")
                return redirect(url_for("web.ticket_page", ticket_no=link), 303)
        elif not (action == "dispatch" and ticket.lead_unit is not None and ticket.lead_unit.code == action_body["unit"]):
            flash(f"工单 {link} 已由系统处理为“{CHINESE_NAMES.get(ticket.status, ticket.status)}”，"
                  f"未再{workflow_bridge.ACTION_NAMES[action]}；如需调整请在工单页操作。", "info")
    if ticket.status == TicketStatus.RECEIVED:  # the chosen action did not follow: routing decides
        workflow_bridge.route(ticket)
    unit = f"，主办单位：{ticket.lead_unit.name}" if ticket.lead_unit is not None else ""
    flash(f"已登记工单 {link}（{CHINESE_NAMES.get(ticket.status, ticket.status)}{unit}）。", "ok")
    return redirect(url_for("web.agent_console", last=link), 303)


# --- triage ---------------------------------------------------------------------------------------

@bp.get("/agent/triage")
@staff_required(*DESK)
def agent_triage():
    session = db()
    return render_template("agent/triage.html", tickets=queries.triage_queue(session), local=queries.local,
                           counts=_desk_counts())


@bp.post("/agent/triage/<ticket_no>/dispatch")
@staff_required(*DESK)
def agent_triage_dispatch(ticket_no: str):
    """One click on a suggestion: dispatch to its unit with its category."""
    body = {"unit": request.form.get("unit", "")}
    if request.form.get("category"):
        body["category"] = request.form["category"]
    try:
        ticket = workflow_bridge.run_action(principal(), ticket_no, "dispatch", body)
    except ApiError as error:
        db().rollback()
        if error.status == 404:
            abort(404)
        flash(f"工单 {ticket_no} 派单未完成：{error.message}", "error")
        return redirect(url_for("web.agent_triage"), 303)
    flash(f"工单 {ticket.ticket_no} 已派至 {ticket.lead_unit.name}。", "ok")
    return redirect(url_for("web.agent_triage"), 303)


# --- follow-up callbacks --------------------------------------------------------------------------

def _callback_clauses():
    return (FollowUp.status == "open", FollowUp.channel == "callback", Ticket.status == "replied",
            Ticket.reopen_count == FollowUp.round)


@bp.get("/agent/callbacks")
@staff_required(*DESK)
def agent_callbacks():
    session = db()
    rows = session.execute(
        select(FollowUp, Ticket).join(Ticket, Ticket.id == FollowUp.ticket_id).where(*_callback_clauses())
        .options(selectinload(Ticket.lead_unit)).order_by(FollowUp.created_at, FollowUp.id).limit(50)).all()
    return render_template("agent/callbacks.html", rows=rows, local=queries.local, phone=display_phone,
                           attempts_max=followup_settings().attempts, counts=_desk_counts())


@bp.post("/agent/callbacks/<ticket_no>/answer")
@staff_required(*DESK)
def agent_callback_answer(ticket_no: str):
    values = {"resolved": request.form.get("resolved", ""), "satisfaction": request.form.get("satisfaction", ""),
              "comment": request.form.get("comment", "").strip()}
    body = {k: v for k, v in values.items() if v}
    if "resolved" in body:
        body["resolved"] = body["resolved"] == "yes"
    session = db()
    try:
        answer = parse(AnswerIn, body)
        with write_transaction(session):
            _, ticket, _ = answer_by_phone(Step(session, principal(), sla()), ticket_no, answer.resolved,
                                           answer.satisfaction, answer.comment)
    except ApiError as error:
        session.rollback()
        flash(f"工单 {ticket_no} 回访结果未保存：{error.message}", "error")
        return redirect(url_for("web.agent_callbacks"), 303)
    flash(f"已记录工单 {ticket_no} 的回访结果（{CHINESE_NAMES.get(ticket.status, ticket.status)}）。", "ok")
    return redirect(url_for("web.agent_callbacks"), 303)


@bp.post("/agent/callbacks/<int:followup_id>/attempt")
@staff_required(*DESK)
def agent_callback_attempt(followup_id: int):
    session = db()
    try:
        with write_transaction(session):
            found = locked(session, followup_id)
            if found is None:
                abort(404)
            followup, ticket = found
            record_call(Step(session, principal(), sla()), followup, request.form.get("note") or None,
                        followup_settings())
    except ApiError as error:
        session.rollback()
        flash(f"未能记录：{error.message}", "error")
        return redirect(url_for("web.agent_callbacks"), 303)
    flash(f"已记录一次未接通（工单 {ticket.ticket_no}）。", "ok")
    return redirect(url_for("web.agent_callbacks"), 303)


