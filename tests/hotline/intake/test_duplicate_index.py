"""The duplicate-candidate index in Redis (hotline.intake.duplicates): intake finds earlier tickets of the
street through it, the sweep rebuilds it from the database, and without it intake falls back to the
street's newest tickets."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

import hotline.intake.routing as routing_service
from hotline.database import session_factory
from hotline.intake.duplicates import READY, duplicate_index
from hotline.jobs.sweep import sweep
from models import Ticket
from tests.hotline.journeys import cast, ok

FUME = "望京西园三区3号楼下的饭店油烟很大，每天晚上熏得家里没法开窗，希望尽快处理"
FUME_AGAIN = "市民来电反映：望京西园三区3号楼楼下饭馆油烟扰民，晚上没法开窗户，请相关部门处理"
OTHERS = ["望京西园三区小区门口井盖丢了，很危险", "望京西园三区垃圾桶满了好几天没人清运",
          "望京西园三区5号楼电梯经常坏，老人上下楼困难"]


def post(client, headers, text, phone):
    return ok(client.post("/api/v1/tickets", headers=headers, json={
        "channel": "phone", "content": text, "address": "朝阳区望京西园三区", "citizen": {"phone": phone}}))


def duplicates_of(answer) -> list[str]:
    return [d["ticket_no"] for d in answer["duplicates"]]


@pytest.fixture
def people(actors, redis_client):  # redis_client: an empty Redis, so the index starts unbuilt
    return cast(actors)


def test_intake__finds_an_older_duplicate_through_the_index(app, client, people, redis_client, monkeypatch):
    assert sweep(app).duplicates_indexed == 0  # nothing open yet: built empty, marked ready
    assert redis_client.exists(READY)
    first = post(client, people.agent, FUME, "13900000001")
    for i, text in enumerate(OTHERS):
        post(client, people.agent, text, f"1390000010{i}")
    monkeypatch.setattr(routing_service, "DUPLICATE_RECENT", 0)  # the newest tickets are not read: only the index
    again = post(client, people.agent, FUME_AGAIN, "13900000002")
    assert duplicates_of(again) == [first["ticket_no"]]
    assert again["status"] == "triage"


def test_sweep__rebuilds_the_index_from_the_database(app, client, people, redis_client, monkeypatch):
    first = post(client, people.agent, FUME, "13900000001")
    with session_factory(app)() as session, session.begin():  # as if received before signatures existed
        session.execute(update(Ticket).values(dup_text=None, dup_signature=None))
    redis_client.flushdb()
    assert sweep(app).duplicates_indexed == 1
    assert sweep(app).duplicates_indexed is None  # ready: not rebuilt again
    with session_factory(app)() as session:
        assert session.scalar(select(Ticket.dup_signature).where(Ticket.ticket_no == first["ticket_no"]))
    monkeypatch.setattr(routing_service, "DUPLICATE_RECENT", 0)
    assert duplicates_of(post(client, people.agent, FUME_AGAIN, "13900000002")) == [first["ticket_no"]]


def test_intake__without_the_index_compares_with_the_newest_tickets_of_the_street(app, client, people,
                                                                                  redis_client):
    first = post(client, people.agent, FUME, "13900000001")
    assert not redis_client.exists(READY)
    assert duplicate_index(app, routing_service.DUPLICATE_WINDOW).lookup_and_add(1, b"\0" * 256, first_seen(app)) \
        is None
    assert duplicates_of(post(client, people.agent, FUME_AGAIN, "13900000002")) == [first["ticket_no"]]


def first_seen(app):
    with session_factory(app)() as session:
        return session.scalar(select(Ticket.received_at).order_by(Ticket.id))


def test_index__a_bucket_keeps_only_the_newest_it_is_read_for(app, client, people, redis_client, monkeypatch):
    import hotline.intake.duplicates as index_module

    monkeypatch.setattr(index_module, "BUCKET_MAX", 2)
    sweep(app)
    tickets = [post(client, people.agent, FUME + "。" * i, f"1390000020{i}") for i in range(4)]
    buckets = [key for key in redis_client.scan_iter(match="hotline:dup:*:*")]
    assert buckets and max(redis_client.zcard(key) for key in buckets) == 2
    monkeypatch.setattr(routing_service, "DUPLICATE_RECENT", 0)  # only the index: it still names the newest
    again = post(client, people.agent, FUME_AGAIN, "13900000002")
    assert set(duplicates_of(again)) == {t["ticket_no"] for t in tickets[2:]}
