"""The in-app notification list of units, agents and supervisors, with per-person read state."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from sqlalchemy import and_, select

from hotline.api.bodies import int_arg
from hotline.api.formats import iso
from hotline.auth import current_principal, require
from hotline.database import db, write_transaction
from hotline.errors import NotFound
from models import Notification, NotificationRead, Ticket, clock, upsert_insert
from models.enums import Role

bp = Blueprint("notifications", __name__, url_prefix="/api/v1")

def _audience_clause(principal):
    """A unit's staff see their unit's notices; supervisors (and admins) the supervisors'; agents theirs."""
    if principal.role == Role.UNIT_STAFF:
        return and_(Notification.audience == "unit", Notification.unit_id == principal.unit_id)
    if principal.role in (Role.SUPERVISOR, Role.ADMIN):
        return Notification.audience == "supervisor"
    return Notification.audience == "agent"


@bp.get("/notifications")
@require()
def notifications():
    """The caller's notices, newest first, each with whether this person has read it."""
    principal = current_principal()
    mine = and_(NotificationRead.notification_id == Notification.id, NotificationRead.user_id == principal.id)
    clauses = [_audience_clause(principal)]
    if request.args.get("unread") in ("1", "true"):
        clauses.append(NotificationRead.read_at.is_(None))
    limit = int_arg("limit", 50, 1, 200)
    rows = db().execute(
        select(Notification, Ticket.ticket_no, NotificationRead.read_at)
        .outerjoin(Ticket, Ticket.id == Notification.ticket_id)
        .outerjoin(NotificationRead, mine)
        .where(*clauses).order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
    )
    return jsonify({"items": [
        {"id": row.id, "kind": row.kind, "message": row.message, "created_at": iso(row.created_at),
         "read": read_at is not None, "read_at": iso(read_at), "ticket_no": ticket_no}
        for row, ticket_no, read_at in rows]})


@bp.post("/notifications/<int:notification_id>/read")
@require()
def mark_read(notification_id: int):
    """Marks a notice read for the caller only; marking it again keeps the first time."""
    principal = current_principal()
    session = db()
    with write_transaction(session):
        row = session.scalar(select(Notification).where(Notification.id == notification_id,
                                                        _audience_clause(principal)))
        if row is None:
            raise NotFound(f"通知 {notification_id} 不存在，或不是发给您的。")
        session.execute(  # a double click from two tabs must not fail on the primary key
            upsert_insert(session, NotificationRead)
            .values(notification_id=row.id, user_id=principal.id, read_at=clock.now())
            .on_conflict_do_nothing(index_elements=["notification_id", "user_id"])
        )
    return jsonify({"id": row.id, "read": True})
