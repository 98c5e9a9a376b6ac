"""What the pages read: queues, counts, approval lists, chart series, health figures.

Counts and series are GROUP BY queries over indexed columns within a bounded window (the last days),
so a page costs the same on a month of tickets as on a day. Days are the city's local calendar days.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from hotline.auth import Principal, ticket_scope
from hotline.intake.phones import normalise_phone
from hotline.notifications.views import _audience_clause
from models import (
    Assignment,
    Category,
    Extension,
    FollowUp,
    Jurisdiction,
    Label,
    Notification,
    NotificationRead,
    RetrainingRun,
    Ticket,
    TicketEvent,
    Unit,
    clock,
)
from models.enums import CHINESE_NAMES, OPEN_STATUSES

NEAR_DUE = timedelta(hours=24)  # "near due": the current stage's deadline is less than this away
LIST_MAX = 50
UNIT_STAGES = {"dispatched": ("accept_due", "签收"), "accepted": ("respond_due", "联系市民"),
               "responded": ("reply_due", "答复"), "returned": (None, "退单待审")}


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def local(when: datetime | None, fmt: str = "%m-%d %H:%M") -> str:
    return when.astimezone(zone()).strftime(fmt) if when else ""


def local_midnight(days_ago: int = 0) -> datetime:
    today = clock.now().astimezone(zone()).date() - timedelta(days=days_ago)
    return datetime(today.year, today.month, today.day, tzinfo=zone())


def local_day(session: Session, column):
    """The local calendar day of a UTC timestamp column, as an SQL expression ('YYYY-MM-DD')."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone(current_app.config["TIMEZONE"], column), "YYYY-MM-DD")
    offset = clock.now().astimezone(zone()).utcoffset()
    return func.date(column, f"{int(offset.total_seconds() // 60):+d} minutes")


def days(count: int) -> list[str]:
    start = local_midnight(count - 1).date()
    return [(start + timedelta(days=i)).isoformat() for i in range(count)]


# --- one ticket's clock ---------------------------------------------------------------------------

@dataclass
class Due:
    stage: str  # what is due next (Chinese)
    at: datetime | None
    text: str  # "剩 5 小时" / "超时 2 天"
    level: str  # "" | "near" | "overdue"


def current_due(ticket: Ticket, now: datetime | None = None) -> Due:
    now = now or clock.now()
    column, stage = UNIT_STAGES.get(ticket.status, ("reply_due", "答复"))
    at = getattr(ticket, column) if column else None
    if at is None:
        return Due(stage, None, "—", "overdue" if ticket.overdue else "")
    left = at - now
    level = "overdue" if left.total_seconds() < 0 or ticket.overdue else ("near" if left < NEAR_DUE else "")
    return Due(stage, at, _span(left), level)


def _span(left: timedelta) -> str:
    seconds = abs(left.total_seconds())
    if seconds >= 86400:
        amount = f"{seconds / 86400:.1f} 天"
    elif seconds >= 3600:
        amount = f"{seconds // 3600:.0f} 小时"
    else:
        amount = f"{max(1, seconds // 60):.0f} 分钟"
    return f"超时 {amount}" if left.total_seconds() < 0 else f"剩 {amount}"


def shown() -> tuple:
    """Loader options for a list row's names. A function, not a constant: building them configures every
    mapper (about 35 ms), which a CLI call that never draws a page should not pay on import."""
    return (selectinload(Ticket.category), selectinload(Ticket.lead_unit), selectinload(Ticket.street),
            selectinload(Ticket.district))


# --- the unit -------------------------------------------------------------------------------------

def _stage_due():
    """The deadline of the stage a ticket is in (as `current_due` shows it), as an SQL expression."""
    return case((Ticket.status == "dispatched", Ticket.accept_due),
                (Ticket.status == "accepted", Ticket.respond_due), else_=Ticket.reply_due)


def unit_queue(session: Session, unit_id: int) -> list[Ticket]:
    """The unit's open tickets, the most pressing deadline first."""
    next_due = _stage_due()
    return list(session.scalars(
        select(Ticket).where(Ticket.lead_unit_id == unit_id, Ticket.status.in_(tuple(UNIT_STAGES)))
        .options(*shown()).order_by(next_due.is_(None), next_due, Ticket.id).limit(500)
    ))


def notifications_for(session: Session, principal: Principal, limit: int = 100) -> list[tuple]:
    mine = and_(NotificationRead.notification_id == Notification.id, NotificationRead.user_id == principal.id)
    return list(session.execute(
        select(Notification, Ticket.ticket_no, NotificationRead.read_at)
        .outerjoin(Ticket, Ticket.id == Notification.ticket_id).outerjoin(NotificationRead, mine)
        .where(_audience_clause(principal)).order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    ))


