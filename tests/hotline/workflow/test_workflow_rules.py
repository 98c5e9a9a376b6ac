"""The transition table is the one place that says who may do what when (hotline.workflow.rules)."""

from __future__ import annotations

import dataclasses

import pytest

from hotline.workflow import rules
from models.enums import Role, TicketStatus
from tests.hotline.journeys import BODIES, OTHER_UNIT, act, cast, ok, ticket_in


@pytest.fixture
def people(app, actors):
    return cast(actors)


def get(client, headers, number):
    return ok(client.get(f"/api/v1/tickets/{number}", headers=headers))


def test_table__one_line_changes_the_api_the_actions_and_the_openapi_document(client, people, monkeypatch):
    """Let agents close replied tickets too: the API, `actions` and the OpenAPI document all follow."""
    number = ticket_in(client, people, "replied")
    assert "close" not in get(client, people.agent, number)["actions"]
    assert act(client, people.agent, number, "close", BODIES["close"]).status_code == 403

    closing = rules.RULES["close"]
    monkeypatch.setitem(rules.RULES, "close", dataclasses.replace(
        closing, roles=closing.roles | {Role.AGENT}))

    assert "close" in get(client, people.agent, number)["actions"]
    operation = client.get("/api/v1/openapi.json").json["paths"]["/api/v1/tickets/{ticket_no}/close"]["post"]
    assert "坐席" in operation["description"]
    assert ok(act(client, people.agent, number, "close", BODIES["close"]))["status"] == "closed"


def test_actions__name_what_each_person_may_do_now(client, people):
    number = ticket_in(client, people, "dispatched")
    assert get(client, people.lead_staff, number)["actions"] == ["accept", "return"]
    assert set(get(client, people.supervisor, number)["actions"]) == {"merge", "exclude"}
    assert get(client, people.agent, number)["actions"] == ["merge"]
    ok(act(client, people.lead_staff, number, "accept"))
    assert get(client, people.lead_staff, number)["actions"] == ["return", "respond", "request-extension"]
    ok(act(client, people.lead_staff, number, "request-extension", BODIES["request-extension"]))
    assert "request-extension" not in get(client, people.lead_staff, number)["actions"]
    assert "decide-extension" in get(client, people.supervisor, number)["actions"]


def test_actions__a_channel_key_takes_none(client, people):
    created = ok(client.post("/api/v1/tickets", headers=people.key, json={
        "content": "望京西园三区门口每天晚上都有人摆摊卖烧烤", "address": "朝阳区望京西园三区"}))
    assert created["actions"] == []
    assert created["suggestions"] == [] and created["duplicates"] == [] and created["routing_reason"] is None


def test_every_public_action_has_a_rule_a_body_and_a_chinese_name():
    for name in rules.PUBLIC_ACTIONS:
        rule = rules.RULES[name]
        assert rule.chinese and rule.starts_from and rule.body is not None
        assert rule.roles or rule.lead_unit_only, name


def test_no_rule_leads_back_to_received():
    # end_assignments relies on it: a ticket still `received` was never with a unit (nothing to end).
    assert all(TicketStatus.RECEIVED not in rule.leads_to for rule in rules.RULES.values())


# --- decide-extension and the extension's life ----------------------------------------------------

def _with_pending_extension(client, people) -> str:
    number = ticket_in(client, people, "accepted")
    ok(act(client, people.lead_staff, number, "request-extension", BODIES["request-extension"]))
    return number


def test_decide_extension__checks_the_tickets_status(client, people):
    number = _with_pending_extension(client, people)
    ok(act(client, people.lead_staff, number, "return", BODIES["return"]))
    answer = act(client, people.supervisor, number, "decide-extension", {"approve": True})
    assert answer.status_code == 409 and "退单待审" in answer.json["error"]["message"]


@pytest.mark.parametrize("leave", ["approved-return", "reply"])
def test_pending_extension__lapses_when_the_ticket_leaves_the_unit_or_is_replied(client, people, leave):
    number = _with_pending_extension(client, people)
    if leave == "approved-return":
        ok(act(client, people.lead_staff, number, "return", BODIES["return"]))
        ok(act(client, people.supervisor, number, "decide-return", {"approve": True, "unit": OTHER_UNIT}))
    else:
        ok(act(client, people.lead_staff, number, "respond", BODIES["respond"]))
        ok(act(client, people.lead_staff, number, "reply", BODIES["reply"]))
    trail = ok(client.get(f"/api/v1/tickets/{number}/events", headers=people.supervisor))["events"]
    assert [e["action"] for e in trail].count("cancel-extension") == 1
    before = get(client, people.supervisor, number)["deadlines"]["reply"]
    assert act(client, people.supervisor, number, "decide-extension", {"approve": True}).status_code == 409
    assert get(client, people.supervisor, number)["deadlines"]["reply"] == before


def test_approving_an_extension__never_moves_another_units_deadline(client, people):
    """Unit A asks, the ticket goes to unit B (approved return), B accepts: A's old request is gone, so
    nothing a supervisor does can add A's days to B's clock."""
    number = _with_pending_extension(client, people)
    ok(act(client, people.lead_staff, number, "return", BODIES["return"]))
    ok(act(client, people.supervisor, number, "decide-return", {"approve": True, "unit": OTHER_UNIT}))
    ok(act(client, people.other_staff, number, "accept"))
    due = get(client, people.supervisor, number)["deadlines"]["reply"]
    answer = act(client, people.supervisor, number, "decide-extension", {"approve": True})
    assert answer.status_code == 409 and answer.json["error"]["code"] == "no_pending_extension"
    assert get(client, people.supervisor, number)["deadlines"]["reply"] == due


@pytest.mark.parametrize("body", [{"approve": "yes"}, {"approve": 1}])
def test_decide_extension__approve_must_be_a_boolean(client, people, body):
    number = _with_pending_extension(client, people)
    answer = act(client, people.supervisor, number, "decide-extension", body)
    assert answer.status_code == 422 and "approve" in answer.json["error"]["fields"]


def test_docs__the_workflow_document_shows_the_table_of_the_code(app):
    """docs/workflow.md holds the output of `flask workflow table`: change the table, regenerate the doc."""
    from pathlib import Path

    document = (Path(__file__).resolve().parents[3] / "docs" / "workflow.md").read_text()
    printed = app.test_cli_runner().invoke(args=["workflow", "table"]).output.strip()
    between = document.split("<!-- generated: flask --app wsgi workflow table -->")[1].split("<!-- end generated -->")[0]
    assert between.strip() == printed
