"""POST /api/v1/tickets: validation at the edge, exactly-once intake, and nothing stored for bad input."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from models import Ticket, TicketEvent

COMPLAINT = {
    "channel": "web",
    "title": "小区门口占道经营",
    "content": "望京西园三区门口每天晚上都有人摆摊卖烧烤，油烟大，占了人行道。",
    "citizen": {"name": "张先生", "phone": "13812345678"},
    "address": "朝阳区望京西园三区",
}


def ticket_count(app) -> int:
    from hotline.database import session_factory

    with session_factory(app)() as session:
        return session.scalar(select(func.count()).select_from(Ticket))


def test_intake__creates_ticket_with_number_and_url(client, actors):
    response = client.post("/api/v1/tickets", json=COMPLAINT, headers=actors.key("web"))
    assert response.status_code == 201
    body = response.json
    assert re.fullmatch(r"\d{8}\d{6}", body["ticket_no"])
    assert body["status"] == "triage"  # received, then routed: with no model in this instance, to a person
    assert body["received_at"].endswith("+08:00")
    assert body["url"].endswith(f"/api/v1/tickets/{body['ticket_no']}")
    assert response.headers["Location"] == body["url"]
    assert body["citizen"] == {"name": "张先生", "phone": "138 1234 5678", "confidential": False}


def test_intake__writes_receive_event(client, actors, session):
    body = client.post("/api/v1/tickets", json=COMPLAINT, headers=actors.key()).json
    ticket = session.scalar(select(Ticket).where(Ticket.ticket_no == body["ticket_no"]))
    events = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)).all()
    assert [(e.action, e.from_status, e.to_status) for e in events][0] == ("receive", None, "received")
    assert events[0].actor.startswith("apikey:")


def test_intake__numbers_are_sequential_within_the_day(client, actors):
    headers = actors.key()
    numbers = [client.post("/api/v1/tickets", json=COMPLAINT, headers=headers).json["ticket_no"] for _ in range(3)]
    assert numbers == sorted(numbers)
    assert [int(n[8:]) for n in numbers] == [1, 2, 3]


def test_intake__read_back_by_number(client, actors):
    headers = actors.key()
    created = client.post("/api/v1/tickets", json=COMPLAINT, headers=headers).json
    response = client.get(f"/api/v1/tickets/{created['ticket_no']}", headers=headers)
    assert response.status_code == 200
    assert response.json["content"] == COMPLAINT["content"]


def test_intake__channel_defaults_to_the_keys_channel(client, actors):
    body = {k: v for k, v in COMPLAINT.items() if k != "channel"}
    response = client.post("/api/v1/tickets", json=body, headers=actors.key("app"))
    assert response.status_code == 201
    assert response.json["channel"] == "app"


def test_intake__agent_records_phone_calls(client, actors):
    body = dict(COMPLAINT, channel="phone")
    response = client.post("/api/v1/tickets", json=body, headers=actors.user("agent"))
    assert response.status_code == 201
    assert response.json["channel"] == "phone"


def test_intake__landline_without_area_code_is_read_as_local(client, actors):
    body = dict(COMPLAINT, citizen={"phone": "62345678"})
    response = client.post("/api/v1/tickets", json=body, headers=actors.key())
    assert response.status_code == 201
    assert response.json["citizen"]["phone"] == "010 6234 5678"


def test_intake__category_code_sets_category_and_request_type(client, actors):
    body = dict(COMPLAINT, category_code="CTY-VENDOR")
    response = client.post("/api/v1/tickets", json=body, headers=actors.key())
    assert response.status_code == 201, response.json
    assert response.json["category"]["code"] == "CTY-VENDOR"
    assert response.json["request_type"] is not None


# --- errors: the right status, a message per field, nothing stored ---------------------------------

@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channel": "web"}, "content"),
        ({"channel": "web", "content": "   "}, "content"),
        ({"channel": "fax", "content": "x"}, "channel"),
        ({"channel": "web", "content": "x" * 5001}, "content"),
        ({"channel": "web", "content": "x", "title": "x" * 201}, "title"),
        ({"channel": "web", "content": "x", "citizen": {"phone": "12345"}}, "citizen.phone"),
        ({"channel": "web", "content": "x", "citizen": {"phone": "1381234567"}}, "citizen.phone"),
        ({"channel": "web", "content": "x", "citizen": {"phone": "400-123-4567"}}, "citizen.phone"),
        ({"channel": "web", "content": "x", "citizen": {"confidential": "maybe"}}, "citizen.confidential"),
        ({"channel": "web", "content": "x", "location": {"lat": 200, "lng": 116}}, "location.lat"),
        ({"channel": "web", "content": "x", "location": {"lat": 48.85, "lng": 2.35}}, "location"),
        ({"channel": "web", "content": "x", "location": {"lat": 39.9}}, "location.lng"),
        ({"channel": "web", "content": "x", "request_type": "gossip"}, "request_type"),
        ({"channel": "web", "content": "x", "category_code": "NOPE"}, "category_code"),
        ({"channel": "web", "content": "x", "category_code": "ENV"}, "category_code"),
        ({"channel": "web", "content": "x", "priority": "high"}, "priority"),
        ({"channel": "web", "content": 42}, "content"),
    ],
)
def test_intake__invalid_field_is_422_with_message(client, actors, app, body, field):
    response = client.post("/api/v1/tickets", json=body, headers=actors.key())
    assert response.status_code == 422, response.json
    error = response.json["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"], error
    assert error["fields"][field]  # a message a person can act on
    assert ticket_count(app) == 0


def test_intake__malformed_json_is_400(client, actors, app):
    headers = dict(actors.key(), **{"Content-Type": "application/json"})
    response = client.post("/api/v1/tickets", data='{"content": "漏水', headers=headers)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "malformed_json"
    assert ticket_count(app) == 0


def test_intake__non_object_json_is_400(client, actors):
    response = client.post("/api/v1/tickets", json=["a list"], headers=actors.key())
    assert response.status_code == 400


def test_intake__form_body_is_400(client, actors):
    response = client.post("/api/v1/tickets", data={"content": "x"}, headers=actors.key())
    assert response.status_code == 400
    assert response.json["error"]["code"] == "not_json"


def test_intake__body_over_64kb_is_413(client, actors, app):
    body = dict(COMPLAINT, content="很" * 30000)  # 90 KB of UTF-8
    response = client.post("/api/v1/tickets", data=json.dumps(body, ensure_ascii=False).encode(),
                           headers=dict(actors.key(), **{"Content-Type": "application/json"}))
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"
    assert ticket_count(app) == 0


def test_intake__without_key_is_401(client, app):
    response = client.post("/api/v1/tickets", json=COMPLAINT)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"
    assert ticket_count(app) == 0


@pytest.mark.parametrize("header", ["Bearer hk_deadbeef_nope", "Bearer not-a-token", "Basic abc", "Bearer "])
def test_intake__invalid_credentials_are_401(client, header):
    response = client.post("/api/v1/tickets", json=COMPLAINT, headers={"Authorization": header})
    assert response.status_code == 401
    assert "error" in response.json


def test_intake__revoked_key_is_401(client, actors, app):
    from hotline.database import session_factory
    from models import ApiKey, clock

    headers = actors.key()
    with session_factory(app)() as session, session.begin():
        for key in session.scalars(select(ApiKey)):
            key.revoked_at = clock.now()
    response = client.post("/api/v1/tickets", json=COMPLAINT, headers=headers)
    assert response.status_code == 401


def _revoke_all_keys_elsewhere(app) -> None:
    """What another process (the admin page of another worker, the CLI elsewhere) does: the row only."""
    from hotline.database import session_factory
    from models import ApiKey, clock

    with session_factory(app)() as session, session.begin():
        for key in session.scalars(select(ApiKey)):
            key.revoked_at = clock.now()


def test_intake__a_key_in_use_revoked_elsewhere_stops_working_within_the_cache_age(client, actors, app, monkeypatch):
    from hotline.auth.keycache import key_cache

    headers = actors.key()
    assert client.post("/api/v1/tickets", json=COMPLAINT, headers=headers).status_code == 201
    cache = key_cache(app)
    monkeypatch.setattr(cache, "now", lambda: 0.0)
    cache.clear()
    assert client.post("/api/v1/tickets", json=COMPLAINT, headers=headers).status_code == 201  # cached at 0 s
    _revoke_all_keys_elsewhere(app)
    monkeypatch.setattr(cache, "now", lambda: app.config["API_KEY_CACHE_SECONDS"])
    response = client.post("/api/v1/tickets", json=COMPLAINT, headers=headers)
    assert response.status_code == 401
    assert ticket_count(app) == 2


def test_intake__a_key_found_valid_is_not_looked_up_again_by_this_process(client, actors, app):
    from sqlalchemy import event

    from hotline.database import engine

    headers = actors.key()
    assert client.post("/api/v1/tickets", json=COMPLAINT, headers=headers).status_code == 201
    statements = []

    def statement(_conn, _cursor, sql, *_args):
        statements.append(sql)

    event.listen(engine(app), "before_cursor_execute", statement)
    try:
        assert client.post("/api/v1/tickets", json=COMPLAINT, headers=headers).status_code == 201
    finally:
        event.remove(engine(app), "before_cursor_execute", statement)
    assert statements and not [sql for sql in statements if "FROM api_keys" in sql]


def test_intake__key_of_another_channel_is_403(client, actors, app):
    response = client.post("/api/v1/tickets", json=dict(COMPLAINT, channel="phone"), headers=actors.key("app"))
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"
    assert ticket_count(app) == 0


def test_intake__unit_staff_may_not_create_tickets(client, actors, app):
    response = client.post("/api/v1/tickets", json=COMPLAINT, headers=actors.user("unit_staff", unit="CY-WJ"))
    assert response.status_code == 403
    assert ticket_count(app) == 0


def test_intake__rate_limit_is_429(make_app, actors):
    app = make_app(RATELIMIT_INTAKE="3/minute")
    client = app.test_client()
    headers = actors.key()
    statuses = [client.post("/api/v1/tickets", json=COMPLAINT, headers=headers).status_code for _ in range(5)]
    assert statuses == [201, 201, 201, 429, 429]
    response = client.post("/api/v1/tickets", json=COMPLAINT, headers=headers)
    assert response.json["error"]["code"] == "rate_limited"
    assert "Retry-After" in response.headers
    assert ticket_count(app) == 3


def test_intake__rate_limit_counts_per_key(make_app, actors):
    app = make_app(RATELIMIT_INTAKE="2/minute")
    client = app.test_client()
    first, second = actors.key(), actors.key()
    assert [client.post("/api/v1/tickets", json=COMPLAINT, headers=first).status_code for _ in range(3)][-1] == 429
    assert client.post("/api/v1/tickets", json=COMPLAINT, headers=second).status_code == 201


def test_intake__rate_limit_falls_back_to_memory_when_redis_is_down(make_app, actors, tmp_path):
    app = make_app(REDIS_URL=f"unix://{tmp_path / 'no-redis.sock'}", RATELIMIT_STORAGE_URL="",
                   RATELIMIT_INTAKE="2/minute")
    actors.app = app
    client = app.test_client()
    headers = actors.key()
    statuses = [client.post("/api/v1/tickets", json=COMPLAINT, headers=headers).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]


def test_intake__rate_limit_of_one_app_is_not_touched_by_another(make_app, actors, tmp_path):
    # Each app has its own limiter: an earlier app whose Redis died must not switch a later one to its
    # fallback storage (that once let a burst through when the later app's storage "recovered" midway).
    dead = make_app(REDIS_URL=f"unix://{tmp_path / 'no-redis.sock'}", RATELIMIT_STORAGE_URL="")
    actors.app = dead
    dead.test_client().post("/api/v1/tickets", json=COMPLAINT, headers=actors.key())
    app = make_app(RATELIMIT_INTAKE="3/minute")
    actors.app = app
    client = app.test_client()
    headers = actors.key()
    statuses = [client.post("/api/v1/tickets", json=COMPLAINT, headers=headers).status_code for _ in range(5)]
    assert statuses == [201, 201, 201, 429, 429]
    assert dead.extensions["limiter"] != app.extensions["limiter"]


def test_intake__rate_limit_is_shared_by_web_processes_through_redis(make_app, actors, redis_client):
    # Two apps on one Redis stand for two web processes: the limit counts their requests together.
    first = make_app(RATELIMIT_STORAGE_URL="", RATELIMIT_INTAKE="3/minute")
    second = make_app(RATELIMIT_STORAGE_URL="", RATELIMIT_INTAKE="3/minute")
    actors.app = first
    headers = actors.key()
    statuses = [app.test_client().post("/api/v1/tickets", json=COMPLAINT, headers=headers).status_code
                for app in (first, second, first, second)]
    assert statuses == [201, 201, 201, 429]
    assert any(key.startswith(b"LIMITS:") for key in redis_client.scan_iter())


# --- idempotency ----------------------------------------------------------------------------------

def test_idempotency__retry_returns_the_first_ticket(client, actors, app):
    headers = dict(actors.key(), **{"Idempotency-Key": "retry-42"})
    first = client.post("/api/v1/tickets", json=COMPLAINT, headers=headers)
    again = client.post("/api/v1/tickets", json=COMPLAINT, headers=headers)
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json["ticket_no"] == first.json["ticket_no"]
    assert ticket_count(app) == 1


def test_idempotency__same_key_different_body_is_422(client, actors, app):
    headers = dict(actors.key(), **{"Idempotency-Key": "k1"})
    client.post("/api/v1/tickets", json=COMPLAINT, headers=headers)
    response = client.post("/api/v1/tickets", json=dict(COMPLAINT, content="另一件事"), headers=headers)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "idempotency_key_reused"
    assert ticket_count(app) == 1


def test_idempotency__keys_belong_to_their_client(client, actors, app):
    first = client.post("/api/v1/tickets", json=COMPLAINT, headers=dict(actors.key(), **{"Idempotency-Key": "same"}))
    second = client.post("/api/v1/tickets", json=COMPLAINT, headers=dict(actors.key(), **{"Idempotency-Key": "same"}))
    assert first.json["ticket_no"] != second.json["ticket_no"]
    assert ticket_count(app) == 2


def test_idempotency__key_is_bounded(client, actors):
    response = client.post("/api/v1/tickets", json=COMPLAINT, headers=dict(actors.key(), **{"Idempotency-Key": "x" * 201}))
    assert response.status_code == 400


def test_idempotency__rejected_request_does_not_claim_the_key(client, actors, app):
    headers = dict(actors.key(), **{"Idempotency-Key": "k2"})
    assert client.post("/api/v1/tickets", json={"channel": "web"}, headers=headers).status_code == 422
    assert client.post("/api/v1/tickets", json=COMPLAINT, headers=headers).status_code == 201


def test_idempotency__keys_are_forgotten_after_the_ttl(make_app, actors, clock_at):
    from datetime import UTC, datetime, timedelta

    from hotline.jobs.housekeeping import purge_idempotency_job
    from hotline.queue import runtime

    app = make_app(IDEMPOTENCY_TTL_HOURS=48)
    actors.app = app
    client = app.test_client()
    moving = clock_at(datetime(2026, 11, 18, 1, 0, tzinfo=UTC))
    headers = dict(actors.key(), **{"Idempotency-Key": "old-key"})
    first = client.post("/api/v1/tickets", json=COMPLAINT, headers=headers).json["ticket_no"]
    runtime.use_app(app)
    try:
        moving.advance(timedelta(hours=47))
        assert purge_idempotency_job() == "forgot 0 idempotency keys"
        assert client.post("/api/v1/tickets", json=COMPLAINT, headers=headers).json["ticket_no"] == first
        moving.advance(timedelta(hours=2))
        assert purge_idempotency_job() == "forgot 1 idempotency keys"
    finally:
        runtime.use_app(None)
    again = client.post("/api/v1/tickets", json=COMPLAINT, headers=headers)
    assert again.status_code == 201 and again.json["ticket_no"] != first
