"""hotline.intake.submit: the one path by which a complaint becomes a ticket."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hotline.auth import hash_api_key, new_api_key
from hotline.database import session_factory
from hotline.intake import service as intake_service
from hotline.jobs.sweep import sweep
from models import ApiKey, IdempotencyRecord, Ticket, clock
from tests.hotline.journeys import STREET_COMPLAINT


def _fail_routing(*_args, **_kwargs):
    raise RuntimeError("the city index is broken")


def test_submit__routing_failure_after_the_commit_leaves_the_ticket_received_with_the_reason(
        client, actors, app, monkeypatch):
    monkeypatch.setattr(intake_service, "route_new_ticket", _fail_routing)
    answer = client.post("/api/v1/tickets", json=dict(STREET_COMPLAINT, channel="phone"), headers=actors.user("agent"))
    assert answer.status_code == 201
    assert answer.json["status"] == "received"
    assert answer.json["routing_reason"] == intake_service.ROUTING_PENDING


def test_sweep__routes_tickets_left_received_after_a_few_minutes(client, actors, app, monkeypatch):
    monkeypatch.setattr(intake_service, "route_new_ticket", _fail_routing)
    number = client.post("/api/v1/tickets", json=dict(STREET_COMPLAINT, channel="phone"),
                         headers=actors.user("agent")).json["ticket_no"]
    monkeypatch.undo()

    def status() -> str:
        with session_factory(app)() as session:
            return session.scalar(select(Ticket.status).where(Ticket.ticket_no == number))

    with app.app_context():
        assert sweep(app, now=clock.now() + timedelta(minutes=1)).routed == 0  # routing may still be under way
        assert status() == "received"
        assert sweep(app, now=clock.now() + timedelta(minutes=6)).routed == 1
    assert status() in ("dispatched", "triage")


def _key(app, channel: str, name: str) -> tuple[str, int]:
    key, prefix = new_api_key()
    with session_factory(app)() as session, session.begin():
        row = ApiKey(name=name, channel=channel, prefix=prefix, key_hash=hash_api_key(key))
        session.add(row)
        session.flush()
        return key, row.id


def test_api_keys__a_name_is_unique_within_its_channel(app):
    _key(app, "web", "门户网站")
    _key(app, "app", "门户网站")  # another channel may use the name
    with pytest.raises(IntegrityError):
        _key(app, "web", "门户网站")


def test_idempotency__records_are_keyed_by_the_keys_id_not_its_name(client, app):
    key, key_id = _key(app, "web", "同名客户端")
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": "portal-1"}
    assert client.post("/api/v1/tickets", json={"content": "路灯不亮"}, headers=headers).status_code == 201
    with session_factory(app)() as session:
        owners = session.scalars(select(IdempotencyRecord.owner)).all()
    assert owners == [f"apikey:{key_id}"]
