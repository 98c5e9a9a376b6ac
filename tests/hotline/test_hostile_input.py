"""Hostile input is answered at the edge (hotline.edge) with a 4xx — never a 500, never a stored row.

Runs on SQLite and, with HOTLINE_TEST_DATABASE_URL, on PostgreSQL, where a NUL character or an integer
past 2³¹ used to reach the database and fail there (500), and a NUL in a JSON column broke `::jsonb`.
Each case drives the ticket to a state where the action would otherwise run, by a person allowed to run
it, so that the body is what decides the answer.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import Ticket, TicketEvent
from tests.hotline.journeys import BODIES, cast, remember_article, ticket_in

DEEP = 30_000
NUL = "x\x00y"
REFUSED = (400, 404, 422)

# action → (who may run it, a state it runs in)
RUNS = {
    "dispatch": ("agent", "triage"),
    "accept": ("lead_staff", "dispatched"),
    "return": ("lead_staff", "dispatched"),
    "decide-return": ("supervisor", "returned"),
    "respond": ("lead_staff", "accepted"),
    "request-extension": ("lead_staff", "accepted"),
    "decide-extension": ("supervisor", "accepted"),
    "reply": ("lead_staff", "responded"),
    "reopen": ("agent", "replied"),
    "merge": ("agent", "triage"),
    "answer": ("agent", "triage"),
    "reject": ("agent", "triage"),
    "exclude": ("supervisor", "dispatched"),
    "close": ("supervisor", "replied"),
}

# action → a body with a NUL in one field that does not pass through the text cleaner
NUL_BODIES = {
    "dispatch": [{"unit": NUL}, {"unit": "CY-WJ", "assisting": [NUL]}, {"unit": "CY-WJ", "category": NUL}],
    "accept": [{NUL: 1}],
    "return": [{"reason": NUL}],
    "decide-return": [{"approve": True, "unit": NUL}, {"approve": False, "note": NUL}],
    "respond": [{"note": NUL}],
    "request-extension": [{"days": 2, "reason": NUL}],
    "decide-extension": [{"approve": False, "note": NUL}],
    "reply": [{"reply": NUL, "resolved": True}],
    "reopen": [{"reason": NUL}],
    "merge": [{"into": NUL}],
    "answer": [{"article_id": 1, "answer": NUL}],
    "reject": [{"reason": NUL}],
    "exclude": [{"reason": NUL}],
    "close": [{"note": NUL}],
}


@pytest.fixture
def world(app, client, actors):
    remember_article(app)
    return client, cast(actors)


def _stored(app) -> tuple[int, int]:
    from hotline.database import session_factory

    with session_factory(app)() as session:
        return (session.scalar(select(func.count()).select_from(Ticket)),
                session.scalar(select(func.count()).select_from(TicketEvent)))


def _refused(response, *allowed: int) -> None:
    allowed = allowed or REFUSED
    assert response.status_code in allowed, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.is_json and response.json["error"]["code"], response.get_data(as_text=True)[:300]


def _deep(prefix: str) -> str:
    return prefix + "[" * DEEP + "]" * DEEP + "}"


# --- deeply nested JSON ---------------------------------------------------------------------------

def test_deep_json__intake_is_400(client, actors, app):
    before = _stored(app)
    response = client.post("/api/v1/tickets", data=_deep('{"content":"x","citizen":'),
                           content_type="application/json", headers=actors.key())
    _refused(response, 400)
    assert _stored(app) == before


def test_deep_json__token_route_is_400_without_credentials(client):
    response = client.post("/api/v1/auth/token", data=_deep('{"username":"a","password":'),
                           content_type="application/json")
    _refused(response, 400)


@pytest.mark.parametrize("depth", [33, 900])
def test_nested_json__past_the_depth_limit_is_400_even_when_the_decoder_copes(client, actors, depth):
    response = client.post("/api/v1/tickets", data='{"content":"x","citizen":' + "[" * depth + "]" * depth + "}",
                           content_type="application/json", headers=actors.key())
    _refused(response, 400)


@pytest.mark.parametrize("action", sorted(RUNS))
def test_deep_json__every_action_is_400(world, app, action):
    client, people = world
    who, state = RUNS[action]
    number = ticket_in(client, people, state)
    before = _stored(app)
    response = client.post(f"/api/v1/tickets/{number}/{action}", data=_deep('{"reason":'),
                           content_type="application/json", headers=getattr(people, who))
    _refused(response, 400)
    assert _stored(app) == before


# --- NUL characters ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("action", "body"), [(a, b) for a, bodies in NUL_BODIES.items() for b in bodies],
                         ids=lambda value: value if isinstance(value, str) else "-".join(value))
def test_nul__in_any_action_field_is_422(world, app, action, body):
    client, people = world
    who, state = RUNS[action]
    number = ticket_in(client, people, state)
    before = _stored(app)
    response = client.post(f"/api/v1/tickets/{number}/{action}", json=body, headers=getattr(people, who))
    _refused(response, 422)
    assert any("NUL" in message for message in response.json["error"]["fields"].values())
    assert _stored(app) == before


@pytest.mark.parametrize("body", [
    {"content": "井盖丢了", "category_code": NUL},
    {"content": "井盖丢了", "citizen": {"name": "张", "phone": "138\x0012345678"}},
    {"content": "井盖丢了", "request_type": NUL},
    {"content": "井盖丢了", NUL: "x"},
    {"content": NUL},
], ids=["category_code", "phone", "request_type", "key", "content"])
def test_nul__in_intake_is_422_and_stores_nothing(client, actors, app, body):
    before = _stored(app)
    _refused(client.post("/api/v1/tickets", json=body, headers=actors.key()), 422)
    assert _stored(app) == before


def test_nul__in_the_login_username_is_422(client, actors):
    actors.user("agent", username="nul-tester")
    _refused(client.post("/api/v1/auth/token", json={"username": "nul\x00-tester", "password": "x"}), 422)
    _refused(client.post("/api/v1/auth/token", json={"username": "nul-tester", "password": "\x00"}), 422)


@pytest.mark.parametrize("query", ["q=%00", "unit=%00", "status=%00", "channel=%00", "page=%00", "%00=1"])
def test_nul__in_a_query_parameter_is_422(client, actors, query):
    _refused(client.get(f"/api/v1/tickets?{query}", headers=actors.user("supervisor")), 422)


@pytest.mark.parametrize("path", ["/api/v1/tickets/%00", "/api/v1/tickets/%00/events",
                                  "/api/v1/followups/%00", "/survey/%00"])
def test_nul__in_the_url_is_404(client, actors, path):
    response = client.get(path, headers=actors.user("supervisor"))
    assert response.status_code == 404


def test_nul__in_a_survey_form_field_is_refused(client):
    response = client.post("/survey/anything", data={"resolved": "yes", "satisfaction": "satisfied",
                                                     "comment": NUL})
    assert response.status_code == 422


def test_nul__in_the_followup_comment_is_422(world, app):
    client, people = world
    number = ticket_in(client, people, "replied")
    response = client.post(f"/api/v1/tickets/{number}/followup-answer", headers=people.agent,
                           json={"resolved": True, "satisfaction": "satisfied", "comment": NUL})
    _refused(response, 422)


# --- integers past PostgreSQL's integer ----------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/v1/notifications/2147483648/read", "/api/v1/followups/2147483648/attempt",
                                  "/api/v1/notifications/99999999999999999999999/read"])
def test_big_id__in_the_url_is_404(client, actors, path):
    _refused(client.post(path, headers=actors.user("supervisor"), json={}), 404)


@pytest.mark.parametrize("article_id", [2**31, 2**63, -(2**31) - 1])
def test_big_int__in_a_body_is_422(world, app, article_id):
    client, people = world
    number = ticket_in(client, people, "triage")
    before = _stored(app)
    response = client.post(f"/api/v1/tickets/{number}/answer", json={"article_id": article_id},
                           headers=people.agent)
    _refused(response, 422)
    assert "article_id" in response.json["error"]["fields"]
    assert _stored(app) == before


@pytest.mark.parametrize("raw", ['{"content":"x","location":{"lat":NaN,"lng":116}}',
                                 '{"content":"x","location":{"lat":1e999,"lng":116}}',
                                 '{"content":"x","n":' + "9" * 5000 + "}"])
def test_non_finite_or_huge_numbers__are_refused(client, actors, raw):
    _refused(client.post("/api/v1/tickets", data=raw, content_type="application/json", headers=actors.key()))


# --- strict types ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("action", "body", "field"), [
    ("decide-extension", {"approve": "yes"}, "approve"),
    ("decide-extension", {"approve": 1}, "approve"),
    ("decide-return", {"approve": "yes"}, "approve"),
    ("reply", {"reply": "已处理", "resolved": "yes"}, "resolved"),
    ("request-extension", {"days": "3", "reason": "协调"}, "days"),
    ("request-extension", {"days": 3.5, "reason": "协调"}, "days"),
    ("answer", {"article_id": "1"}, "article_id"),
    ("dispatch", {"unit": 42}, "unit"),
], ids=lambda value: value if isinstance(value, str) else None)
def test_strict_types__a_loosely_typed_action_body_is_422(world, app, action, body, field):
    client, people = world
    who, state = RUNS[action]
    number = ticket_in(client, people, state)
    if action == "decide-extension":  # an extension request waiting for the supervisor
        client.post(f"/api/v1/tickets/{number}/request-extension", json=BODIES["request-extension"],
                    headers=people.lead_staff)
    if action == "decide-return":
        number = ticket_in(client, people, "returned")
    before = _stored(app)
    response = client.post(f"/api/v1/tickets/{number}/{action}", json=body, headers=getattr(people, who))
    _refused(response, 422)
    assert field in response.json["error"]["fields"]
    assert _stored(app) == before


@pytest.mark.parametrize(("body", "field"), [
    ({"content": "x", "location": {"lat": True, "lng": 116.4}}, "location.lat"),
    ({"content": "x", "location": {"lat": "39.9", "lng": 116.4}}, "location.lat"),
    ({"content": "x", "citizen": {"confidential": "yes"}}, "citizen.confidential"),
    ({"content": "x", "citizen": {"phone": 13812345678}}, "citizen.phone"),
])
def test_strict_types__intake(client, actors, body, field):
    response = client.post("/api/v1/tickets", json=body, headers=actors.key())
    _refused(response, 422)
    assert field in response.json["error"]["fields"]


def test_strict_types__integers_still_count_as_coordinates(client, actors):
    response = client.post("/api/v1/tickets", json={"content": "路灯不亮", "location": {"lat": 40, "lng": 116}},
                           headers=actors.key())
    assert response.status_code == 201


# --- phones: foreign numbers accepted, extensions refused ---------------------------------------------

def test_phone__a_foreign_number_with_its_country_code_is_kept_in_e164(client, actors):
    response = client.post("/api/v1/tickets", json={"content": "路灯不亮", "citizen": {"phone": "+44 20 7946 0000"}},
                           headers=actors.user("agent"))
    assert response.status_code == 201
    assert response.json["citizen"]["phone"].replace(" ", "").endswith("79460000")


@pytest.mark.parametrize("phone", ["13812345678 ext 99", "13812345678 ext. 99"])
def test_phone__an_extension_is_refused_not_dropped(client, actors, phone):
    response = client.post("/api/v1/tickets", json={"content": "路灯不亮", "citizen": {"phone": phone}},
                           headers=actors.key())
    _refused(response, 422)
    assert "分机" in response.json["error"]["fields"]["citizen.phone"]


# --- HTTP edges -------------------------------------------------------------------------------------------

def test_chunked_body_over_the_limit__is_413(live_server, actors):
    import http.client
    from urllib.parse import urlsplit

    address = urlsplit(live_server)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)

    def chunks():
        yield b'{"content":"'
        for _ in range(100):
            yield b"x" * 1000
        yield b'"}'

    connection.request("POST", "/api/v1/tickets", body=chunks(), encode_chunked=True,
                       headers={"Content-Type": "application/json", **actors.key()})
    response = connection.getresponse()
    assert response.status == 413, response.read()[:300]


def test_405__keeps_its_allow_header(client):
    response = client.delete("/api/v1/tickets")
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    assert response.json["error"]["code"] == "method_not_allowed"