def unread_count(session: Session, principal: Principal) -> int:
    mine = and_(NotificationRead.notification_id == Notification.id, NotificationRead.user_id == principal.id)
    return session.scalar(select(func.count()).select_from(Notification).outerjoin(NotificationRead, mine)
                          .where(_audience_clause(principal), NotificationRead.read_at.is_(None))) or 0


# --- the supervisor -------------------------------------------------------------------------------

def _late(now: datetime):
    """Overdue: flagged by the deadline jobs, or past its stage's deadline already (the job may be pending)."""
    return or_(Ticket.overdue.is_(True), _stage_due() < now)


def _near(now: datetime):
    """Near due: not overdue, its stage's deadline within the next NEAR_DUE."""
    due = _stage_due()
    return and_(Ticket.overdue.is_(False), due >= now, due < now + NEAR_DUE)


def live_counts(session: Session) -> dict[str, int]:
    now = clock.now()
    is_open = Ticket.status.in_(OPEN_STATUSES)
    open_, overdue, near = session.execute(select(
        func.count().filter(is_open), func.count().filter(is_open, _late(now)), func.count().filter(is_open, _near(now)),
    ).select_from(Ticket)).one()
    today = session.scalar(select(func.count()).select_from(Ticket).where(Ticket.received_at >= local_midnight()))
    triage = session.scalar(select(func.count()).select_from(Ticket).where(Ticket.status == "triage"))
    return {"today": today or 0, "open": open_ or 0, "near": near or 0, "overdue": overdue or 0,
            "triage": triage or 0}


def overdue_list(session: Session) -> list[Ticket]:
    return list(session.scalars(
        select(Ticket).where(Ticket.status.in_(OPEN_STATUSES), _late(clock.now())).options(*shown())
        .order_by(Ticket.escalation_level.desc(), _stage_due()).limit(LIST_MAX)))


def near_due_list(session: Session) -> list[Ticket]:
    now = clock.now()
    return list(session.scalars(
        select(Ticket).where(Ticket.status.in_(OPEN_STATUSES), _near(now))
        .options(*shown()).order_by(_stage_due()).limit(LIST_MAX)))


def returns_waiting(session: Session) -> list[tuple[Ticket, Assignment | None]]:
    tickets = list(session.scalars(select(Ticket).where(Ticket.status == "returned").options(*shown())
                                   .order_by(Ticket.updated_at).limit(LIST_MAX)))
    latest = {}
    if tickets:
        for row in session.scalars(select(Assignment).where(
                Assignment.ticket_id.in_([t.id for t in tickets]), Assignment.returned_at.is_not(None))
                .order_by(Assignment.returned_at)):
            latest[row.ticket_id] = row
    return [(t, latest.get(t.id)) for t in tickets]


def extensions_waiting(session: Session) -> list[tuple[Extension, Ticket, str]]:
    return list(session.execute(
        select(Extension, Ticket, Unit.name).join(Ticket, Ticket.id == Extension.ticket_id)
        .join(Unit, Unit.id == Extension.unit_id).where(Extension.status == "pending")
        .order_by(Extension.requested_at).limit(LIST_MAX)))


def triage_queue(session: Session) -> list[Ticket]:
    return list(session.scalars(select(Ticket).where(Ticket.status == "triage").options(*shown())
                                .order_by(Ticket.received_at).limit(LIST_MAX)))


def search(session: Session, principal: Principal, q: str, limit: int = LIST_MAX) -> list[Ticket]:
    """By ticket number, the caller's phone (any common form) or words of the title/content."""
    q = q.strip()[:100]
    if not q:
        return []
    conditions = [Ticket.ticket_no == q]
    digits = "".join(ch for ch in q if ch.isdigit())
    if len(digits) >= 7 and len(digits) >= len(q.replace(" ", "").replace("-", "")) - 1:
        with contextlib.suppress(ValueError):
            conditions.append(Ticket.citizen_phone == normalise_phone(q))
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    conditions += [Ticket.title.like(pattern, escape="\\"), Ticket.content.like(pattern, escape="\\")]
    return list(session.scalars(select(Ticket).where(or_(*conditions), ticket_scope(principal)).options(*shown())
                                .order_by(Ticket.received_at.desc()).limit(limit)))


# --- charts ---------------------------------------------------------------------------------------

def volume_by_channel(session: Session, count: int = 30) -> dict:
    day = local_day(session, Ticket.received_at)
    rows = session.execute(select(day, Ticket.channel, func.count()).where(
        Ticket.received_at >= local_midnight(count - 1)).group_by(day, Ticket.channel))
    axis = days(count)
    series: dict[str, list[int]] = defaultdict(lambda: [0] * count)
    position = {d: i for i, d in enumerate(axis)}
    for d, channel, n in rows:
        if str(d) in position:
            series[channel][position[str(d)]] = n
    return {"days": axis, "series": [{"name": CHINESE_NAMES.get(c, c), "data": v} for c, v in sorted(series.items())]}


