"""The unit workbench (承办单位) at /unit: the unit's queue by deadline, and everyone's notifications."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from hotline.database import db, write_transaction
from hotline.notifications.views import _audience_clause
from hotline.web import bp, queries
from hotline.web.login import _safe_next, principal, staff_required
from hotline.web.present import citizen_view
from hotline.web.tickets import action_choices
from hotline.web.workflow_bridge import ACTION_NAMES, allowed_actions
from models import Notification, NotificationRead, clock, upsert_insert
from models.enums import Role

NOTICE_KINDS = {"warning": "临期提醒", "overdue": "超时", "escalation": "督办", "callback": "回访",
                "retraining": "模型", "return": "退单", "extension": "延期"}


@bp.get("/unit")
@staff_required(Role.UNIT_STAFF)
def unit_queue():
    me = principal()
    session = db()
    tickets = queries.unit_queue(session, me.unit_id)
    now = clock.now()
    rows = [(t, queries.current_due(t, now), citizen_view(t, me), allowed_actions(me, t)) for t in tickets]
    summary = {"total": len(rows), "overdue": sum(1 for r in rows if r[1].level == "overdue"),
               "near": sum(1 for r in rows if r[1].level == "near"),
               "new": sum(1 for t in tickets if t.status == "dispatched")}
    return render_template("unit/queue.html", rows=rows, summary=summary, local=queries.local,
                           action_names=ACTION_NAMES, notices=queries.notifications_for(session, me, limit=5),
                           kinds=NOTICE_KINDS, back=request.path, articles=[], **action_choices())


@bp.get("/notifications")
@staff_required()
def notifications():
    me = principal()
    return render_template("unit/notifications.html", rows=queries.notifications_for(db(), me),
                           kinds=NOTICE_KINDS, local=queries.local)


@bp.post("/notifications/<int:notification_id>/read")
@staff_required()
def notification_read(notification_id: int):
    me = principal()
    session = db()
    with write_transaction(session):
        row = session.scalar(select(Notification).where(Notification.id == notification_id, _audience_clause(me)))
        if row is None:
            abort(404)
        session.execute(upsert_insert(session, NotificationRead)
                        .values(notification_id=row.id, user_id=me.id, read_at=clock.now())
                        .on_conflict_do_nothing(index_elements=["notification_id", "user_id"]))
    flash("已标记为已读。", "ok")
    return redirect(_safe_next(request.form.get("next")) or url_for("web.notifications"), 303)
