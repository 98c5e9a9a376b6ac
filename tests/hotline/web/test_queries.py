"""What the dashboards read (hotline.web.queries): local days, counts, lists, chart series, the heat table."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hotline.database import db
from hotline.web import queries
from hotline.web.present import EVENT_NAMES
from models.enums import EventKind

BEIJING = ZoneInfo("Asia/Shanghai")
VENDOR = {"content": "望京西园三区门口每天晚上都有人摆摊卖烧烤，占了人行道。", "address": "朝阳区望京西园三区",
          "category_code": "CTY-VENDOR", "citizen": {"phone": "13812345678"}}


def test_event_names__every_audit_event_has_a_chinese_name():
    assert {kind.value for kind in EventKind} <= set(EVENT_NAMES)


def test_volume_and_heat__count_by_local_day(app, client, actors, clock_at):
    """A ticket at 23:30 UTC belongs to the next local day in Beijing (07:30)."""
    web, app_key = actors.key("web"), actors.key("app")
    clock = clock_at(datetime(2026, 11, 20, 23, 30, tzinfo=ZoneInfo("UTC")))  # 2026-11-21 07:30 in Beijing
    assert client.post("/api/v1/tickets", json=VENDOR, headers=web).status_code == 201
    clock.set(datetime(2026, 11, 21, 10, 0, tzinfo=BEIJING))
    assert client.post("/api/v1/tickets", json=VENDOR, headers=app_key).status_code == 201
    assert client.post("/api/v1/tickets", json=VENDOR, headers=web).status_code == 201
    clock.set(datetime(2026, 11, 22, 9, 0, tzinfo=BEIJING))
    with app.test_request_context():
        volume = queries.volume_by_channel(db(), count=3)
        assert volume["days"] == ["2026-11-20", "2026-11-21", "2026-11-22"]
        assert {s["name"]: s["data"] for s in volume["series"]} == {"网站": [0, 2, 0], "App": [0, 1, 0]}
        heat = queries.street_heat(db(), count=3)
        assert heat["rows"][0]["street"] == "望京街道" and heat["rows"][0]["total"] == 3
        assert [n for n, _ in heat["rows"][0]["cells"]] == [0, 3, 0]
        assert queries.top_categories(db(), count=3) == {"names": ["占道经营"], "counts": [3]}
        counts = queries.live_counts(db())
        assert (counts["today"], counts["open"]) == (0, 3)


def test_overdue_and_near_due__by_the_deadline_of_the_current_stage(app, client, actors, clock_at):
    clock = clock_at(datetime(2026, 11, 2, 9, 0, tzinfo=BEIJING))
    created = client.post("/api/v1/tickets", json=VENDOR, headers=actors.key("web")).json
    number = created["ticket_no"]
    with app.test_request_context():
        ticket = queries.search(db(), _supervisor(), number)[0]
        due = ticket.accept_due  # dispatched: the unit has to accept it
    assert created["status"] == "dispatched" and due is not None
    clock.set(due - timedelta(hours=30))
    with app.test_request_context():
        assert queries.live_counts(db())["near"] == 0 and queries.near_due_list(db()) == []
    clock.set(due - timedelta(hours=2))
    with app.test_request_context():
        assert [t.ticket_no for t in queries.near_due_list(db())] == [number]
        assert queries.current_due(queries.near_due_list(db())[0]).level == "near"
    clock.set(due + timedelta(hours=1))
    with app.test_request_context():
        assert [t.ticket_no for t in queries.overdue_list(db())] == [number]
        assert queries.live_counts(db())["overdue"] == 1 and queries.near_due_list(db()) == []


def _supervisor():
    from hotline.auth import Principal

    return Principal("user", 0, "test", role="supervisor")


def test_search__by_number_phone_or_words_within_scope(app, client, actors):
    number = client.post("/api/v1/tickets", json=VENDOR, headers=actors.key("web")).json["ticket_no"]
    from hotline.auth import Principal

    other_unit = Principal("user", 0, "x", role="unit_staff", unit_id=-1)
    with app.test_request_context():
        for q in (number, "13812345678", "+86 138 1234 5678", "烧烤"):
            assert [t.ticket_no for t in queries.search(db(), _supervisor(), q)] == [number], q
        assert queries.search(db(), other_unit, "烧烤") == []
        assert queries.search(db(), _supervisor(), "没有这样的内容") == []
