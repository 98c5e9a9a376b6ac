"""回访: after a reply the citizen is asked (up to 3 times over 48 h) whether the matter is resolved and
how satisfied they are; the answer closes the ticket or reopens it, silence closes it as unrated.

These tests run the real RQ jobs on the test Redis with a burst-mode worker, moving Hotline's clock and
releasing the scheduled jobs whose time has come by that clock.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest
from rq import Queue, SimpleWorker
from rq.job import Job
from sqlalchemy import func, select

from hotline import workflow
from hotline.auth import SYSTEM
from hotline.database import session_factory
from hotline.followup import (
    FollowupSettings,
    record_answer,
    survey_token,
    sweep,
)
from hotline.followup.jobs import expire_followup, send_attempt
from hotline.queue.clocked import release_due
from hotline.queue.runtime import use_app
from hotline.workflow.sla import sla
from models import FollowUp, Notification, OutboxMessage, Ticket, TicketEvent, Unit, clock
from models.clock import FrozenClock

START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # a Monday, 10:00 in Beijing
LEAD_UNIT = "CY-WJ"
MOBILE = "+8613812345678"


class World:
    """The app, its queue on the test Redis, a burst worker and a clock that moves only when told."""

    def __init__(self, app, redis_client, frozen: FrozenClock):
        self.app, self.redis, self.clock = app, redis_client, frozen
        self.client = app.test_client()
        self.queue = Queue(app.config["QUEUE_DEFAULT"], connection=redis_client)

    # --- time and work ---

    def run(self) -> None:
        """A real RQ worker, in burst mode: runs what is on the queue, then stops."""
        SimpleWorker([self.queue], connection=self.redis).work(burst=True)

    def at(self, hours: float) -> list[str]:
        """Move the clock to START + hours, release the jobs due by then, run them; returns their ids."""
        self.clock.set(START + timedelta(hours=hours))
        released = release_due(self.queue, clock.now())
        self.run()
        return released

    def scheduled(self) -> list[str]:
        """The follow-up's jobs on the schedule (the deadline jobs are another test's matter)."""
        return sorted(j for j in self.queue.scheduled_job_registry.get_job_ids() if j.startswith("followup-"))

    # --- tickets ---

    def replied_ticket(self, channel: str = "web", phone: str | None = MOBILE) -> str:
        """A ticket dispatched to 望京街道, accepted, contacted and replied to — the commit schedules the
        follow-up's jobs by itself (after-commit effects)."""
        with self.app.app_context(), session_factory(self.app)() as session:
            with session.begin():
                step = workflow.Step(session, SYSTEM, sla(self.app))
                ticket = workflow.receive(step, {
                    "channel": channel, "citizen_name": "张先生", "citizen_phone": phone,
                    "content": "望京西园三区门口每天晚上都有人摆摊卖烧烤，占了人行道，油烟很大。",
                    "address": "朝阳区望京西园三区",
                }, timezone=self.app.config["TIMEZONE"])
                workflow.dispatch(step, ticket, LEAD_UNIT)
                self._handle(step, ticket)
            return ticket.ticket_no

    def reply_again(self, number: str) -> None:
        """The unit handles a reopened ticket and replies again (a new follow-up round)."""
        with self.app.app_context(), session_factory(self.app)() as session, session.begin():
            ticket = session.scalar(select(Ticket).where(Ticket.ticket_no == number))
            self._handle(workflow.Step(session, SYSTEM, sla(self.app)), ticket)

    @staticmethod
    def _handle(step, ticket) -> None:
        workflow.accept(step, ticket)
        workflow.respond(step, ticket, "已电话联系市民，约定现场查看")
        workflow.reply(step, ticket, "已联合城管清理摊位，并安排每晚巡查。", True)

    def answer(self, number: str, resolved: bool, satisfaction: str, comment: str | None = None) -> str:
        with self.app.app_context(), session_factory(self.app)() as session, session.begin():
            ticket = session.scalar(select(Ticket).where(Ticket.ticket_no == number))
            followup = self.followup(number, ticket.reopen_count, session)
            return record_answer(workflow.Step(session, SYSTEM, sla(self.app)), followup, resolved,
                                 satisfaction, comment, "api")

    # --- reading the database ---

    def ticket(self, number: str) -> Ticket:
        with session_factory(self.app)() as session:
            return session.scalar(select(Ticket).where(Ticket.ticket_no == number))

    def followup(self, number: str, round_: int = 0, session=None) -> FollowUp:
        own = session is None
        session = session or session_factory(self.app)()
        try:
            return session.scalar(select(FollowUp).join(Ticket, Ticket.id == FollowUp.ticket_id)
                                  .where(Ticket.ticket_no == number, FollowUp.round == round_))
        finally:
            if own:
                session.close()

    def outbox(self, number: str) -> list[OutboxMessage]:
        with session_factory(self.app)() as session:
            return list(session.scalars(select(OutboxMessage).join(Ticket, Ticket.id == OutboxMessage.ticket_id)
                                        .where(Ticket.ticket_no == number).order_by(OutboxMessage.id)))

    def events(self, number: str) -> list[TicketEvent]:
        with session_factory(self.app)() as session:
            return list(session.scalars(select(TicketEvent).join(Ticket, Ticket.id == TicketEvent.ticket_id)
                                        .where(Ticket.ticket_no == number).order_by(TicketEvent.id)))

    def notifications(self, number: str, audience: str) -> list[Notification]:
        with session_factory(self.app)() as session:
            return list(session.scalars(select(Notification).join(Ticket, Ticket.id == Notification.ticket_id)
                                        .where(Ticket.ticket_no == number, Notification.audience == audience)))

    def token(self, number: str, round_: int = 0) -> str:
        return survey_token(self.app.config["SECRET_KEY"], self.followup(number, round_))


