"""Tickets: intake, reading one, listing — scoped to what the caller may see."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from hotline.api.bodies import json_object, page_args, paged, parse
from hotline.auth import current_principal, require, ticket_scope
from hotline.database import db
from hotline.deadlines.sla import sla
from hotline.errors import BadRequest, NotFound, Unprocessable
from hotline.extensions import rate_limited
from hotline.health import TICKETS_CREATED
from hotline.intake.routing import route_new_ticket
from hotline.intake.schemas import TicketIn
from hotline.intake.service import IDEMPOTENCY_KEY_MAX, create_ticket
from hotline.tickets.present import event_to_dict, ticket_to_dict
from hotline.workflow import Step
from models import Assignment, Ticket, TicketEvent, Unit
from models.enums import TicketStatus, values

bp = Blueprint("tickets", __name__, url_prefix="/api/v1")


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > IDEMPOTENCY_KEY_MAX or not key.isprintable():
        raise BadRequest(f"Idempotency-Key 应为 1–{IDEMPOTENCY_KEY_MAX} 个可打印字符。", code="bad_idempotency_key")
    return key


@bp.post("/tickets")
@rate_limited("RATELIMIT_INTAKE")
@require(keys=True)
def post_ticket():
    principal = current_principal()
    key = _idempotency_key()
    data = parse(TicketIn, json_object())
    session = db()
    step = Step(session, principal, sla())
    ticket, created = create_ticket(step, data, key, current_app.config["TIMEZONE"])
    if created:
        TICKETS_CREATED.labels(ticket.channel).inc()
        # The ticket is committed: routing can only improve it, never lose it.
        route_new_ticket(current_app._get_current_object(), session, ticket)
    body = ticket_to_dict(ticket, principal)
    response = jsonify(body)
    response.status_code = 201 if created else 200
    response.headers["Location"] = body["url"]
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def visible_ticket(ticket_no: str) -> Ticket:
    """The ticket if the caller may see it; 404 otherwise (not 403, so numbers cannot be probed)."""
    principal = current_principal()
    ticket = db().scalar(select(Ticket).where(Ticket.ticket_no == ticket_no, ticket_scope(principal)))
    if ticket is None:
        raise NotFound(f"工单 {ticket_no} 不存在，或您无权查看。")
    return ticket


@bp.get("/tickets/<ticket_no>")
@require(keys=True)
def get_ticket(ticket_no: str):
    ticket = visible_ticket(ticket_no)
    return jsonify(ticket_to_dict(ticket, current_principal()))


@bp.get("/tickets/<ticket_no>/events")
@require(keys=True)
def get_ticket_events(ticket_no: str):
    ticket = visible_ticket(ticket_no)
    events = db().scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.at, TicketEvent.id)
    )
    return jsonify({"ticket_no": ticket.ticket_no, "events": [event_to_dict(e) for e in events]})


# What ticket_to_dict reads of each ticket, loaded for a whole page at once instead of per ticket.
SHOWN_RELATIONS = (
    *(selectinload(relation) for relation in (
        Ticket.category, Ticket.lead_unit, Ticket.district, Ticket.street, Ticket.parent)),
    selectinload(Ticket.assisting_assignments).selectinload(Assignment.unit),
)


def list_filters(principal) -> list:
    """WHERE clauses from the query string (status, unit, channel, q), always within the caller's scope."""
    clauses = [ticket_scope(principal)]
    if statuses := request.args.get("status"):
        wanted = [s.strip() for s in statuses.split(",") if s.strip()]
        unknown = [s for s in wanted if s not in values(TicketStatus)]
        if unknown:
            raise Unprocessable(f"未知的状态：{'、'.join(unknown)}", fields={"status": "取值无效"})
        clauses.append(Ticket.status.in_(wanted))
    if unit_code := request.args.get("unit"):
        unit = db().scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None:
            raise Unprocessable(f"未知的单位编码：{unit_code}", fields={"unit": "单位不存在"})
        clauses.append(Ticket.lead_unit_id == unit.id)
    if (overdue := request.args.get("overdue")) is not None and overdue != "":
        if overdue.lower() not in ("true", "false", "1", "0"):
            raise Unprocessable("参数 overdue 应为 true 或 false。", fields={"overdue": "应为 true 或 false"})
        clauses.append(Ticket.overdue.is_(overdue.lower() in ("true", "1")))
    if channel := request.args.get("channel"):
        clauses.append(Ticket.channel == channel)
    if q := request.args.get("q", "").strip():
        if len(q) > 100:
            raise Unprocessable("搜索词过长（上限 100 字）。", fields={"q": "过长"})
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        clauses.append(or_(Ticket.ticket_no == q, Ticket.title.like(pattern, escape="\\"),
                           Ticket.content.like(pattern, escape="\\")))
    return clauses


@bp.get("/tickets")
@require(keys=True)
def list_tickets():
    principal = current_principal()
    page, per_page = page_args()
    clauses = list_filters(principal)
    session = db()
    total = session.scalar(select(func.count()).select_from(Ticket).where(*clauses))
    rows = session.scalars(
        select(Ticket).where(*clauses).order_by(Ticket.received_at.desc(), Ticket.id.desc())
        .options(*SHOWN_RELATIONS).limit(per_page).offset((page - 1) * per_page)
    )
    return jsonify(paged([ticket_to_dict(ticket, principal) for ticket in rows], page, per_page, total))