def top_categories(session: Session, count: int = 30, top: int = 10) -> dict:
    rows = session.execute(
        select(Category.name, func.count()).select_from(Ticket).join(Category, Category.id == Ticket.category_id)
        .where(Ticket.received_at >= local_midnight(count - 1)).group_by(Category.name)
        .order_by(func.count().desc()).limit(top)).all()
    return {"names": [r[0] for r in rows][::-1], "counts": [r[1] for r in rows][::-1]}


def on_time_rates(session: Session, count: int = 30) -> dict:
    """Per local day of dispatch: the share first contacted in time and the share replied in time."""
    day = local_day(session, Ticket.dispatched_at)
    rows = session.execute(select(
        day, func.count(),
        func.count().filter(Ticket.responded_at.is_not(None), Ticket.responded_at <= Ticket.respond_due),
        func.count().filter(Ticket.replied_at.is_not(None)),
        func.count().filter(Ticket.replied_at.is_not(None), Ticket.replied_at <= Ticket.reply_due),
    ).where(Ticket.dispatched_at >= local_midnight(count - 1)).group_by(day))
    axis = days(count)
    found = {str(r[0]): r for r in rows}
    respond, reply = [], []
    for d in axis:
        r = found.get(d)
        respond.append(round(100 * r[2] / r[1], 1) if r and r[1] else None)
        reply.append(round(100 * r[4] / r[3], 1) if r and r[3] else None)
    return {"days": axis, "respond": respond, "reply": reply}


def satisfaction_trend(session: Session, count: int = 30) -> dict:
    day = local_day(session, FollowUp.answered_at)
    rows = session.execute(select(
        day, func.count(), func.count().filter(FollowUp.satisfaction.in_(("satisfied", "basic"))),
        func.count().filter(FollowUp.resolved.is_(True)),
    ).where(FollowUp.answered_at >= local_midnight(count - 1), FollowUp.status == "answered").group_by(day))
    axis = days(count)
    found = {str(r[0]): r for r in rows}
    return {"days": axis,
            "satisfied": [round(100 * found[d][2] / found[d][1], 1) if d in found and found[d][1] else None
                          for d in axis],
            "resolved": [round(100 * found[d][3] / found[d][1], 1) if d in found and found[d][1] else None
                         for d in axis],
            "answers": [found[d][1] if d in found else 0 for d in axis]}


def street_heat(session: Session, count: int = 7, top: int = 15) -> dict:
    """Tickets per street and local day for the last `count` days (the busiest streets)."""
    since = local_midnight(count - 1)
    totals = session.execute(
        select(Jurisdiction.id, Jurisdiction.name, func.count()).select_from(Ticket)
        .join(Jurisdiction, Jurisdiction.id == Ticket.street_id)
        .where(Ticket.received_at >= since).group_by(Jurisdiction.id, Jurisdiction.name)
        .order_by(func.count().desc()).limit(top)).all()
    axis = days(count)
    day = local_day(session, Ticket.received_at)
    cells: dict[int, list[int]] = {row[0]: [0] * count for row in totals}
    if totals:
        for street_id, d, n in session.execute(
                select(Ticket.street_id, day, func.count()).where(
                    Ticket.received_at >= since, Ticket.street_id.in_(list(cells))).group_by(Ticket.street_id, day)):
            if str(d) in axis:
                cells[street_id][axis.index(str(d))] = n
    peak = max((n for row in cells.values() for n in row), default=0) or 1
    rows = [{"street": name, "total": total, "cells": [(n, min(4, (4 * n + peak - 1) // peak)) for n in cells[sid]]}
            for sid, name, total in totals]
    return {"days": [d[5:] for d in axis], "rows": rows}


# --- the classifier -------------------------------------------------------------------------------

def classifier_health(session: Session, count: int = 30) -> dict:
    since = local_midnight(count - 1)
    dispatched, auto = session.execute(select(
        func.count(), func.count().filter(Assignment.auto.is_(True))).where(
        Assignment.role == "lead", Assignment.assigned_at >= since)).one()
    received = session.scalar(select(func.count()).select_from(Ticket).where(Ticket.received_at >= since)) or 0
    labels, corrected = session.execute(select(
        func.count(), func.count().filter(Label.predicted_code.is_not(None), Label.predicted_code != Label.category_code),
    ).where(Label.created_at >= since)).one()
    runs = list(session.scalars(select(RetrainingRun).order_by(RetrainingRun.started_at.desc()).limit(5)))
    return {"received": received, "dispatched": dispatched or 0, "auto": auto or 0,
            "auto_share": (auto / dispatched) if dispatched else None,
            "labels": labels or 0, "corrected": corrected or 0,
            "correction_rate": (corrected / labels) if labels else None, "runs": runs}


def history(session: Session, ticket: Ticket) -> list[TicketEvent]:
    return list(session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                                .order_by(TicketEvent.at, TicketEvent.id)))


def local_date(when: datetime) -> date:
    return when.astimezone(zone()).date()
