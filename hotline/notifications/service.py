"""Notifications: stored for the in-app list (per unit or for supervisors) and pushed to a unit's webhook."""

from __future__ import annotations

import json
import logging
import urllib.request

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.queue.toolkit import PlannedJob, enqueue, job
from hotline.workflow.effects import defer
from models import Notification, Ticket, Unit, clock

log = logging.getLogger(__name__)
WEBHOOK_TIMEOUT = 5


def notify(session: Session, *, audience: str, kind: str, message: str, dedupe_key: str,
           ticket: Ticket | None = None, unit: Unit | None = None) -> Notification | None:
    """Create a notification once per dedupe key; None when it already exists (a job ran twice)."""
    if session.scalar(select(Notification.id).where(Notification.dedupe_key == dedupe_key)) is not None:
        return None
    notification = Notification(
        audience=audience, kind=kind, message=message, dedupe_key=dedupe_key, created_at=clock.now(),
        ticket_id=ticket.id if ticket is not None else None, unit_id=unit.id if unit is not None else None,
        webhook_status="pending" if unit is not None and unit.webhook_url else None,
    )
    session.add(notification)
    session.flush()
    if notification.webhook_status == "pending":
        defer(session, "notification", notification.id)  # pushed to the unit's webhook after the commit
    return notification


def pending_webhooks(session: Session, ids: list[int]) -> list[int]:
    return list(session.scalars(select(Notification.id).where(Notification.id.in_(ids),
                                                              Notification.webhook_status == "pending")))


@job
def send_webhook(app, session: Session, notification_id: int) -> str:
    """RQ job `webhook-<id>`: POST a notification to its unit's webhook (retried by RQ on failure)."""
    notification = session.get(Notification, notification_id)
    if notification is None or notification.webhook_status != "pending":
        return "nothing to send"
    unit = session.get(Unit, notification.unit_id)
    ticket = session.get(Ticket, notification.ticket_id) if notification.ticket_id else None
    payload = {
        "kind": notification.kind, "message": notification.message, "unit": unit.code,
        "ticket_no": ticket.ticket_no if ticket else None, "created_at": notification.created_at.isoformat(),
    }
    url = unit.webhook_url
    session.rollback()  # end the read before the network call: no transaction waits on a slow webhook
    request = urllib.request.Request(url, data=json.dumps(payload, ensure_ascii=False).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:  # raises → RQ retries
        status = response.status
    with session.begin():
        session.execute(update(Notification).where(Notification.id == notification_id)
                        .values(webhook_status="sent"))
    return f"sent ({status})"


def enqueue_webhooks(queue, notification_ids: list[int]) -> None:
    jobs = [PlannedJob(f"webhook-{notification_id}", clock.now(), send_webhook, (notification_id,),
                       retry=(60, 300, 900)) for notification_id in notification_ids]
    enqueue(queue, jobs, replace=False, now=clock.now())