@pytest.fixture
def frozen(clock_at):
    return clock_at(START)


@pytest.fixture
def make_world(make_app, redis_client, frozen):
    """Worlds on apps with extra settings; each on a queue of its own (other test runs may share the Redis)."""

    def factory(**settings) -> World:
        app = make_app(QUEUE_DEFAULT=f"hotline-test-{secrets.token_hex(4)}", **settings)
        use_app(app)  # the worker's jobs run on this app
        return World(app, redis_client, frozen)

    yield factory
    use_app(None)


@pytest.fixture
def world(make_world):
    return make_world()


# --- the round and its channel --------------------------------------------------------------------

@pytest.mark.parametrize(("channel", "phone", "expected"), [
    ("web", MOBILE, "sms"),
    ("wechat", MOBILE, "sms"),
    ("phone", MOBILE, "callback"),  # the agents call back whoever called in
    ("web", "+861062345678", "callback"),  # a landline takes no SMS
    ("app", MOBILE, "sms"),  # no push webhook configured
    ("open311", None, "none"),  # no way to reach the citizen
])
def test_reply__opens_a_followup_round_with_the_citizens_channel(world, channel, phone, expected):
    number = world.replied_ticket(channel=channel, phone=phone)
    followup = world.followup(number)
    assert (followup.round, followup.channel, followup.status, followup.attempts) == (0, expected, "open", 0)
    assert followup.expires_at == START + timedelta(hours=48)
    assert followup.unit_id == world.ticket(number).lead_unit_id
    assert [e.action for e in world.events(number)][-2:] == ["reply", "followup-open"]


def test_reply__app_tickets_are_pushed_when_a_webhook_is_configured(make_world):
    world = make_world(PUSH_WEBHOOK_URL="http://127.0.0.1:9/push")
    assert world.followup(world.replied_ticket(channel="app")).channel == "push"


def test_settings__attempts_are_spread_over_the_window():
    def offsets(attempts, hours):
        config = FollowupSettings(attempts, timedelta(hours=hours), "outbox", "", "http://x", "Asia/Shanghai")
        return [offset / timedelta(hours=1) for offset in config.attempt_offsets()]

    assert offsets(3, 48) == [0, 24, 47]
    assert offsets(2, 24) == [0, 23]
    assert offsets(4, 48) == [0, 16, 32, 47]
    assert offsets(1, 48) == [0]


def test_settings__come_from_the_environment(monkeypatch):
    from hotline.config import Config

    monkeypatch.setenv("HOTLINE_FOLLOWUP_ATTEMPTS", "2")
    monkeypatch.setenv("HOTLINE_FOLLOWUP_WINDOW_HOURS", "24")
    config = FollowupSettings.from_config(Config.from_env())
    assert (config.attempts, config.window, config.sms_gateway) == (2, timedelta(hours=24), "outbox")
    assert config.base_url == "http://localhost:5000"
    with pytest.raises(ValueError, match="FOLLOWUP_ATTEMPTS"):
        FollowupSettings.from_config({"FOLLOWUP_ATTEMPTS": 0})


# --- attempts and expiry, with a real worker ------------------------------------------------------

