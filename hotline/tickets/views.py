"""Tickets: intake, reading one, listing — scoped to what the caller may see — and hotspots (热点)."""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from flask import Blueprint, jsonify, request
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload, undefer

from hotline.api.bodies import int_arg, json_object, page_args, paged
from hotline.api.formats import iso
from hotline.auth import current_principal, require, ticket_scope
from hotline.database import db
from hotline.errors import BadRequest, NotFound, Unprocessable
from hotline.extensions import rate_limited
from hotline.intake.routing import full_text
from hotline.intake.service import IDEMPOTENCY_KEY_MAX, ROUTING_PENDING, ROUTING_QUEUED, submit
from hotline.tickets.present import event_to_dict, ticket_to_dict
from models import Assignment, Ticket, TicketEvent, Unit, clock
from models.enums import Role, TicketStatus, values
from routing import TicketText, find_hotspots

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
    result = submit(db(), principal, json_object(), key)
    body = ticket_to_dict(result.ticket, principal)
    if result.routing_pending:
        body["routing_reason"] = ROUTING_PENDING
    elif result.routing_queued:
        body["routing_reason"] = ROUTING_QUEUED
    response = jsonify(body)
    response.status_code = 201 if result.created else 200
    response.headers["Location"] = body["url"]
    if not result.created:
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


@cache
def shown_relations() -> tuple:
    """What ticket_to_dict reads of each ticket, loaded for a whole page at once instead of per ticket.
    Made at the first listing: naming relationships configures every mapper (~0.1 s), which the command
    line has no use for."""
    return (
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
        .options(*shown_relations()).limit(per_page).offset((page - 1) * per_page)
    )
    return jsonify(paged([ticket_to_dict(ticket, principal) for ticket in rows], page, per_page, total))


HOTSPOT_TICKETS_MAX = 20_000


@bp.get("/hotspots")
@require(Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
def hotspots():
    """Groups of similar tickets in one street within the window (default 24 h): one matter, many callers."""
    hours = int_arg("hours", 24, 1, 24 * 7)
    min_size = int_arg("min_size", 3, 2, 100)
    now = clock.now()
    rows = db().scalars(
        select(Ticket).where(Ticket.received_at > now - timedelta(hours=hours), Ticket.street_id.is_not(None))
        .options(selectinload(Ticket.street), selectinload(Ticket.category),  # not one query per ticket
                 undefer(Ticket.dup_text))  # the stored cleaned text: not cleaned again
        .order_by(Ticket.received_at).limit(HOTSPOT_TICKETS_MAX)
    )
    texts = [TicketText(ticket_no=t.ticket_no, text=full_text(t), phone=t.citizen_phone,
                        street=t.street.name, received_at=t.received_at,
                        category=t.category.code if t.category else None, cleaned=t.dup_text) for t in rows]
    found = find_hotspots(texts, now, window=timedelta(hours=hours), min_size=min_size)
    return jsonify({"hours": hours, "hotspots": [
        {"street": h.street, "size": h.size, "ticket_nos": list(h.ticket_nos), "sample": h.sample_text,
         "first_at": iso(h.first_at), "last_at": iso(h.last_at)} for h in found]})
