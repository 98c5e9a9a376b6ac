"""Security matrix: every route and method of the app × every kind of caller → the expected status.

The table is checked against `app.url_map`: a route or method without an entry fails the suite, so a new
route cannot ship without saying who may call it. Workflow actions (one URL rule) are expanded into every
action of the transition table. Callers: anonymous, a key of each channel (the web key created the
ticket), each staff role, the lead unit's staff and another unit's staff.

Then PII: a confidential citizen's name and phone never reach another unit's eyes, nor the lead unit's
in any response shape; and what a channel key may see of routing (nothing of other tickets, no internals).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from tests.hotline.journeys import (
    BODIES,
    LEAD_UNIT,
    OTHER_UNIT,
    STREET_COMPLAINT,
    ok,
    remember_article,
    ticket_in,
)

CHANNELS = ("phone", "web", "app", "wechat", "open311")
KEYS = tuple(f"key:{channel}" for channel in CHANNELS)
STAFF = ("agent", "supervisor", "admin", "lead_staff", "other_staff")
CALLERS = ("anonymous", *KEYS, *STAFF)
OWNER = "key:web"  # the key that submitted the matrix's ticket


def expect(anonymous: int, keys: int, *, owner: int | None = None, staff: int | None = None, **roles: int) -> dict:
    """{caller: status}; `owner` overrides the web key (the ticket's submitter), `staff` sets every role."""
    table = {"anonymous": anonymous, **dict.fromkeys(KEYS, keys)}
    if owner is not None:
        table[OWNER] = owner
    for role in STAFF:
        table[role] = roles.get(role, staff)
    missing = [caller for caller, status in table.items() if status is None]
    assert not missing, f"no expected status for {missing}"
    return table


@dataclass(frozen=True)
class Case:
    path: str  # may use {ticket}, {notification}
    expected: dict[str, int]
    body: object = None  # dict, or a callable(world) -> dict
    fresh: bool = False  # each caller gets its own ticket (the call changes state)


OPEN = dict.fromkeys(CALLERS, 200)
LOGIN = dict.fromkeys(CALLERS, 302)  # redirected to /login
NO_CSRF = dict.fromkeys(CALLERS, 400)

# "METHOD rule" → Case. Every rule of app.url_map must be here (test_matrix__covers_every_route).
ROUTES: dict[str, Case] = {
    "GET /": Case("/", OPEN),
    "GET /static/<path:filename>": Case("/static/survey.css", OPEN),
    "GET /healthz": Case("/healthz", OPEN),
    "GET /metrics": Case("/metrics", OPEN),
    "GET /api/v1/openapi.json": Case("/api/v1/openapi.json", OPEN),
    "POST /api/v1/auth/token": Case("/api/v1/auth/token", OPEN,
                                    body={"username": "matrix-login", "password": "matrix-login-1"}),
    "GET /api/v1/classifier": Case("/api/v1/classifier", expect(401, 403, staff=403, supervisor=200, admin=200)),
    "GET /api/v1/stats/units": Case("/api/v1/stats/units?period=2026-11", expect(401, 403, staff=200)),
    "GET /api/v1/hotspots": Case("/api/v1/hotspots",
                                 expect(401, 403, staff=403, agent=200, supervisor=200, admin=200)),
    "GET /api/v1/notifications": Case("/api/v1/notifications", expect(401, 403, staff=200)),
    "POST /api/v1/notifications/<int:notification_id>/read": Case(
        "/api/v1/notifications/{notification}/read",  # a notice for the supervisors
        expect(401, 403, staff=404, supervisor=200, admin=200), body={}),
    "GET /api/v1/followups/callbacks": Case("/api/v1/followups/callbacks",
                                            expect(401, 403, staff=403, agent=200, supervisor=200)),
    "POST /api/v1/followups/<int:followup_id>/attempt": Case(
        "/api/v1/followups/999999/attempt", expect(401, 403, staff=403, agent=404, supervisor=404), body={}),
    # The survey token is the credential: no login, any caller; a bad token is 404 for all.
    "GET /api/v1/followups/<token>": Case("/api/v1/followups/not-a-token", dict.fromkeys(CALLERS, 404)),
    "POST /api/v1/followups/<token>/answer": Case("/api/v1/followups/not-a-token/answer",
                                                  dict.fromkeys(CALLERS, 404),
                                                  body={"resolved": True, "satisfaction": "satisfied"}),
    "GET /survey/<token>": Case("/survey/not-a-token", dict.fromkeys(CALLERS, 404)),
    "POST /survey/<token>": Case("/survey/not-a-token", dict.fromkeys(CALLERS, 404), body="form"),
    "POST /api/v1/tickets/<ticket_no>/followup-answer": Case(
        "/api/v1/tickets/{ticket}/followup-answer",  # dispatched, no follow-up open: 409 past the gate
        expect(401, 403, staff=403, agent=409, supervisor=409),
        body={"resolved": True, "satisfaction": "satisfied"}),
    "POST /api/v1/tickets": Case("/api/v1/tickets", expect(401, 201, staff=201, lead_staff=403, other_staff=403),
                                 body={"content": "路灯坏了好几天，晚上很黑"}),
    "GET /api/v1/tickets": Case("/api/v1/tickets", expect(401, 200, staff=200)),
    "GET /api/v1/tickets/<ticket_no>": Case("/api/v1/tickets/{ticket}",
                                            expect(401, 404, owner=200, staff=200, other_staff=404)),
    "GET /api/v1/tickets/<ticket_no>/events": Case("/api/v1/tickets/{ticket}/events",
                                                   expect(401, 404, owner=200, staff=200, other_staff=404)),
    # The pages: an API key or staff token opens no page (the pages know only their own login session),
    # so every caller here is sent to /login; role by role, with a logged-in session, the pages are
    # checked in tests/hotline/web/test_pages_access.py. A form posted without the page's CSRF token is 400.
    "GET /admin": Case("/admin", LOGIN),
    "GET /admin/city/<name>": Case("/admin/city/units.yaml", LOGIN),
    "GET /admin/city/export.zip": Case("/admin/city/export.zip", LOGIN),
    "GET /admin/users": Case("/admin/users", LOGIN),
    "GET /agent": Case("/agent", LOGIN),
    "GET /agent/callbacks": Case("/agent/callbacks", LOGIN),
    "GET /agent/triage": Case("/agent/triage", LOGIN),
    "GET /notifications": Case("/notifications", LOGIN),
    "GET /supervisor": Case("/supervisor", LOGIN),
    "GET /supervisor/approvals": Case("/supervisor/approvals", LOGIN),
    "GET /supervisor/charts": Case("/supervisor/charts", LOGIN),
    "GET /supervisor/charts.json": Case("/supervisor/charts.json", LOGIN),
    "GET /supervisor/export/<which>.<fmt>": Case("/supervisor/export/overdue.xlsx", LOGIN),
    "GET /supervisor/export/rankings.<fmt>": Case("/supervisor/export/rankings.csv", LOGIN),
    "GET /admin/sla": Case("/admin/sla", LOGIN),
    "GET /admin/scoring": Case("/admin/scoring", LOGIN),
    "GET /supervisor/rankings": Case("/supervisor/rankings", LOGIN),
    "GET /supervisor/search": Case("/supervisor/search?q=路灯", LOGIN),
    "GET /tickets/<ticket_no>": Case("/tickets/{ticket}", LOGIN),
    "GET /unit": Case("/unit", LOGIN),
    "GET /login": Case("/login", OPEN),
    "GET /complaint": Case("/complaint", OPEN),
    "GET /track": Case("/track", OPEN),
    "GET /api/v1/docs": Case("/api/v1/docs", OPEN),
    "POST /admin/apikeys": Case("/admin/apikeys", NO_CSRF, body={}),
    "POST /admin/apikeys/<int:key_id>/revoke": Case("/admin/apikeys/1/revoke", NO_CSRF, body={}),
    "POST /admin/city/<name>": Case("/admin/city/units.yaml", NO_CSRF, body={}),
    "POST /admin/city/import": Case("/admin/city/import", NO_CSRF, body={}),
    "POST /admin/users": Case("/admin/users", NO_CSRF, body={}),
    "POST /admin/users/<int:user_id>/<change>": Case("/admin/users/1/deactivate", NO_CSRF, body={}),
    "POST /agent/analyse": Case("/agent/analyse", NO_CSRF, body={}),
    "POST /agent/callbacks/<int:followup_id>/attempt": Case("/agent/callbacks/1/attempt", NO_CSRF, body={}),
    "POST /agent/callbacks/<ticket_no>/answer": Case("/agent/callbacks/{ticket}/answer", NO_CSRF, body={}),
    "POST /agent/submit": Case("/agent/submit", NO_CSRF, body={}),
    "POST /agent/triage/<ticket_no>/dispatch": Case("/agent/triage/{ticket}/dispatch", NO_CSRF, body={}),
    "POST /complaint": Case("/complaint", NO_CSRF, body={}),
    "POST /login": Case("/login", NO_CSRF, body={}),
    "POST /logout": Case("/logout", NO_CSRF, body={}),
    "POST /notifications/<int:notification_id>/read": Case("/notifications/1/read", NO_CSRF, body={}),
    "POST /tickets/<ticket_no>/act/<action>": Case("/tickets/{ticket}/act/accept", NO_CSRF, body={}),
    "POST /track": Case("/track", NO_CSRF, body={}),
    "POST /admin/sla": Case("/admin/sla", NO_CSRF, body={}),
    "POST /admin/scoring": Case("/admin/scoring", NO_CSRF, body={}),
    # Open311 is public to read; posting needs an open311 key in the form (api_key), not a bearer header.
    "GET /open311/v2/discovery.<any(json, xml):fmt>": Case("/open311/v2/discovery.json", OPEN),
    "GET /open311/v2/requests.<any(json, xml):fmt>": Case("/open311/v2/requests.json", OPEN),
    "GET /open311/v2/requests/<service_request_id>.<any(json, xml):fmt>": Case("/open311/v2/requests/{ticket}.json", OPEN),
    "GET /open311/v2/servicerequestupdates.<any(json, xml):fmt>": Case("/open311/v2/servicerequestupdates.json", OPEN),
    "GET /open311/v2/services.<any(json, xml):fmt>": Case("/open311/v2/services.xml", OPEN),
    "GET /open311/v2/services/<service_code>.<any(json, xml):fmt>": Case("/open311/v2/services/URB-PROPERTY.json", OPEN),
    "GET /open311/v2/tokens/<token>.<any(json, xml):fmt>": Case("/open311/v2/tokens/not-a-token.json", dict.fromkeys(CALLERS, 404)),
    "POST /open311/v2/requests.<any(json, xml):fmt>": Case("/open311/v2/requests.json", dict.fromkeys(CALLERS, 403), body={}),
}

# Workflow actions: the one rule POST /api/v1/tickets/<ticket_no>/<action>, expanded.
ACTION_RULE = "POST /api/v1/tickets/<ticket_no>/<action>"
# action → (state it is allowed in, roles allowed); the transition table as the README states it.
ACTION_RULES = {
    "dispatch": ("triage", {"agent", "supervisor"}),
    "accept": ("dispatched", {"lead_staff"}),
    "return": ("dispatched", {"lead_staff"}),
    "decide-return": ("returned", {"supervisor"}),
    "respond": ("accepted", {"lead_staff"}),
    "request-extension": ("accepted", {"lead_staff"}),
    "reply": ("responded", {"lead_staff"}),
    "reopen": ("replied", {"agent", "supervisor"}),
    "merge": ("triage", {"agent", "supervisor"}),
    "answer": ("triage", {"agent", "supervisor"}),
    "reject": ("triage", {"agent", "supervisor"}),
    "exclude": ("dispatched", {"supervisor"}),
    "close": ("replied", {"supervisor"}),
    "decide-extension": ("accepted", {"supervisor"}),  # on a pending extension request
}
UNPLACED = {"triage"}  # no lead unit yet: invisible to unit staff (404)


def action_expected(action: str) -> dict[str, int]:
    state, roles = ACTION_RULES[action]
    table = {"anonymous": 401, **dict.fromkeys(KEYS, 403), "other_staff": 404}
    for role in ("agent", "supervisor", "admin", "lead_staff"):
        if role == "lead_staff" and state in UNPLACED:
            table[role] = 404
        else:
            table[role] = 200 if role in roles else 403
    return table


# --- the world ----------------------------------------------------------------------------------------

class World:
    def __init__(self, app, client, actors):
        from tests.hotline.journeys import Cast

        self.app, self.client = app, client
        self.headers: dict[str, dict] = {"anonymous": {}}
        for channel in CHANNELS:
            self.headers[f"key:{channel}"] = actors.key(channel, name=f"{channel}-matrix")
        for role in ("agent", "supervisor", "admin"):
            self.headers[role] = actors.user(role)
        self.headers["lead_staff"] = actors.user("unit_staff", unit=LEAD_UNIT)
        self.headers["other_staff"] = actors.user("unit_staff", unit=OTHER_UNIT)
        actors.user("agent", username="matrix-login", password="matrix-login-1")
        self.cast = Cast(agent=self.headers["agent"], supervisor=self.headers["supervisor"],
                         lead_staff=self.headers["lead_staff"], other_staff=self.headers["other_staff"],
                         admin=self.headers["admin"], key=self.headers[OWNER])
        remember_article(app)

    def owned_ticket(self) -> str:
        """A street complaint from the web key, dispatched to the lead unit."""
        ticket = ok(self.client.post("/api/v1/tickets", json=dict(STREET_COMPLAINT, channel="web"),
                                     headers=self.headers[OWNER]))
        if ticket["status"] == "triage":
            ok(self.client.post(f"/api/v1/tickets/{ticket['ticket_no']}/dispatch", json={"unit": LEAD_UNIT},
                                headers=self.headers["agent"]))
        return ticket["ticket_no"]

    def supervisors_notice(self) -> int:
        from hotline.database import session_factory
        from models import Notification

        with session_factory(self.app)() as session, session.begin():
            notice = Notification(audience="supervisor", kind="overdue", message="【督办】测试", dedupe_key="matrix")
            session.add(notice)
        with session_factory(self.app)() as session:
            return session.scalar(select(Notification.id).where(Notification.dedupe_key == "matrix"))

    def call(self, method: str, case: Case, caller: str, ticket: str | None = None,
             notification: int | None = None):
        path = case.path.format(ticket=ticket, notification=notification)
        headers = self.headers[caller]
        if case.body == "form":
            return self.client.open(path, method=method, data={"resolved": "yes", "satisfaction": "satisfied"},
                                    headers=headers)
        return self.client.open(path, method=method, json=case.body, headers=headers)

    def action_ticket(self, action: str) -> str:
        state, _ = ACTION_RULES[action]
        number = ticket_in(self.client, self.cast, state)
        if action == "decide-extension":
            ok(self.client.post(f"/api/v1/tickets/{number}/request-extension", json=BODIES["request-extension"],
                                headers=self.headers["lead_staff"]))
        return number

    def action_body(self, action: str) -> dict:
        body = dict(BODIES[action])
        if action == "merge":
            body["into"] = ticket_in(self.client, self.cast, "dispatched")
        if action == "answer":
            from tests.hotline.journeys import any_article_id

            body["article_id"] = any_article_id()
        return body


@pytest.fixture
def world(app, client, actors) -> World:
    return World(app, client, actors)


def _rule_keys(app) -> set[str]:
    keys = set()
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            keys.add(f"{method} {rule.rule}")
    return keys


# --- the matrix ---------------------------------------------------------------------------------------

def test_matrix__covers_every_route(app):
    missing = sorted(_rule_keys(app) - set(ROUTES) - {ACTION_RULE})
    assert not missing, f"routes without an expected status per caller (add them to ROUTES): {missing}"
    stale = sorted(set(ROUTES) - _rule_keys(app))
    assert not stale, f"ROUTES names routes the app no longer has: {stale}"


def test_matrix__covers_every_workflow_action():
    from hotline.workflow.rules import ACTION_ROUTE

    assert set(ACTION_ROUTE) == set(ACTION_RULES), "every action needs its row in ACTION_RULES"


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_matrix__route_by_caller(world, route):
    method = route.split(" ", 1)[0]
    case = ROUTES[route]
    ticket = world.owned_ticket() if "{ticket}" in case.path else None
    notification = world.supervisors_notice() if "{notification}" in case.path else None
    wrong = {}
    for caller in CALLERS:
        response = world.call(method, case, caller, ticket, notification)
        if response.status_code != case.expected[caller]:
            wrong[caller] = (response.status_code, case.expected[caller], response.get_data(as_text=True)[:120])
    assert not wrong, f"{route}: caller → (got, expected, body): {json.dumps(wrong, ensure_ascii=False, indent=1)}"


@pytest.mark.parametrize("action", sorted(ACTION_RULES))
def test_matrix__workflow_action_by_caller(world, action):
    expected = action_expected(action)
    shared = world.action_ticket(action)  # refused callers change nothing: they share one ticket
    wrong = {}
    for caller in CALLERS:
        number = world.action_ticket(action) if expected[caller] == 200 else shared
        response = world.client.post(f"/api/v1/tickets/{number}/{action}", json=world.action_body(action),
                                     headers=world.headers[caller])
        if response.status_code != expected[caller]:
            wrong[caller] = (response.status_code, expected[caller], response.get_data(as_text=True)[:120])
    assert not wrong, f"{action}: caller → (got, expected, body): {json.dumps(wrong, ensure_ascii=False, indent=1)}"


# --- PII: confidential citizens -----------------------------------------------------------------------

CONFIDENTIAL = {"content": "望京西园三区门口夜间烧烤摊油烟扰民，本人不愿透露身份。", "address": "朝阳区望京西园三区",
                "category_code": "CTY-VENDOR", "channel": "web",
                "citizen": {"name": "王秘密", "phone": "13912345678", "confidential": True}}
SECRETS = ("王秘密", "13912345678", "139 1234 5678", "12345678")


def _leaks(response) -> list[str]:
    text = response.get_data(as_text=True)
    return [secret for secret in SECRETS if secret in text]


def test_pii__a_confidential_citizen_is_masked_for_unit_staff_in_every_response_shape(world):
    client, headers = world.client, world.headers
    ticket = ok(client.post("/api/v1/tickets", json=CONFIDENTIAL, headers=headers[OWNER]))
    number = ticket["ticket_no"]
    if ticket["status"] == "triage":
        ok(client.post(f"/api/v1/tickets/{number}/dispatch", json={"unit": LEAD_UNIT}, headers=headers["agent"]))
    staff = headers["lead_staff"]
    shapes = {
        "ticket": client.get(f"/api/v1/tickets/{number}", headers=staff),
        "list": client.get("/api/v1/tickets", headers=staff),
        "search": client.get(f"/api/v1/tickets?q={number}", headers=staff),
        "events": client.get(f"/api/v1/tickets/{number}/events", headers=staff),
        "notifications": client.get("/api/v1/notifications", headers=staff),
        "accept": client.post(f"/api/v1/tickets/{number}/accept", json={}, headers=staff),
        "respond": client.post(f"/api/v1/tickets/{number}/respond", json=BODIES["respond"], headers=staff),
    }
    for name, response in shapes.items():
        assert response.status_code == 200, (name, response.status_code)
        assert _leaks(response) == [], f"{name} shows {_leaks(response)} to the unit"
    assert shapes["ticket"].json["citizen"]["phone"] == "139****5678"
    # Another unit sees nothing at all; the centre (agents) sees the citizen to call them back.
    assert client.get(f"/api/v1/tickets/{number}", headers=headers["other_staff"]).status_code == 404
    assert "王秘密" in client.get(f"/api/v1/tickets/{number}", headers=headers["agent"]).get_data(as_text=True)


def test_pii__another_channels_key_sees_no_ticket_of_another_channel(world):
    number = ok(world.client.post("/api/v1/tickets", json=CONFIDENTIAL, headers=world.headers[OWNER]))["ticket_no"]
    for key in KEYS:
        if key == OWNER:
            continue
        listing = world.client.get("/api/v1/tickets", headers=world.headers[key])
        assert number not in listing.get_data(as_text=True) and _leaks(listing) == []
        assert world.client.get(f"/api/v1/tickets/{number}/events", headers=world.headers[key]).status_code == 404


# --- what a channel key may see of routing (lead: intake.submit) --------------------------------------

def test_channel_key__intake_answer_names_no_other_ticket_as_duplicate(world):
    first = ok(world.client.post("/api/v1/tickets", json=dict(STREET_COMPLAINT, channel="phone"),
                                 headers=world.headers["agent"]))
    answer = ok(world.client.post("/api/v1/tickets", json=dict(STREET_COMPLAINT, channel="web"),
                                  headers=world.headers[OWNER]))
    assert first["ticket_no"] not in json.dumps(answer)
    assert answer["duplicates"] == []  # the field is there (one schema for all callers), always empty


def test_channel_key__sees_no_suggestions_or_routing_reason(world):
    answer = ok(world.client.post("/api/v1/tickets", json={"content": "我想反映一个情况，说不清楚归谁管。"},
                                  headers=world.headers[OWNER]))
    shown = world.client.get(f"/api/v1/tickets/{answer['ticket_no']}", headers=world.headers[OWNER]).json
    for body in (answer, shown):
        assert body["suggestions"] == [] and body["routing_reason"] is None


def test_staff__still_see_suggestions_and_routing_reason(world):
    answer = ok(world.client.post("/api/v1/tickets", json={"content": "我想反映一个情况，说不清楚归谁管。"},
                                  headers=world.headers["agent"]))
    assert "suggestions" in answer and "routing_reason" in answer


def _two_keys_one_name(actors) -> tuple[dict, dict]:
    """Two channels' keys that happen to carry the same name."""
    from hotline.auth import hash_api_key, new_api_key
    from hotline.database import session_factory
    from models import ApiKey

    headers = []
    for channel in ("web", "app"):
        key, prefix = new_api_key()
        with session_factory(actors.app)() as session, session.begin():
            session.add(ApiKey(name="门户", channel=channel, prefix=prefix, key_hash=hash_api_key(key)))
        headers.append({"Authorization": f"Bearer {key}"})
    return headers[0], headers[1]


def test_idempotency__records_belong_to_the_key_not_to_its_name(world, actors):
    web, app_key = _two_keys_one_name(actors)
    body = {"content": "小区垃圾好几天没人清运了"}
    first = world.client.post("/api/v1/tickets", json=body, headers={**web, "Idempotency-Key": "same-1"})
    second = world.client.post("/api/v1/tickets", json=body, headers={**app_key, "Idempotency-Key": "same-1"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json["ticket_no"] != second.json["ticket_no"]


def test_rate_limit__buckets_belong_to_the_key_not_to_its_name(make_app, actors):
    app = make_app(RATELIMIT_INTAKE="2/minute")
    actors.app = app
    client = app.test_client()
    web, app_key = _two_keys_one_name(actors)
    for _ in range(2):
        assert client.post("/api/v1/tickets", json={"content": "路灯不亮"}, headers=web).status_code == 201
    assert client.post("/api/v1/tickets", json={"content": "路灯不亮"}, headers=app_key).status_code == 201


def test_api_keys__names_are_unique_per_channel(app, actors):
    from sqlalchemy.exc import IntegrityError

    from hotline.auth import hash_api_key, new_api_key
    from hotline.database import session_factory
    from models import ApiKey

    with pytest.raises(IntegrityError), session_factory(app)() as session, session.begin():
        for _ in range(2):
            key, prefix = new_api_key()
            session.add(ApiKey(name="同名", channel="web", prefix=prefix, key_hash=hash_api_key(key)))
            session.flush()

