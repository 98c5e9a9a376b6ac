"""Hotspots, the in-app notification lists, unit webhooks, and `sla due` on the holiday calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rq import Queue
from sqlalchemy import select, update

from hotline.queue import runtime
from hotline.queue.clocked import run_due
from models import Notification, Ticket, Unit, clock
from tests.hotline.journeys import cast, ok

NOISE = ["望京西园三区楼下的烧烤摊每天半夜还在营业，吵得睡不着", "望京西园三区烧烤摊夜里喧哗，严重扰民睡不着觉",
         "望京西园三区楼下烧烤摊半夜吵闹，睡不着觉", "望京西园三区楼下烧烤摊凌晨还在营业，吵得睡不着"]


def test_hotspots__similar_complaints_in_one_street_within_a_day(client, actors):
    people = cast(actors)
    for i, text in enumerate(NOISE):
        ok(client.post("/api/v1/tickets", headers=people.agent, json={
            "channel": "phone", "content": text, "address": "朝阳区望京西园三区",
            "citizen": {"phone": f"1390000{i:04d}"}}))
    ok(client.post("/api/v1/tickets", headers=people.agent, json={
        "channel": "phone", "content": "中关村大街路灯不亮", "address": "海淀区中关村街道"}))
    answer = ok(client.get("/api/v1/hotspots", headers=people.supervisor))
    assert len(answer["hotspots"]) == 1
    spot = answer["hotspots"][0]
    assert spot["street"] == "望京街道" and spot["size"] == 4
    assert client.get("/api/v1/hotspots?hours=0", headers=people.supervisor).status_code == 422
    assert client.get("/api/v1/hotspots", headers=people.lead_staff).status_code == 403


def make_notice(app, audience: str, unit_code: str | None, key: str) -> int:
    from hotline.database import session_factory

    with session_factory(app)() as session, session.begin():
        unit = session.scalar(select(Unit).where(Unit.code == unit_code)) if unit_code else None
        row = Notification(audience=audience, unit_id=unit.id if unit else None, kind="warning",
                           message=f"提醒 {key}", dedupe_key=key, created_at=clock.now())
        session.add(row)
        session.flush()
        return row.id


def test_notifications__each_sees_their_own_list_and_marks_read(app, client, actors):
    people = cast(actors)
    unit_notice = make_notice(app, "unit", "CY-WJ", "a")
    make_notice(app, "unit", "HD-ZGC", "b")
    make_notice(app, "supervisor", None, "c")
    mine = ok(client.get("/api/v1/notifications", headers=people.lead_staff))["items"]
    assert [item["message"] for item in mine] == ["提醒 a"]
    assert [item["message"] for item in ok(client.get("/api/v1/notifications", headers=people.supervisor))["items"]] == ["提醒 c"]
    assert client.post(f"/api/v1/notifications/{unit_notice}/read", headers=people.other_staff).status_code == 404
    ok(client.post(f"/api/v1/notifications/{unit_notice}/read", headers=people.lead_staff))
    assert ok(client.get("/api/v1/notifications?unread=1", headers=people.lead_staff))["items"] == []


def test_notifications__read_state_is_per_person(app, client, actors):
    first, second = actors.user("supervisor"), actors.user("supervisor")
    notice = make_notice(app, "supervisor", None, "d")
    ok(client.post(f"/api/v1/notifications/{notice}/read", headers=first))
    [read] = ok(client.get("/api/v1/notifications", headers=first))["items"]
    assert read["read"] is True and read["read_at"]
    assert [item["id"] for item in ok(client.get("/api/v1/notifications?unread=1", headers=second))["items"]] == [notice]
    assert ok(client.get("/api/v1/notifications?unread=1", headers=first))["items"] == []


def test_notifications__marking_read_twice_keeps_the_first_time(app, client, actors, clock_at):
    reader = actors.user("supervisor")
    notice = make_notice(app, "supervisor", None, "e")
    clock_at(datetime(2026, 11, 20, 1, 0, tzinfo=UTC))
    ok(client.post(f"/api/v1/notifications/{notice}/read", headers=reader))
    clock_at(datetime(2026, 11, 20, 2, 0, tzinfo=UTC))
    ok(client.post(f"/api/v1/notifications/{notice}/read", headers=reader))
    [item] = ok(client.get("/api/v1/notifications", headers=reader))["items"]
    assert item["read_at"].startswith("2026-11-20T09:00:00")  # 01:00 UTC in Beijing


def test_webhook__a_units_warning_is_posted_to_its_webhook(app, client, actors, redis_client, http_receiver,
                                                          clock_at):
    from hotline.database import session_factory

    webhook_server, received = http_receiver
    with session_factory(app)() as session, session.begin():
        session.execute(update(Unit).where(Unit.code == "CY-WJ").values(webhook_url=webhook_server))
    moving = clock_at(datetime(2026, 11, 18, 1, 0, tzinfo=UTC))
    runtime.use_app(app)
    try:
        people = cast(actors)
        number = ok(client.post("/api/v1/tickets", headers=people.agent, json={
            "channel": "phone", "content": "望京西园三区门口占道经营，摆摊卖水果", "address": "朝阳区望京西园三区",
            "category_code": "CTY-VENDOR"}))["ticket_no"]
        with session_factory(app)() as session:
            ticket = session.scalar(select(Ticket).where(Ticket.ticket_no == number))
        moving.set(ticket.accept_due - timedelta(minutes=1))  # past 80% of the accept time
        queue = Queue(app.config["QUEUE_DEFAULT"], connection=redis_client)
        run_due(queue, clock.now())  # the warning job…
        run_due(queue, clock.now())  # …and the webhook job it enqueued
    finally:
        runtime.use_app(None)
        with session_factory(app)() as session, session.begin():
            session.execute(update(Unit).where(Unit.code == "CY-WJ").values(webhook_url=None))
    assert [(hook["kind"], hook["unit"], hook["ticket_no"]) for _, hook in received] == [("warning", "CY-WJ", number)]
    with session_factory(app)() as session:
        assert session.scalar(select(Notification.webhook_status).where(Notification.kind == "warning")) == "sent"


@pytest.mark.parametrize(("start", "urgency", "stage", "due"), [
    # Received the day before National Day 2026: 7 working days end after the holiday, counting the
    # make-up Saturday 10 October as a working day.
    ("2026-09-30T10:00", "normal", "reply", "2026-10-15T23:59:59+08:00"),
    ("2026-09-30T10:00", "normal", "accept", "2026-10-08T23:59:59+08:00"),
    # Natural hours run through the holiday.
    ("2026-10-02T10:00", "emergency", "reply", "2026-10-02T12:00:00+08:00"),
    # Spring Festival 2026: 15–23 February off, Saturday 28 February a working day.
    ("2026-02-13T09:00", "normal", "accept", "2026-02-14T23:59:59+08:00"),
    ("2026-02-14T09:00", "normal", "accept", "2026-02-24T23:59:59+08:00"),
])
def test_sla_due__lands_on_the_right_working_day(app, start, urgency, stage, due):
    result = app.test_cli_runner().invoke(args=["sla", "due", "--start", start, "--urgency", urgency, "--stage", stage])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == due


def test_sla_due__bad_input_is_a_clear_error(app):
    result = app.test_cli_runner().invoke(args=["sla", "due", "--start", "yesterday", "--urgency", "normal",
                                                "--stage", "reply"])
    assert result.exit_code != 0 and "无法识别的时间" in result.output
