"""Channels routed by job (ROUTE_BY_JOB_CHANNELS): the ticket is stored `received` in the request and a job
queued by its commit routes it, with a real RQ worker on a real Redis."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rq import Queue, SimpleWorker
from rq.job import Job
from sqlalchemy import func, select, update

from hotline.database import session_factory
from hotline.intake import jobs as intake_jobs
from hotline.intake import service as intake_service
from hotline.intake.service import ROUTING_QUEUED
from hotline.jobs.sweep import sweep, sweep_job
from hotline.queue import runtime
from models import Ticket, TicketEvent, Unit, clock
from tests.hotline.journeys import LEAD_UNIT, STREET_COMPLAINT

ROUTED_FACTS = ("status", "category_id", "request_type", "lead_unit_id", "district_id", "street_id", "urgency",
                "referral", "dup_text")


@pytest.fixture
def by_job(make_app, actors):
    app = make_app(ROUTE_BY_JOB_CHANNELS="web,app")
    actors.app = app
    runtime.use_app(app)
    yield app, app.test_client(), actors
    runtime.use_app(None)


def _queue(app) -> Queue:
    return runtime.routing_queue(app)


def _ticket(app, number: str) -> Ticket:
    with session_factory(app)() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.ticket_no == number))
        session.refresh(ticket, ["dup_text"])  # deferred: read while the session is open
        return ticket


def _unit_id(app, code: str) -> int:
    with session_factory(app)() as session:
        return session.scalar(select(Unit.id).where(Unit.code == code))


def _events(app, number: str) -> list[str]:
    with session_factory(app)() as session:
        return list(session.scalars(select(TicketEvent.action).join(Ticket).where(Ticket.ticket_no == number)
                                    .order_by(TicketEvent.id)))


def test_route_by_job__a_web_ticket_is_answered_received_with_its_routing_queued(by_job):
    app, client, actors = by_job
    answer = client.post("/api/v1/tickets", json=STREET_COMPLAINT, headers=actors.key("web"))
    assert answer.status_code == 201
    assert answer.json["status"] == "received"
    assert answer.json["routing_reason"] == ROUTING_QUEUED
    ticket = _ticket(app, answer.json["ticket_no"])
    shard = ticket.id % intake_jobs.SHARDS
    redis = _queue(app).connection
    assert redis.smembers(intake_jobs.pending_key(shard)) == {str(ticket.id).encode()}
    job = Job.fetch(f"route-{shard}-for-{ticket.id}", connection=redis)
    assert job.get_status() == "queued" and job.args == (shard,)
    assert _events(app, ticket.ticket_no) == ["receive"]  # nothing routed yet, nothing half-written


def test_route_by_job__tickets_arriving_together_share_a_job_per_shard(by_job):
    app, client, actors = by_job
    headers = actors.key("web")
    numbers = [client.post("/api/v1/tickets", json=dict(STREET_COMPLAINT, content=f"{STREET_COMPLAINT['content']}{i}号",
                                                        citizen={"phone": f"1381234{i:04d}"}),
                           headers=headers).json["ticket_no"] for i in range(7)]
    assert _queue(app).count == intake_jobs.SHARDS  # one waiting job per shard, not one per ticket
    SimpleWorker([_queue(app)], connection=_queue(app).connection).work(burst=True)
    assert {_ticket(app, n).status for n in numbers} <= {"dispatched", "triage"}
    assert _queue(app).count == 0 and not _queue(app).connection.exists(intake_jobs.queued_key(0))


def test_route_by_job__a_ticket_committed_while_a_job_runs_is_routed_too(by_job, monkeypatch):
    """Whether this job takes it or the next one (its flag was cleared before it took ids): never stranded."""
    app, client, actors = by_job
    headers = actors.key("web")
    first = client.post("/api/v1/tickets", json=STREET_COMPLAINT, headers=headers).json["ticket_no"]
    late: list[str] = []
    route_one = intake_jobs.route_one

    def route_and_receive_another(app_, session, ticket_id):
        if not late:  # a submitter's commit lands while the job is routing
            late.append(client.post("/api/v1/tickets", json=dict(STREET_COMPLAINT, citizen={"phone": "13900000001"},
                                                                 content="另一个小区门口也有人摆摊卖烧烤，占了人行道。"),
                                    headers=headers).json["ticket_no"])
        return route_one(app_, session, ticket_id)

    monkeypatch.setattr(intake_jobs, "route_one", route_and_receive_another)
    SimpleWorker([_queue(app)], connection=_queue(app).connection).work(burst=True)
    assert _ticket(app, first).status != "received"
    assert _ticket(app, late[0]).status != "received"  # routed by the job its own commit queued


def test_route_by_job__one_ticket_failing_does_not_stop_the_batch(by_job, monkeypatch):
    app, client, actors = by_job
    headers = actors.key("web")
    numbers = [client.post("/api/v1/tickets", json=dict(STREET_COMPLAINT, content=f"{STREET_COMPLAINT['content']}{i}",
                                                        citizen={"phone": f"1391234{i:04d}"}),
                           headers=headers).json["ticket_no"] for i in range(4)]
    broken = _ticket(app, numbers[0]).id
    real = intake_service.route_new_ticket

    def fail_one(app_, session, ticket, **kwargs):
        if ticket.id == broken:
            raise RuntimeError("the city index is broken")
        return real(app_, session, ticket, **kwargs)

    monkeypatch.setattr(intake_service, "route_new_ticket", fail_one)
    SimpleWorker([_queue(app)], connection=_queue(app).connection).work(burst=True)
    statuses = [_ticket(app, n).status for n in numbers]
    assert statuses[0] == "received"  # left for the sweep
    assert all(status != "received" for status in statuses[1:])


def test_route_by_job__the_project_worker_routes_it_as_the_request_would_have(by_job):
    from hotline.processes.worker import run

    app, client, actors = by_job
    # The same complaint from a channel routed in the request: the reference. Set aside as closed, so
    # that the second is not its open duplicate (the setting-aside is the test's, not a workflow step).
    reference = client.post("/api/v1/tickets", json=STREET_COMPLAINT, headers=actors.key("wechat")).json
    assert reference["status"] == "dispatched"
    with session_factory(app)() as session, session.begin():
        session.execute(update(Ticket).where(Ticket.ticket_no == reference["ticket_no"]).values(status="closed"))
    queued = client.post("/api/v1/tickets", json=STREET_COMPLAINT, headers=actors.key("web")).json["ticket_no"]
    # A job of the default queue after it: its forked work-horse must not reuse the worker's connections,
    # which the routing job, run in the worker's own process, has used.
    runtime.queue(app).enqueue(sweep_job, job_id="sweep-after-routing")
    assert run(app, burst=True) == 0  # the worker of `up` and production, in burst mode
    assert Job.fetch("sweep-after-routing", connection=_queue(app).connection).get_status() == "finished"
    routed, inline = _ticket(app, queued), _ticket(app, reference["ticket_no"])
    assert routed.status == "dispatched" and routed.lead_unit_id == _unit_id(app, LEAD_UNIT)
    assert {f: getattr(routed, f) for f in ROUTED_FACTS if f != "status"} == \
        {f: getattr(inline, f) for f in ROUTED_FACTS if f != "status"}
    assert _events(app, queued)[:2] == ["receive", "dispatch"]
    # Its deadline jobs followed the routing's commit, as they do after an intake routed in the request.
    assert not routed.jobs_owed and routed.next_check_at is not None


def test_route_by_job__routing_a_ticket_twice_changes_nothing(by_job):
    app, client, actors = by_job
    number = client.post("/api/v1/tickets", json=STREET_COMPLAINT, headers=actors.key("web")).json["ticket_no"]
    ticket_id = _ticket(app, number).id
    with app.app_context(), session_factory(app)() as session:
        assert intake_jobs.route_one(app, session, ticket_id) is True
        assert intake_jobs.route_one(app, session, ticket_id) is False  # routed already
        assert intake_jobs.route_one(app, session, ticket_id + 10_000) is False  # gone
    SimpleWorker([_queue(app)], connection=_queue(app).connection).work(burst=True)  # the queued run too
    assert _events(app, number).count("dispatch") == 1


def test_route_by_job__staff_see_the_routing_in_the_answer_whatever_the_channel(by_job):
    _app, client, actors = by_job
    answer = client.post("/api/v1/tickets", json=dict(STREET_COMPLAINT, channel="web"), headers=actors.user("agent"))
    assert answer.status_code == 201
    assert answer.json["status"] == "dispatched"
    assert answer.json.get("routing_reason") != ROUTING_QUEUED


def test_route_by_job__a_channel_not_listed_is_routed_in_the_request(by_job):
    _app, client, actors = by_job
    answer = client.post("/api/v1/tickets", json=STREET_COMPLAINT, headers=actors.key("open311"))
    assert answer.json["status"] == "dispatched"


def test_route_by_job__a_retry_with_the_same_key_queues_nothing_more(by_job):
    app, client, actors = by_job
    headers = {**actors.key("web"), "Idempotency-Key": "form-42"}
    first = client.post("/api/v1/tickets", json=STREET_COMPLAINT, headers=headers)
    again = client.post("/api/v1/tickets", json=STREET_COMPLAINT, headers=headers)
    assert again.status_code == 200 and again.json["ticket_no"] == first.json["ticket_no"]
    assert _queue(app).count == 1
    with session_factory(app)() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_route_by_job__without_redis_the_ticket_is_kept_and_the_sweep_routes_it(make_app, actors, tmp_path):
    app = make_app(ROUTE_BY_JOB_CHANNELS="web", REDIS_URL=f"unix://{tmp_path / 'no-redis.sock'}",
                   RATELIMIT_STORAGE_URL="")
    actors.app = app
    answer = app.test_client().post("/api/v1/tickets", json=STREET_COMPLAINT, headers=actors.key("web"))
    assert answer.status_code == 201 and answer.json["status"] == "received"
    with app.app_context():
        assert sweep(app, now=clock.now() + timedelta(minutes=6)).routed == 1
    assert _ticket(app, answer.json["ticket_no"]).status == "dispatched"
