"""What one intake costs in round trips: statements sent to the database, commits, and Redis round trips.

Pinned so that a change adding a query to the intake path shows up here (speed itself is measured by
bench/intake.py, not in tests)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from redis.connection import Connection
from sqlalchemy import event

from hotline.database import engine
from tests.hotline.journeys import STREET_COMPLAINT, cast, ok

# A complaint the demo city routes straight to 望京街道 by its category: dispatched at intake.
BODY = {**STREET_COMPLAINT, "channel": "phone"}


@contextmanager
def counted(app, monkeypatch):
    counts = {"statements": 0, "commits": 0, "redis": 0, "checkouts": 0, "sql": [], "redis_commands": []}

    def statement(_conn, _cursor, sql, *_args):
        if not sql.startswith(("BEGIN", "SAVEPOINT", "RELEASE", "SET LOCAL")):  # the same on both databases
            counts["statements"] += 1
            counts["sql"].append(sql.split("\n")[0][:90])

    def commit(_conn):
        counts["commits"] += 1

    send = Connection.send_packed_command

    def send_packed_command(self, command, check_health=True):
        counts["redis"] += 1
        first = command[0] if isinstance(command, list) else command
        counts["redis_commands"].append(bytes(first)[:60])
        return send(self, command, check_health)

    def checkout(*_args):
        counts["checkouts"] += 1

    event.listen(engine(app), "before_cursor_execute", statement)
    event.listen(engine(app), "commit", commit)
    event.listen(engine(app).pool, "checkout", checkout)
    monkeypatch.setattr(Connection, "send_packed_command", send_packed_command)
    try:
        yield counts
    finally:
        event.remove(engine(app), "before_cursor_execute", statement)
        event.remove(engine(app), "commit", commit)
        event.remove(engine(app).pool, "checkout", checkout)


@pytest.fixture
def agent(actors, client):
    people = cast(actors)
    ok(client.post("/api/v1/tickets", headers=people.agent, json={  # another matter, another street
        "channel": "phone", "content": "中关村大街路灯不亮好几天了", "address": "海淀区中关村街道",
        "citizen": {"phone": "13900000000"}}))
    return people.agent  # caches warm, model loaded: what every later intake finds


def test_intake__a_dispatched_complaint_costs_a_fixed_number_of_round_trips(app, client, agent, monkeypatch):
    with counted(app, monkeypatch) as counts:
        answer = ok(client.post("/api/v1/tickets", headers=agent, json={**BODY, "citizen": {"phone": "13900000001"}}))
    assert answer["status"] == "dispatched" and answer["unit"]["code"] == "CY-WJ", answer["routing_reason"]
    # One commit for the ticket, its routing and both events; one (not waited for) clearing jobs_owed
    # once the jobs are on the schedule.
    assert counts["commits"] == 2, counts["sql"]
    # Caller's key, duplicate candidates, number, ticket, event; the dispatch's event, its two assignments
    # (one INSERT of both rows on PostgreSQL, which SQLAlchemy batches with RETURNING) and the routed row
    # (units and matter type from the city cache; a new ticket has no assignment or extension to end); the
    # drain's read and write. The answer reads nothing back (10; 19 two rounds ago).
    postgres = engine(app).dialect.name == "postgresql"
    assert counts["statements"] <= (10 if postgres else 11), counts["sql"]
    assert len([sql for sql in counts["sql"] if sql.startswith("INSERT INTO assignments")]) == (1 if postgres else 2)
    assert not [sql for sql in counts["sql"] if sql.startswith(("SELECT units", "SELECT categories"))], counts["sql"]
    # The duplicate index (one script), every deadline job in one pipeline, filing in the index.
    assert counts["redis"] == 3, counts["redis_commands"]


def test_intake__a_triaged_complaint_is_not_read_back_by_the_drain(app, client, agent, monkeypatch):
    drained = []
    from hotline.jobs import aftercommit

    monkeypatch.setattr(aftercommit, "schedule_round", lambda *args: drained.append(args[-1].id))
    with counted(app, monkeypatch) as counts:
        answer = ok(client.post("/api/v1/tickets", headers=agent, json={  # no category, no place: a person routes it
            "channel": "phone", "content": "我想反映一个情况，说不清楚归谁管。", "citizen": {"phone": "13900000002"}}))
    assert answer["status"] == "triage"
    # It owes no deadline job and opened no follow-up: nothing for the after-commit drain to read.
    assert drained == [] and counts["commits"] == 1, counts["sql"]
    assert not [sql for sql in counts["sql"] if sql.startswith("SELECT tickets.id")], counts["sql"]
    assert counts["statements"] <= 8, counts["sql"]
    # On PostgreSQL the reads (the caller, the candidates) go on as the write: one connection, one
    # transaction. SQLite ends the read first (its write lock is taken at BEGIN).
    assert counts["checkouts"] == (1 if engine(app).dialect.name == "postgresql" else 2)
