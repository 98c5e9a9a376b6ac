"""Open311 queries and the POST: services from the matter types, requests from the public tickets."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from hotline.auth import Principal
from hotline.database import db, write_transaction
from hotline.errors import BadRequest, NotFound
from hotline.intake import submit
from hotline.open311.schemas import RequestForm
from models import Category, Open311Request, Ticket, TicketEvent, clock
from models.enums import FINAL_STATUSES, OPEN_STATUSES, Channel

WINDOW = timedelta(days=90)  # the spec: a date range may not span more than 90 days
PAGE_SIZE_MAX = 1000  # the spec: at most 1,000 requests per answer


# --- services -------------------------------------------------------------------------------------

def services(session: Session) -> list[tuple[Category, Category]]:
    """(matter type, its group) for every matter type, in the city file's order."""
    groups = {c.id: c for c in session.scalars(select(Category).where(Category.parent_id.is_(None)))}
    leaves = session.scalars(select(Category).where(Category.parent_id.is_not(None)))
    pairs = [(leaf, groups[leaf.parent_id]) for leaf in leaves if leaf.parent_id in groups]
    return sorted(pairs, key=lambda pair: (pair[1].position, pair[1].id, pair[0].position, pair[0].id))


def service(session: Session, code: str) -> Category:
    category = session.scalar(select(Category).where(Category.code == code, Category.parent_id.is_not(None)))
    if category is None:
        raise NotFound(f"服务 {code} 不存在。")
    return category


# --- requests -------------------------------------------------------------------------------------

def public_tickets():
    """Tickets shown to anyone: those with a matter type (the service_code), never confidential ones."""
    return select(Ticket).where(Ticket.category_id.is_not(None), Ticket.citizen_confidential.is_(False))


LOADED = (selectinload(Ticket.category), selectinload(Ticket.lead_unit), selectinload(Ticket.parent))


def with_open311(session: Session, tickets: list[Ticket]) -> list[tuple[Ticket, Open311Request | None]]:
    ids = [ticket.id for ticket in tickets]
    extras = {row.ticket_id: row for row in session.scalars(
        select(Open311Request).where(Open311Request.ticket_id.in_(ids)))} if ids else {}
    return [(ticket, extras.get(ticket.id)) for ticket in tickets]


def one_request(session: Session, service_request_id: str) -> tuple[Ticket, Open311Request | None]:
    ticket = session.scalar(public_tickets().where(Ticket.ticket_no == service_request_id).options(*LOADED))
    if ticket is None:
        raise NotFound(f"服务请求 {service_request_id} 不存在。")
    return with_open311(session, [ticket])[0]


@dataclass(frozen=True)
class RequestQuery:
    ids: list[str]
    service_codes: list[str]
    statuses: list[str]
    start: datetime
    end: datetime
    page: int
    page_size: int


def parse_datetime(name: str, raw: str | None) -> datetime | None:
    """A W3C datetime (2026-11-01T00:00:00+08:00, ...Z) or a date; one without an offset is in the city's zone."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"{name} 应为 W3C 日期时间，如 2026-11-01T00:00:00+08:00。",
                         fields={name: "日期时间格式无效"}) from None
    if value.tzinfo is None:
        from zoneinfo import ZoneInfo

        value = value.replace(tzinfo=ZoneInfo(current_app.config["TIMEZONE"]))
    return value


def window(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """The spec's window: the most recent 90 days unless given, and never more than 90 days."""
    try:
        if end is None:
            end = start + WINDOW if start is not None else clock.now()
        if start is None:
            start = end - WINDOW
    except OverflowError:  # 90 days beyond year 1 or 9999
        raise BadRequest("start_date / end_date 超出可用的日期范围。", fields={"start_date": "超出范围"}) from None
    if start > end:
        raise BadRequest("start_date 不能晚于 end_date。", fields={"start_date": "晚于 end_date"})
    if end - start > WINDOW:
        raise BadRequest("start_date 与 end_date 之间不能超过 90 天。", fields={"end_date": "超过 90 天"})
    return start, end


def comma_list(raw: str | None) -> list[str]:
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


def int_param(args, name: str, default: int, high: int) -> int:
    raw = args.get(name)
    if raw is None or not raw.strip():
        return default
    if not re.fullmatch(r"[0-9]{1,9}", raw.strip()) or not 1 <= int(raw) <= high:
        raise BadRequest(f"{name} 应为 1–{high} 的整数。", fields={name: f"应为 1–{high} 的整数"})
    return int(raw)


def request_query(args) -> RequestQuery:
    statuses = comma_list(args.get("status"))
    unknown = [s for s in statuses if s not in ("open", "closed")]
    if unknown:
        raise BadRequest(f"status 只能是 open 或 closed（收到：{'、'.join(unknown)}）。", fields={"status": "取值无效"})
    start, end = window(parse_datetime("start_date", args.get("start_date")),
                        parse_datetime("end_date", args.get("end_date")))
    return RequestQuery(ids=comma_list(args.get("service_request_id")),
                        service_codes=comma_list(args.get("service_code")), statuses=statuses,
                        start=start, end=end, page=int_param(args, "page", 1, 1_000_000),
                        page_size=int_param(args, "page_size", PAGE_SIZE_MAX, PAGE_SIZE_MAX))


