"""Whole journeys through the HTTP API alone: intake, routing, the unit's work, returns, extensions,
merges, knowledge-base answers — and the events telling the whole story."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from models import Label
from tests.hotline.journeys import (
    LEAD_UNIT,
    OTHER_UNIT,
    act,
    cast,
    events,
    new_ticket,
    ok,
    remember_article,
    triage_ticket,
)


@pytest.fixture
def world(app, client, actors):
    remember_article(app)
    return client, cast(actors)


def test_lifecycle__call_routed_accepted_responded_replied(world):
    client, people = world
    ticket = new_ticket(client, people)
    number = ticket["ticket_no"]
    assert ticket["status"] == "dispatched"
    assert ticket["unit"]["code"] == LEAD_UNIT
    assert ticket["jurisdiction"] == {"district": "朝阳区", "street": "望京街道"}
    assert ticket["urgency"] == "normal"
    assert all(ticket["deadlines"][stage] for stage in ("accept", "respond", "reply"))

    queue = ok(client.get("/api/v1/tickets?status=dispatched", headers=people.lead_staff))
    assert [item["ticket_no"] for item in queue["items"]] == [number]
    ok(act(client, people.lead_staff, number, "accept"))
    ok(act(client, people.lead_staff, number, "respond", {"note": "已电话联系市民"}))
    replied = ok(act(client, people.lead_staff, number, "reply", {"reply": "已清理摊位", "resolved": True}))
    assert replied["status"] == "replied"
    assert replied["reply"] == "已清理摊位"
    assert replied["deadlines"]["followup"] is not None

    assert events(client, people.supervisor, number) == [
        ("receive", None, "received"),
        ("dispatch", "received", "dispatched"),
        ("accept", "dispatched", "accepted"),
        ("respond", "accepted", "responded"),
        ("reply", "responded", "replied"),
        ("followup-open", "replied", "replied"),
    ]
    trail = ok(client.get(f"/api/v1/tickets/{number}/events", headers=people.supervisor))["events"]
    assert trail[1]["actor"] == "system" and trail[1]["data"]["auto"] is True
    assert trail[2]["actor"].startswith("user:unit_staff")


def test_lifecycle__triaged_then_dispatched_by_an_agent_records_a_label(world, session):
    client, people = world
    ticket = triage_ticket(client, people)
    assert ticket["routing_reason"]
    number = ticket["ticket_no"]
    dispatched = ok(act(client, people.agent, number, "dispatch",
                        {"unit": "SSCJG", "category": "MKT-FOOD", "assisting": ["CY-WJ"]}))
    assert dispatched["status"] == "dispatched"
    assert dispatched["unit"]["code"] == "SSCJG"
    assert dispatched["category"]["code"] == "MKT-FOOD" and dispatched["category"]["probability"] == 1.0
    assert dispatched["assisting"] == [{"code": "CY-WJ", "name": dispatched["assisting"][0]["name"]}]
    label = session.scalar(select(Label).where(Label.category_code == "MKT-FOOD"))
    assert label is not None and label.source == "dispatch" and label.actor.startswith("user:agent")
    # The assisting unit sees the ticket but may not act for the lead unit.
    assert client.get(f"/api/v1/tickets/{number}", headers=people.lead_staff).status_code == 200
    assert act(client, people.lead_staff, number, "accept").status_code == 403


def test_return__approved_and_rerouted_to_another_unit(world, session):
    client, people = world
    number = new_ticket(client, people)["ticket_no"]
    returned = ok(act(client, people.lead_staff, number, "return", {"reason": "该路段属于中关村街道管辖"}))
    assert returned["status"] == "returned"
    rerouted = ok(act(client, people.supervisor, number, "decide-return",
                      {"approve": True, "unit": OTHER_UNIT, "note": "同意改派"}))
    assert rerouted["status"] == "dispatched"
    assert rerouted["unit"]["code"] == OTHER_UNIT
    # The first unit no longer sees it; the new one does and can work it.
    assert client.get(f"/api/v1/tickets/{number}", headers=people.lead_staff).status_code == 404
    ok(act(client, people.other_staff, number, "accept"))
    label = session.scalar(select(Label).where(Label.source == "return_approved"))
    assert label is not None and label.category_code == "CTY-VENDOR"
    assert [e[0] for e in events(client, people.supervisor, number)] == [
        "receive", "dispatch", "return", "decide-return", "accept"]


def test_return__approved_to_triage_with_a_new_category_shows_both_at_once(world):
    client, people = world
    number = new_ticket(client, people)["ticket_no"]
    ok(act(client, people.lead_staff, number, "return", {"reason": "这是食品安全问题，不归街道"}))
    decided = ok(act(client, people.supervisor, number, "decide-return",
                     {"approve": True, "category": "MKT-FOOD", "note": "改为食品安全"}))
    assert decided["status"] == "triage"
    assert decided["unit"] is None
    assert decided["category"]["code"] == "MKT-FOOD"


def test_return__rejected_goes_back_to_the_same_unit(world):
    client, people = world
    number = new_ticket(client, people)["ticket_no"]
    ok(act(client, people.lead_staff, number, "accept"))
    ok(act(client, people.lead_staff, number, "return", {"reason": "不归我们管"}))
    back = ok(act(client, people.supervisor, number, "decide-return", {"approve": False, "note": "属地事项"}))
    assert back["status"] == "accepted"  # it had been accepted before the return
    assert back["unit"]["code"] == LEAD_UNIT


def test_return__approved_without_a_unit_goes_to_triage(world):
    client, people = world
    number = new_ticket(client, people)["ticket_no"]
    ok(act(client, people.lead_staff, number, "return", {"reason": "需重新研判"}))
    back = ok(act(client, people.supervisor, number, "decide-return", {"approve": True}))
    assert back["status"] == "triage" and back["unit"] is None


def test_return__needs_reason(world):
    client, people = world
    number = new_ticket(client, people)["ticket_no"]
    response = act(client, people.lead_staff, number, "return", {"reason": "   "})
    assert response.status_code == 422


def test_extension__approved_moves_the_reply_deadline_by_working_days(world):
    client, people = world
    number = new_ticket(client, people)["ticket_no"]
    ok(act(client, people.lead_staff, number, "accept"))
    before = ok(client.get(f"/api/v1/tickets/{number}", headers=people.supervisor))["deadlines"]["reply"]
    ok(act(client, people.lead_staff, number, "request-extension", {"days": 3, "reason": "需多部门协调"}))
    second = act(client, people.lead_staff, number, "request-extension", {"days": 2, "reason": "再次申请"})
    assert second.status_code == 409  # one pending request at a time
    after = ok(act(client, people.supervisor, number, "decide-extension", {"approve": True}))["deadlines"]["reply"]
    old, new = datetime.fromisoformat(before), datetime.fromisoformat(after)
    assert new > old and new.time() == old.time()
    assert (new.date() - old.date()).days >= 3
    assert act(client, people.supervisor, number, "decide-extension", {"approve": True}).status_code == 409


def test_extension__rejected_leaves_the_deadline(world):
    client, people = world
    number = new_ticket(client, people)["ticket_no"]
    ok(act(client, people.lead_staff, number, "accept"))
    before = ok(client.get(f"/api/v1/tickets/{number}", headers=people.supervisor))["deadlines"]["reply"]
    ok(act(client, people.lead_staff, number, "request-extension", {"days": 5, "reason": "人手不足"}))
    after = ok(act(client, people.supervisor, number, "decide-extension", {"approve": False, "note": "理由不充分"}))
    assert after["deadlines"]["reply"] == before


def test_merge__repeat_becomes_child_of_the_open_ticket(world):
    client, people = world
    parent = new_ticket(client, people)
    child = new_ticket(client, people, citizen={"phone": "13900002222"})
    assert child["status"] == "triage"  # the router saw the open duplicate and held it
    assert child["duplicates"][0]["ticket_no"] == parent["ticket_no"]
    merged = ok(act(client, people.agent, child["ticket_no"], "merge", {"into": parent["ticket_no"]}))
    assert merged["status"] == "merged" and merged["parent"] == parent["ticket_no"]
    assert ("merged-child", "dispatched", "dispatched") in events(client, people.supervisor, parent["ticket_no"])
    again = act(client, people.agent, child["ticket_no"], "merge", {"into": parent["ticket_no"]})
    assert again.status_code == 409


def test_merge__into_itself_or_a_closed_ticket_is_refused(world):
    client, people = world
    first = triage_ticket(client, people)["ticket_no"]
    assert act(client, people.agent, first, "merge", {"into": first}).status_code == 422
    closed = triage_ticket(client, people)["ticket_no"]
    ok(act(client, people.agent, closed, "reject", {"reason": "重复来电"}))
    assert act(client, people.agent, first, "merge", {"into": closed}).status_code == 409
    assert act(client, people.agent, first, "merge", {"into": "20990101000001"}).status_code == 404


def test_knowledge_base__inquiry_is_answered_at_intake(world):
    client, people = world
    ticket = ok(client.post("/api/v1/tickets", headers=people.agent, json={
        "channel": "phone", "content": "请问今年什么时候开始供暖？", "request_type": "inquiry"}))
    assert ticket["status"] == "answered"
    assert "供暖" in ticket["reply"]
    assert [e[0] for e in events(client, people.agent, ticket["ticket_no"])] == ["receive", "answer"]


def test_knowledge_base__agent_answers_from_an_article(world, app):
    client, people = world
    number = triage_ticket(client, people)["ticket_no"]
    answered = ok(act(client, people.agent, number, "answer",
                      {"article_id": remember_article(app), "answer": "已按知识库答复市民。"}))
    assert answered["status"] == "answered" and answered["reply"] == "已按知识库答复市民。"
    assert act(client, people.agent, number, "answer", {"article_id": 999999}).status_code == 409


def test_knowledge_base__unknown_article_is_422(world):
    client, people = world
    number = triage_ticket(client, people)["ticket_no"]
    assert act(client, people.agent, number, "answer", {"article_id": 999999}).status_code == 422


def test_emergency__fire_is_flagged_for_119_and_held_for_the_agent(world):
    client, people = world
    ticket = ok(client.post("/api/v1/tickets", headers=people.agent, json={
        "channel": "phone", "content": "我们楼道里着火了，浓烟很大，有人被困！", "address": "海淀区中关村街道"}))
    assert ticket["status"] == "triage"
    assert ticket["referral"] == "119" and ticket["urgency"] == "emergency"
    assert "119" in ticket["routing_reason"]
    rejected = ok(act(client, people.agent, ticket["ticket_no"], "reject",
                      {"reason": "已转119处置", "referral": "119"}))
    assert rejected["status"] == "rejected"


def test_reopen__goes_back_to_the_same_unit_with_fresh_deadlines(world):
    client, people = world
    number = new_ticket(client, people)["ticket_no"]
    for action, body in (("accept", {}), ("respond", {"note": "已联系"}), ("reply", {"reply": "已处理", "resolved": True})):
        ok(act(client, people.lead_staff, number, action, body))
    reopened = ok(act(client, people.agent, number, "reopen", {"reason": "市民反映摊位又回来了"}))
    assert reopened["status"] == "dispatched" and reopened["unit"]["code"] == LEAD_UNIT
    assert reopened["deadlines"]["followup"] is None
    ok(act(client, people.lead_staff, number, "accept"))


def test_exclude__by_supervisor_with_reason_once(world):
    client, people = world
    number = new_ticket(client, people)["ticket_no"]
    excluded = ok(act(client, people.supervisor, number, "exclude", {"reason": "暴雨橙色预警期间无法处置"}))
    assert excluded["excluded"] is True
    assert act(client, people.supervisor, number, "exclude", {"reason": "again"}).status_code == 409
    assert act(client, people.agent, number, "exclude", {"reason": "x"}).status_code == 403


def test_department_matter_goes_to_the_department_wherever_it_is(world):
    client, people = world
    ticket = ok(client.post("/api/v1/tickets", headers=people.agent, json={
        "channel": "phone", "content": "公司拖欠我三个月工资了，老板一直推脱。",
        "category_code": "LAB-WAGE", "address": "丰台区卢沟桥街道"}))
    assert ticket["status"] == "dispatched"
    assert ticket["unit"]["code"] != "FT-LGQ"  # never pushed down to the street


def test_dispatch__keeps_the_loaded_assisting_units_current_in_the_session(app, world, session):
    from hotline import workflow
    from hotline.auth import SYSTEM
    from hotline.workflow.sla import sla
    from models import Ticket

    client, people = world
    number = triage_ticket(client, people)["ticket_no"]
    with session.begin():
        ticket = session.scalar(select(Ticket).where(Ticket.ticket_no == number))
        assert ticket.assisting_assignments == []  # loaded: a stale view would keep saying so
        workflow.dispatch(workflow.Step(session, SYSTEM, sla(app)), ticket, "SSCJG", [LEAD_UNIT, OTHER_UNIT],
                          "MKT-FOOD", auto=True)
        assert [a.unit.code for a in ticket.assisting_assignments] == [LEAD_UNIT, OTHER_UNIT]
    session.expire_all()  # and the database says the same
    assert [a.unit.code for a in ticket.assisting_assignments] == [LEAD_UNIT, OTHER_UNIT]
