"""Every action × every state × every role: allowed (200), refused by role (403) or by state (409)."""

from __future__ import annotations

import pytest

from tests.hotline.journeys import BODIES, act, cast, new_ticket, remember_article, ticket_in

STATES = ("triage", "dispatched", "returned", "accepted", "responded", "replied", "closed", "answered",
          "rejected", "merged")
FINAL = ("closed", "answered", "rejected", "merged")

# action → (roles allowed, states allowed)
RULES = {
    "dispatch": ({"agent", "supervisor"}, {"triage"}),
    "accept": ({"lead_staff"}, {"dispatched"}),
    "return": ({"lead_staff"}, {"dispatched", "accepted"}),
    "decide-return": ({"supervisor"}, {"returned"}),
    "respond": ({"lead_staff"}, {"accepted"}),
    "request-extension": ({"lead_staff"}, {"accepted", "responded"}),
    "reply": ({"lead_staff"}, {"responded"}),
    "reopen": ({"agent", "supervisor"}, {"replied", "closed"}),
    "merge": ({"agent", "supervisor"}, {"triage", "dispatched", "returned"}),
    "answer": ({"agent", "supervisor"}, {"triage"}),
    "reject": ({"agent", "supervisor"}, {"triage"}),
    "exclude": ({"supervisor"}, set(STATES)),
    "close": ({"supervisor"}, {"replied"}),
}
ROLES = ("agent", "supervisor", "lead_staff", "admin", "key")


# Tickets without a lead unit (never dispatched) are invisible to unit staff: 404, not 403.
UNPLACED = ("triage", "answered", "rejected", "merged")


def expected(action: str, role: str, state: str) -> int:
    roles, states = RULES[action]
    if role == "lead_staff" and state in UNPLACED:
        return 404
    if role not in roles:
        return 403
    return 200 if state in states else 409


@pytest.fixture
def world(app, client, actors):
    remember_article(app)
    return client, cast(actors)


@pytest.mark.parametrize("state", STATES)
def test_matrix__each_action_by_role_and_state(world, state):
    client, people = world
    failures = []
    for action in RULES:
        for role in ROLES:
            number = ticket_in(client, people, state)
            body = dict(BODIES[action])
            if action == "merge":
                body["into"] = new_ticket(client, people, content="另一件事：楼道灯坏了",
                                          citizen={"phone": "13700001111"})["ticket_no"]
            if action == "answer":
                body["article_id"] = remember_article(client.application)
            if action == "dispatch":
                body = {"unit": "CY-WJ"}
            response = act(client, getattr(people, role), number, action, body)
            want = expected(action, role, state)
            if response.status_code != want:
                failures.append((action, role, state, response.status_code, want, response.json))
    assert failures == [], "\n".join(str(f[:5]) for f in failures)


def test_matrix__other_units_staff_cannot_see_or_act(world):
    client, people = world
    for state in ("dispatched", "accepted", "responded"):
        number = ticket_in(client, people, state)
        for action in ("accept", "return", "respond", "reply", "request-extension"):
            response = act(client, people.other_staff, number, action, BODIES[action])
            assert response.status_code == 404, (state, action, response.json)
        assert client.get(f"/api/v1/tickets/{number}", headers=people.other_staff).status_code == 404


def test_matrix__conflict_message_names_the_state(world):
    client, people = world
    number = ticket_in(client, people, "closed")
    response = act(client, people.lead_staff, number, "accept", {})
    assert response.status_code == 409
    assert response.json["error"]["code"] == "invalid_state"
    assert "已办结" in response.json["error"]["message"]


def test_matrix__unknown_action_is_404(world):
    client, people = world
    number = ticket_in(client, people, "dispatched")
    response = act(client, people.supervisor, number, "teleport", {})
    assert response.status_code == 404
    assert "可用操作" in response.json["error"]["message"]


@pytest.mark.parametrize(("action", "body", "field"), [
    ("return", {"reason": ""}, "reason"),
    ("return", {}, "reason"),
    ("request-extension", {"days": 0, "reason": "x"}, "days"),
    ("request-extension", {"days": 31, "reason": "x"}, "days"),
    ("dispatch", {"unit": "NOPE"}, "unit"),
    ("reject", {"reason": "x", "referral": "999"}, "referral"),
    ("reply", {"reply": "done"}, "resolved"),
])
def test_matrix__bad_bodies_are_422_and_change_nothing(world, action, body, field):
    client, people = world
    state = {"return": "dispatched", "request-extension": "accepted", "dispatch": "triage",
             "reject": "triage", "reply": "responded"}[action]
    number = ticket_in(client, people, state)
    who = people.lead_staff if action in ("return", "request-extension", "reply") else people.agent
    before = client.get(f"/api/v1/tickets/{number}/events", headers=people.supervisor).json["events"]
    response = act(client, who, number, action, body)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"]
    after = client.get(f"/api/v1/tickets/{number}/events", headers=people.supervisor).json["events"]
    assert after == before
