"""The follow-up's RQ jobs and their schedule.

For an SMS / push round: attempt jobs `followup-<ticket_no>-<round>-attempt-<n>` spread over the window
(the first right after the reply), then `followup-<ticket_no>-<round>-expire` at the end of the window.
Callback rounds (the agents call) and rounds with no way to reach the citizen only get the expiry job.

The jobs a round needs are a pure function of its row (`followup_jobs`), so they can always be rebuilt
from the database (`sweep`). Every job re-reads the round under its row lock and does nothing when the
round is answered, expired or cancelled, or when its attempt was already made (the attempts counter):
a job run twice changes nothing the second time.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import redis
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.auth import SYSTEM
from hotline.database import session_factory
from hotline.followup.channels import PushError, WebhookPush, is_mobile, message_text, sms_gateway
from hotline.followup.service import (
    cancel,
    current_followup,
    expire,
    local_time,
    locked,
    moved_on,
    next_attempt_due,
)
from hotline.followup.settings import FollowupSettings, settings
from hotline.followup.tokens import survey_token, survey_url
from hotline.queue.runtime import queue
from hotline.queue.toolkit import PlannedJob, enqueue, job, outage
from hotline.workflow.core import Step, note
from hotline.workflow.sla import sla
from models import FollowUp, Ticket, clock
from models.enums import EventKind as E
from models.enums import FollowupStatus, TicketStatus

log = logging.getLogger(__name__)

RETRY = (60, 300, 900)  # seconds before each retry of a failed attempt (an SMS gateway down)
CLOCK_SKEW = timedelta(seconds=60)  # a job started by another machine's clock a little early still runs


def job_prefix(ticket_no: str, round_: int) -> str:
    return f"followup-{ticket_no}-{round_}"


def attempt_due(followup: FollowUp, attempt: int, config: FollowupSettings) -> datetime:
    return followup.created_at + config.attempt_offsets()[attempt - 1]


def followup_jobs(followup: FollowUp, ticket_no: str, config: FollowupSettings) -> list[PlannedJob]:
    """Every job the round still needs (none once it is answered, unrated or cancelled)."""
    if followup.status != FollowupStatus.OPEN:
        return []
    prefix = job_prefix(ticket_no, followup.round)
    jobs = []
    if followup.channel in ("sms", "push"):
        for attempt in range(followup.attempts + 1, config.attempts + 1):
            jobs.append(PlannedJob(f"{prefix}-attempt-{attempt}", attempt_due(followup, attempt, config),
                                   send_attempt, (followup.id, attempt), retry=RETRY))
    jobs.append(PlannedJob(f"{prefix}-expire", followup.expires_at, expire_followup, (followup.id,), retry=RETRY))
    return jobs


def schedule_round(app: Flask, session: Session, ticket: Ticket) -> bool:
    """After a commit that touched the ticket (the after-commit drain): schedules the jobs of its open
    follow-up round, if any. A Redis failure never fails the caller: the sweep catches up."""
    if ticket.status != TicketStatus.REPLIED:  # only a reply opens a round; every other transition passes here too
        return False
    config = settings(app)
    with session.begin():
        followup = current_followup(session, ticket)
        if followup is None or followup.status != FollowupStatus.OPEN or moved_on(followup, ticket):
            return False
        jobs = followup_jobs(followup, ticket.ticket_no, config)
    try:
        enqueue(queue(app), jobs, replace=False, now=clock.now())
    except (redis.RedisError, OSError) as error:
        outage.failed(f"the follow-up of {ticket.ticket_no}", error)
        return False
    return True


# --- the jobs -------------------------------------------------------------------------------------

@job
def send_attempt(app: Flask, session: Session, followup_id: int, attempt: int) -> str:
    """RQ job `followup-<ticket_no>-<round>-attempt-<n>`: contact the citizen for attempt `attempt` of a
    round, unless that is done or pointless."""
    config = settings(app)
    with session.begin():
        found = locked(session, followup_id)
        if found is None:
            return "gone"
        followup, ticket = found
        now = clock.now()
        if followup.status != FollowupStatus.OPEN:
            return "done"
        if moved_on(followup, ticket):
            cancel(followup)
            return "cancelled"
        if followup.attempts >= attempt or attempt > config.attempts:
            return "done"
        if now >= followup.expires_at:
            return "expired"
        if now + CLOCK_SKEW < attempt_due(followup, attempt, config):
            log.warning("follow-up attempt %s of %s ran early; the sweep reschedules it", attempt, ticket.ticket_no)
            return "early"
        step = Step(session, SYSTEM, sla(app), now=now)
        channel = _send(session, app, config, followup, ticket, attempt)
        followup.attempts = attempt
        followup.next_attempt_at = next_attempt_due(followup, config)
        note(step, ticket, E.FOLLOWUP_ATTEMPT, {"round": followup.round, "attempt": attempt, "channel": channel})
        return f"sent ({channel})"


def _send(session: Session, app: Flask, config: FollowupSettings, followup: FollowUp, ticket: Ticket,
          attempt: int) -> str:
    """Send the survey link through the round's channel; returns the channel actually used."""
    secret = app.config["SECRET_KEY"]
    link = survey_url(config.base_url, secret, followup)
    text = message_text(ticket.ticket_no, link, attempt, local_time(followup.expires_at, config.timezone))
    dedupe_key = f"followup:{followup.id}:attempt:{attempt}"
    if followup.channel == "push" and config.push_webhook_url:
        payload = {
            "kind": "followup", "ticket_no": ticket.ticket_no, "round": followup.round, "attempt": attempt,
            "title": "回访评价", "message": text, "url": link, "token": survey_token(secret, followup),
            "expires_at": followup.expires_at.isoformat(), "citizen_phone": ticket.citizen_phone,
        }
        try:
            WebhookPush(config.push_webhook_url).send(payload, dedupe_key)
            return "push"
        except PushError as error:
            if not is_mobile(ticket.citizen_phone):
                raise  # RQ retries the job; nothing was recorded
            log.warning("%s; sending the survey of %s by SMS", error, ticket.ticket_no)
    sms_gateway(session, config).send(ticket.citizen_phone, text, dedupe_key, ticket.id)
    return "sms"


@job
def expire_followup(app: Flask, session: Session, followup_id: int) -> str:
    """RQ job `followup-<ticket_no>-<round>-expire`: the window closed without an answer."""
    with session.begin():
        found = locked(session, followup_id)
        if found is None:
            return "gone"
        followup, ticket = found
        return expire(Step(session, SYSTEM, sla(app), now=clock.now()), followup, ticket)


# --- rebuilding from the database -----------------------------------------------------------------

def sweep(app: Flask, batch: int = 1000) -> int:
    """Re-create the missing jobs of every open round (the database is the truth; Redis may have lost
    them). Returns how many jobs were enqueued. Meant for the periodic sweep."""
    config = settings(app)
    target = queue(app)
    enqueued, last_id = 0, 0
    while True:
        with session_factory(app)() as session:
            rows = session.execute(
                select(FollowUp, Ticket.ticket_no).join(Ticket, Ticket.id == FollowUp.ticket_id)
                .where(FollowUp.status == FollowupStatus.OPEN, FollowUp.id > last_id).order_by(FollowUp.id).limit(batch)
            ).all()
        if not rows:
            return enqueued
        now = clock.now()
        for followup, ticket_no in rows:
            enqueued += len(enqueue(target, followup_jobs(followup, ticket_no, config), replace=False, now=now))
        last_id = rows[-1][0].id