def find_requests(session: Session, query: RequestQuery) -> list[tuple[Ticket, Open311Request | None]]:
    """Newest first. service_request_id overrides every other filter (the spec says so)."""
    statement = public_tickets()
    if query.ids:
        statement = statement.where(Ticket.ticket_no.in_(query.ids[:PAGE_SIZE_MAX]))
    else:
        statement = statement.where(Ticket.received_at >= query.start, Ticket.received_at <= query.end)
        if query.service_codes:
            codes = select(Category.id).where(Category.code.in_(query.service_codes))
            statement = statement.where(Ticket.category_id.in_(codes))
        if query.statuses and set(query.statuses) != {"open", "closed"}:
            wanted = OPEN_STATUSES if query.statuses[0] == "open" else FINAL_STATUSES
            statement = statement.where(Ticket.status.in_(wanted))
    rows = list(session.scalars(
        statement.options(*LOADED).order_by(Ticket.received_at.desc(), Ticket.id.desc())
        .limit(query.page_size).offset((query.page - 1) * query.page_size)))
    return with_open311(session, rows)


def by_token(session: Session, token: str) -> tuple[str, str | None]:
    """(token, service_request_id) — the id is known as soon as the ticket is committed."""
    row = session.scalar(select(Open311Request).where(Open311Request.token == token))
    if row is None:
        raise NotFound(f"令牌 {token} 不存在。")
    return token, session.scalar(select(Ticket.ticket_no).where(Ticket.id == row.ticket_id))


# --- updates (mySociety's servicerequestupdates) ---------------------------------------------------

# The public history: status changes only (notes such as extensions or exclusions stay internal).
STATUS_CHANGED = or_(TicketEvent.from_status.is_(None), TicketEvent.from_status != TicketEvent.to_status)


def find_updates(session: Session, start: datetime, end: datetime, page: int,
                 page_size: int) -> list[tuple[TicketEvent, Ticket]]:
    """Status changes and replies of public tickets within [start, end], oldest first."""
    statement = (
        select(TicketEvent, Ticket).join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(TicketEvent.at >= start, TicketEvent.at <= end, STATUS_CHANGED,
               Ticket.id.in_(public_tickets().with_only_columns(Ticket.id)))
        .order_by(TicketEvent.at, TicketEvent.id).limit(page_size).offset((page - 1) * page_size)
    )
    return [(event, ticket) for event, ticket in session.execute(statement)]


def histories(session: Session, tickets: list[Ticket]) -> dict[int, list[TicketEvent]]:
    """The public history (status changes) of each ticket, loaded in one query."""
    found: dict[int, list[TicketEvent]] = {ticket.id: [] for ticket in tickets}
    if found:
        for event in session.scalars(
                select(TicketEvent).where(TicketEvent.ticket_id.in_(list(found)), STATUS_CHANGED)
                .order_by(TicketEvent.at, TicketEvent.id)):
            found[event.ticket_id].append(event)
    return found


# --- POST -----------------------------------------------------------------------------------------

def ticket_body(form: RequestForm, category: Category) -> dict:
    """The intake body (hotline.intake.schemas.TicketIn) for an Open311 request."""
    answers = []
    for attribute in category.attributes or []:
        given = form.attributes.get(attribute["code"])
        if given:
            labels = {value["key"]: value["name"] for value in attribute.get("values", [])}
            answers.append(f"{attribute['description']}：{'、'.join(labels.get(v, v) for v in given)}")
    content = form.description or category.name
    if answers:
        content += "\n【补充信息】" + "；".join(answers)
    if form.media_url:
        content += f"\n【图片】{form.media_url}"
    address = form.address_string or (f"地址编号 {form.address_id}" if form.address_id else None)
    body = {"channel": Channel.OPEN311.value, "content": content, "address": address,
            "category_code": category.code,
            "citizen": {"name": form.citizen_name, "phone": form.phone}}
    if form.lat is not None:
        body["location"] = {"lat": form.lat, "lng": form.long}
    return body


def check_attributes(form: RequestForm, category: Category) -> None:
    """Answers to the service definition: required ones given, list answers among the values, numbers numeric."""
    problems: dict[str, str] = {}
    known = {attribute["code"]: attribute for attribute in category.attributes or []}
    for code in form.attributes:
        if code not in known:
            problems[f"attribute[{code}]"] = "该服务没有此属性"
    for code, attribute in known.items():
        given = form.attributes.get(code, [])
        name = f"attribute[{code}]"
        if not given:
            if attribute.get("required") and attribute.get("variable", True):
                problems[name] = "必填项"
            continue
        datatype = attribute["datatype"]
        if datatype in ("singlevaluelist", "multivaluelist"):
            keys = {value["key"] for value in attribute.get("values", [])}
            if datatype == "singlevaluelist" and len(given) > 1:
                problems[name] = "只能选一项"
            elif any(value not in keys for value in given):
                problems[name] = f"取值无效，可选：{'、'.join(sorted(keys))}"
        elif len(given) > 1:
            problems[name] = "只能填一个值"
        elif datatype == "number":
            try:
                float(given[0])
            except ValueError:
                problems[name] = "应为数字"
        elif datatype == "datetime":
            try:
                datetime.fromisoformat(given[0].replace("Z", "+00:00"))
            except ValueError:
                problems[name] = "应为日期时间"
        elif len(given[0]) > 500:
            problems[name] = "不能超过 500 个字符"
    if problems:
        message = "附加属性有误 — " + "；".join(f"{code}：{text}" for code, text in problems.items())
        raise BadRequest(message, fields=problems)


def post_request(principal: Principal, form: RequestForm) -> tuple[Ticket, Open311Request]:
    """The request becomes a ticket through the one intake path; what the ticket has no column for is kept
    beside it with the token."""
    session = db()
    category = service(session, form.service_code)
    check_attributes(form, category)
    ticket = submit(session, principal, ticket_body(form, category)).ticket
    extra = Open311Request(ticket_id=ticket.id, token=str(uuid.uuid4()), description=form.description,
                           media_url=form.media_url, address_id=form.address_id, attributes=form.attributes,
                           email=form.email, device_id=form.device_id, account_id=form.account_id)
    with write_transaction(session):
        session.add(extra)
    return session.get(Ticket, ticket.id), extra