def test_sms__three_attempts_over_48_hours_then_closed_as_unrated(world):
    number = world.replied_ticket()
    prefix = f"followup-{number}-0"
    assert world.scheduled() == sorted([f"{prefix}-attempt-2", f"{prefix}-attempt-3", f"{prefix}-expire"])

    world.run()  # attempt 1 went straight on the queue at the reply
    [first] = world.outbox(number)
    assert first.recipient == MOBILE and first.channel == "sms"
    assert f"http://localhost:5000/survey/{world.token(number)}" in first.body
    assert f"工单号{number}" in first.body and "评价" in first.body
    assert world.followup(number).attempts == 1

    assert world.at(hours=23) == [] and len(world.outbox(number)) == 1
    assert world.at(hours=24) == [f"{prefix}-attempt-2"]
    assert len(world.outbox(number)) == 2 and "提醒" in world.outbox(number)[1].body
    assert world.at(hours=47) == [f"{prefix}-attempt-3"]
    assert len(world.outbox(number)) == 3
    assert world.followup(number).attempts == 3 and world.followup(number).next_attempt_at is None
    assert world.ticket(number).status == "replied"

    assert world.at(hours=48) == [f"{prefix}-expire"]
    ticket, followup = world.ticket(number), world.followup(number)
    assert (ticket.status, ticket.rated_at, ticket.satisfaction) == ("closed", None, None)
    assert followup.status == "unrated"
    close = world.events(number)[-1]
    assert (close.action, close.actor, close.to_status, close.data["rated"]) == ("close", "system", "closed", False)
    assert len(world.outbox(number)) == 3


def test_jobs__a_job_run_twice_changes_nothing_the_second_time(world):
    number = world.replied_ticket()
    world.run()
    followup_id = world.followup(number).id
    before = (len(world.outbox(number)), len(world.events(number)), world.followup(number).attempts)

    job_id = f"followup-{number}-0-attempt-1"
    world.queue.enqueue(send_attempt, followup_id, 1, job_id=job_id)  # the same job, again
    world.run()
    assert Job.fetch(job_id, connection=world.redis).return_value() == "done"
    assert (len(world.outbox(number)), len(world.events(number)), world.followup(number).attempts) == before

    for hours in (24, 47, 48):  # attempts 2, 3 and the expiry
        world.at(hours)
    after_expiry = (len(world.outbox(number)), len(world.events(number)), world.ticket(number).status)
    world.queue.enqueue(expire_followup, followup_id, job_id=f"followup-{number}-0-expire")
    world.queue.enqueue(send_attempt, followup_id, 3, job_id=f"followup-{number}-0-attempt-3")
    world.run()
    assert (len(world.outbox(number)), len(world.events(number)), world.ticket(number).status) == after_expiry
    assert after_expiry[0] == 3 and after_expiry[2] == "closed"


def test_jobs__a_late_attempt_after_the_window_sends_nothing(world):
    number = world.replied_ticket()
    world.run()
    world.clock.set(START + timedelta(hours=49))  # the worker was down for two days
    release_due(world.queue, clock.now())
    world.queue.remove(f"followup-{number}-0-expire")  # the expiry has not run yet
    world.run()
    assert len(world.outbox(number)) == 1
    assert world.ticket(number).status == "replied"


def test_answered_round__stops_the_remaining_attempts(world):
    number = world.replied_ticket()
    world.run()
    assert world.answer(number, True, "satisfied") == "closed"
    world.at(hours=48)
    assert len(world.outbox(number)) == 1
    ticket = world.ticket(number)
    assert (ticket.status, ticket.resolved, ticket.satisfaction, ticket.rated_at) == (
        "closed", True, "satisfied", START)
    assert world.followup(number).status == "answered"
    assert [e.action for e in world.events(number)][-2:] == ["followup-answer", "close"]


def test_round__cancelled_when_a_supervisor_closes_the_ticket_first(world):
    number = world.replied_ticket()
    world.run()
    with world.app.app_context(), session_factory(world.app)() as session, session.begin():
        ticket = session.scalar(select(Ticket).where(Ticket.ticket_no == number))
        workflow.close(workflow.Step(session, SYSTEM, sla(world.app)), ticket, {"note": "督办确认已办结"})
    world.at(hours=24)
    assert len(world.outbox(number)) == 1
    assert world.followup(number).status == "cancelled"


def test_callback__agents_call_and_no_sms_is_sent(world):
    number = world.replied_ticket(channel="phone")
    assert world.scheduled() == [f"followup-{number}-0-expire"]
    [notice] = world.notifications(number, "agent")
    assert notice.kind == "callback" and number in notice.message
    world.run()
    world.at(hours=47)
    assert world.outbox(number) == []
    world.at(hours=48)
    assert world.ticket(number).status == "closed" and world.followup(number).status == "unrated"


# --- the answer decides: close, reopen once, then the supervisor ----------------------------------

