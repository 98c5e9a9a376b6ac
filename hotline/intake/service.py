"""The one intake path: every complaint — the API, the agent console, the citizens' web form, Open311,
the simulator — becomes a ticket through `submit`.

`submit` validates, analyses (classifier, place, urgency, duplicates, knowledge base — reads only, before
any write), then creates and routes the ticket in one transaction, exactly once per Idempotency-Key (a
retry returns the first ticket): one commit per complaint. Nothing that can fail may lose it: a failed
analysis means triage, and a failure while applying the routing is rolled back to a savepoint, leaving
the ticket `received` with the reason (the periodic sweep routes tickets left `received`). Jobs follow
the commit by themselves (hotline.workflow.effects); the ticket is filed in the duplicate index after it.

A channel client's ticket (an API key or the web form, of a channel in ROUTE_BY_JOB_CHANNELS: web, app,
WeChat, Open311 by default) is stored `received` without the analysis, and its commit hands it to a
routing job (hotline.intake.jobs): the submitter gets the ticket number at once, and at a morning peak the
web processes keep taking complaints while the workers route them. Staff are always answered with the
routing.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.auth import Principal
from hotline.database import write_transaction
from hotline.errors import ApiError, Forbidden, Unprocessable
from hotline.intake.routing import (
    analyse_safely,
    attach_references,
    city_index,
    file_duplicate,
    route_new_ticket,
)
from hotline.intake.schemas import TicketIn
from hotline.metrics import count_ticket
from hotline.validation import parse
from hotline.workflow import Step, receive
from hotline.workflow.core import leaf_category
from hotline.workflow.sla import sla
from models import IdempotencyRecord, Ticket, clock
from models.enums import Role

IDEMPOTENCY_KEY_MAX = 200
ROUTING_PENDING = "自动分拨暂未完成，系统将在几分钟内重试；也可人工分拨。"
ROUTING_QUEUED = "已受理，正在自动分拨，稍后可查询办理单位。"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Submitted:
    ticket: Ticket
    created: bool  # False: a retry with a known Idempotency-Key, answered with the first ticket
    routing_pending: bool = False  # routing failed after the commit: still `received`, the sweep routes it
    routing_queued: bool = False  # a channel routed by job: `received`, its routing job follows the commit


def submit(session: Session, principal: Principal, body: dict | TicketIn, idempotency_key: str | None = None,
           *, app: Flask | None = None, decide: bool = True, by_job: bool | None = None) -> Submitted:
    """Validate (422), create and commit the ticket, route it; see the module's docstring.

    `decide=False`: the caller (an agent who chose to dispatch, answer, reject or merge) takes the next
    action itself; routing records its facts and leaves the ticket `received` (the sweep routes it if the
    caller's action does not follow). `by_job`: route by a job after the commit (True) or in the request
    (False); None: by job for a channel client (API key, the web form) of a channel in
    ROUTE_BY_JOB_CHANNELS, in the request for staff."""
    app = app or current_app._get_current_object()
    data = body if isinstance(body, TicketIn) else parse(TicketIn, body)
    step = Step(session, principal, sla(app))
    if by_job is None:  # staff (a phone agent) always see the routing in the answer
        by_job = (decide and not principal.is_staff
                  and check_channel(principal, data) in channels_routed_by_job(app))
    ticket, created, routed = create_ticket(step, data, idempotency_key, app.config["TIMEZONE"], app=app,
                                            decide=decide, by_job=by_job)
    if not created:
        return Submitted(ticket, False)
    count_ticket(ticket.channel)
    if by_job:
        return Submitted(ticket, True, routing_queued=True)
    return Submitted(ticket, True, routing_pending=not routed)


def channels_routed_by_job(app: Flask) -> frozenset[str]:
    return frozenset(c.strip() for c in app.config["ROUTE_BY_JOB_CHANNELS"].split(",") if c.strip())


def route_safely(app: Flask, session: Session, ticket: Ticket, *, decide: bool = True) -> bool:
    """Route a committed ticket; False when that failed (a database hiccup, a broken index): the ticket
    stays `received` and the sweep routes it later."""
    try:
        route_new_ticket(app, session, ticket, decide=decide)
    except Exception:
        log.exception("routing of %s failed after intake; the sweep will route it", ticket.ticket_no)
        return False
    return True


class IdempotencyMismatch(ApiError):
    status, code = 422, "idempotency_key_reused"


def request_fingerprint(data: TicketIn) -> str:
    canonical = json.dumps(data.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_channel(principal: Principal, data: TicketIn) -> str:
    """The channel a ticket is recorded under; a channel key may only submit for its own channel."""
    if principal.kind == "apikey":
        if data.channel is not None and data.channel != principal.channel:
            raise Forbidden(f"该 API 密钥属于“{principal.channel}”渠道，不能提交“{data.channel}”渠道的诉求。")
        return principal.channel or ""
    if principal.role not in (Role.AGENT, Role.SUPERVISOR, Role.ADMIN):
        raise Forbidden("承办单位人员不能登记新诉求。")
    return data.channel.value if data.channel else "phone"


def ticket_fields(session: Session, data: TicketIn, principal: Principal, channel: str,
                  app: Flask | None = None) -> dict:
    category = None
    if data.category_code:
        category = _leaf_category(app, session, data.category_code)
        if category is None:
            raise Unprocessable("提交的内容有误 — 分类编码：不存在该事项分类",
                                fields={"category_code": "不存在该事项分类"})
    request_type = data.request_type.value if data.request_type else (category.request_type if category else None)
    return {
        "channel": channel,
        "api_key_id": principal.id if principal.kind == "apikey" else None,
        "created_by_id": principal.id if principal.kind == "user" else None,
        "citizen_name": data.citizen.name,
        "citizen_phone": data.citizen.phone,
        "citizen_confidential": data.citizen.confidential,
        "title": data.title or None,
        "content": data.content,
        "address": data.address or None,
        "lat": data.location.lat if data.location else None,
        "lng": data.location.lng if data.location else None,
        "request_type": request_type,
        "category_id": category.id if category else None,
        "category_probability": 1.0 if category else None,  # chosen by a person
    }


def _leaf_category(app: Flask | None, session: Session, code: str):
    """The matter type with this code: from the per-process city index when there is an app."""
    if app is None:
        return leaf_category(session, code)
    category = city_index(app, session).categories.get(code)
    return category if category is not None and category.parent_id is not None else None


def find_replay(session: Session, owner: str, key: str, fingerprint: str) -> Ticket | None:
    record = session.scalar(
        select(IdempotencyRecord).where(IdempotencyRecord.owner == owner, IdempotencyRecord.key == key)
    )
    if record is None:
        return None
    if record.request_hash != fingerprint:
        raise IdempotencyMismatch(
            "该 Idempotency-Key 已用于另一条不同的诉求；重试请原样提交，新诉求请换一个新的 Key。"
        )
    return session.get(Ticket, record.ticket_id)


def create_ticket(step: Step, data: TicketIn, idempotency_key: str | None, timezone: str,
                  app: Flask | None = None, decide: bool = True, by_job: bool = False) -> tuple[Ticket, bool, bool]:
    """Returns (ticket, created, routed). A replay of a known Idempotency-Key returns the first ticket.
    With an app the ticket is analysed before and routed inside the transaction that creates it, unless
    `by_job`: then its routing job follows the commit (routed is False)."""
    session, principal = step.session, step.actor
    fingerprint = request_fingerprint(data) if idempotency_key else None  # only a replay needs it
    owner = principal.ident  # the key's id: names are not identities
    if idempotency_key:
        replay = find_replay(session, owner, idempotency_key, fingerprint)
        if replay is not None:
            return replay, False, True
    channel = check_channel(principal, data)
    fields = ticket_fields(session, data, principal, channel, app)
    analysis = None
    route_here = app is not None and not by_job
    if route_here:  # reads only, before the write: the numbering lock is held for the writes alone
        analysis = analyse_safely(app, session, Ticket(**fields, received_at=step.now))
    routed = app is None
    try:
        with write_transaction(session, continue_read=True):
            ticket = receive(step, fields, timezone=timezone, route_by_job=by_job)
            if idempotency_key:
                session.add(IdempotencyRecord(owner=owner, key=idempotency_key,
                                              request_hash=fingerprint, ticket_id=ticket.id))
                session.flush()  # a concurrent twin fails here, before any routing
            if route_here:
                routed = _route_within(app, step, ticket, analysis, decide)
        if routed:
            file_duplicate(app, ticket, analysis)
        if analysis is not None:
            attach_references(session, ticket, analysis.index)
        return ticket, True, routed
    except IntegrityError:
        # A concurrent request with the same key committed first: ours rolled back whole.
        if not idempotency_key:
            raise
    replay = find_replay(session, owner, idempotency_key, fingerprint)
    if replay is None:  # pragma: no cover - the unique constraint fired, so the record exists
        raise RuntimeError("idempotency conflict without a record")
    return replay, False, True


def _route_within(app: Flask, step: Step, ticket: Ticket, analysis, decide: bool = True) -> bool:
    """Route the new ticket in its creating transaction; a failure rolls back to the savepoint and leaves
    it `received` (the sweep routes it), never losing it."""
    step.session.flush()  # what belongs to the ticket itself is not undone with the routing
    try:
        with step.session.begin_nested():
            route_new_ticket(app, step.session, ticket, decide=decide, analysis=analysis, within=step)
    except Exception:
        log.exception("routing of %s failed at intake; the sweep will route it", ticket.ticket_no)
        return False
    return True


def purge_idempotency_records(session: Session, ttl_hours: int) -> int:
    """Forget keys older than the TTL (a periodic job calls this)."""
    cutoff = clock.now() - timedelta(hours=ttl_hours)
    result = session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff))
    return result.rowcount or 0
