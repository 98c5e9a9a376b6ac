"""The drain of the after-commit mechanism (hotline.workflow.effects): what follows a committed change.

For each ticket the transaction touched: its deadline jobs when it owes them (`jobs_owed`), and the jobs
of its open follow-up round; for each notice with a webhook: the push. Everything is re-read from the
database as committed, so the drain works the same after an API call, a job, the simulator or a CLI
command, and can be repeated: the sweep does the same from the rows when a drain could not run.
"""

from __future__ import annotations

import logging

from flask import Flask

from hotline.database import session_factory
from hotline.deadlines.jobs import schedule_ticket
from hotline.followup.jobs import schedule_round
from hotline.notifications.service import enqueue_webhooks, pending_webhooks
from hotline.queue.runtime import escalation_delay, queue, sla
from hotline.workflow import effects
from models import Ticket

log = logging.getLogger(__name__)


def drain(app: Flask, changed: dict[str, set[int]]) -> None:
    target = queue(app)
    with session_factory(app)() as session:
        for ticket_id in sorted(changed.get("ticket", ())):
            with session.begin():
                ticket = session.get(Ticket, ticket_id)
                if ticket is None:
                    continue
                if ticket.jobs_owed:
                    schedule_ticket(session, target, ticket, sla(app), escalation_delay(app))
            schedule_round(app, session, ticket)
        if notices := changed.get("notification"):
            with session.begin():
                pushes = pending_webhooks(session, sorted(notices))
            enqueue_webhooks(target, pushes)


def init_app(app: Flask) -> None:
    effects.install(session_factory(app), lambda changed: drain(app, changed))