def test_unsatisfied__reopened_to_the_same_unit_once_then_left_to_a_supervisor(world):
    client = world.client
    number = world.replied_ticket()
    world.run()
    token = world.outbox(number)[0].body.split("/survey/")[1].split()[0]  # the link the citizen got

    answer = client.post(f"/api/v1/followups/{token}/answer",
                         json={"resolved": False, "satisfaction": "unsatisfied", "comment": "晚上还是有人摆摊"})
    assert answer.status_code == 200, answer.json
    assert (answer.json["outcome"], answer.json["ticket_status"]) == ("reopened", "dispatched")
    ticket = world.ticket(number)
    assert (ticket.status, ticket.reopen_count, ticket.resolved, ticket.satisfaction) == (
        "dispatched", 1, False, "unsatisfied")
    with session_factory(world.app)() as session:
        assert session.get(Unit, ticket.lead_unit_id).code == LEAD_UNIT
    reopen = world.events(number)[-1]
    assert (reopen.action, reopen.actor, reopen.from_status, reopen.to_status) == (
        "reopen", "system", "replied", "dispatched")
    assert reopen.data["reason"].startswith("回访不满意/未解决：")
    assert "晚上还是有人摆摊" in reopen.data["reason"]

    world.clock.set(START + timedelta(hours=30))
    world.reply_again(number)  # round 1: a new follow-up with its own jobs
    world.run()
    assert len(world.outbox(number)) == 2  # round 0's first SMS, round 1's first SMS
    second = client.post(f"/api/v1/followups/{world.token(number, 1)}/answer",
                         json={"resolved": False, "satisfaction": "basic"})
    assert second.json["outcome"] == "supervisor", second.json
    ticket = world.ticket(number)
    assert (ticket.status, ticket.reopen_count) == ("replied", 1)  # waits for the supervisor's decision
    [notice] = world.notifications(number, "supervisor")
    assert notice.kind == "followup" and number in notice.message

    world.at(hours=30 + 48)  # every remaining job of both rounds runs, and does nothing
    assert world.ticket(number).status == "replied" and len(world.outbox(number)) == 2
    assert (world.followup(number, 0).status, world.followup(number, 1).status) == ("answered", "answered")


def test_resolved_but_unsatisfied__is_reopened_too(world):
    number = world.replied_ticket()
    assert world.answer(number, True, "unsatisfied") == "reopened"
    assert world.ticket(number).status == "dispatched"


@pytest.mark.parametrize("satisfaction", ["satisfied", "basic"])
def test_resolved_and_satisfied__closes_rated(world, satisfaction):
    number = world.replied_ticket()
    assert world.answer(number, True, satisfaction) == "closed"
    close = world.events(number)[-1]
    assert close.data == {"rated": True, "resolved": True, "satisfaction": satisfaction, "round": 0}


# --- app push -------------------------------------------------------------------------------------

def test_push__the_link_is_posted_to_the_apps_webhook(make_world, http_receiver):
    url, received = http_receiver
    world = make_world(PUSH_WEBHOOK_URL=url, BASE_URL="https://12345.example.cn")
    number = world.replied_ticket(channel="app")
    world.run()
    [(headers, payload)] = received
    assert payload["ticket_no"] == number and payload["attempt"] == 1
    assert payload["url"] == f"https://12345.example.cn/survey/{world.token(number)}"
    assert headers["idempotency-key"] == payload["dedupe_key"]
    assert world.outbox(number) == []
    assert world.events(number)[-1].data["channel"] == "push"


def test_push__falls_back_to_sms_when_the_webhook_is_down(make_world):
    world = make_world(PUSH_WEBHOOK_URL="http://127.0.0.1:9/push")  # nothing listens there
    number = world.replied_ticket(channel="app")
    world.run()
    assert len(world.outbox(number)) == 1
    assert world.events(number)[-1].data["channel"] == "sms"


# --- the database is the truth --------------------------------------------------------------------

def test_sweep__recreates_jobs_redis_lost(world):
    number = world.replied_ticket()
    for job_id in world.queue.get_job_ids() + world.queue.scheduled_job_registry.get_job_ids():
        Job.fetch(job_id, connection=world.redis).delete()  # Redis lost them
    assert world.queue.count == 0 and world.scheduled() == []
    assert sweep(world.app) == 4  # attempts 1–3 and the expiry
    assert sweep(world.app) == 0  # already there
    world.run()
    assert len(world.outbox(number)) == 1
    for hours in (24, 47, 48):
        world.at(hours)
    assert len(world.outbox(number)) == 3 and world.ticket(number).status == "closed"


def test_after_commit__a_redis_outage_never_fails_the_reply(make_world):
    app = make_world(REDIS_URL="redis://127.0.0.1:1/0").app  # nothing listens there
    with app.app_context(), session_factory(app)() as session:
        with session.begin():
            step = workflow.Step(session, SYSTEM, sla(app))
            ticket = workflow.receive(step, {"channel": "web", "citizen_phone": MOBILE, "content": "路灯不亮"},
                                      timezone="Asia/Shanghai")
            workflow.dispatch(step, ticket, LEAD_UNIT)
            World._handle(step, ticket)  # the commit's effects meet no Redis: logged, never raised
        assert session.scalar(select(func.count()).select_from(FollowUp)) == 1  # the sweep will catch up
