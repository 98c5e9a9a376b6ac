"""Reading tickets: each caller sees only what its role allows; listings filter and paginate."""

from __future__ import annotations

from sqlalchemy import event, select

from hotline.database import engine
from models import Ticket, Unit
from tests.hotline.journeys import act, cast, triage_ticket

COMPLAINT = {"channel": "web", "content": "路灯不亮好几天了", "citizen": {"name": "李女士", "phone": "13900001111"}}


def create(client, headers, **extra) -> str:
    response = client.post("/api/v1/tickets", json=dict(COMPLAINT, **extra), headers=headers)
    assert response.status_code == 201, response.json
    return response.json["ticket_no"]


def assign(app, ticket_no: str, unit_code: str) -> None:
    """Test set-up: place a ticket with a unit (dispatch itself is tested with the workflow)."""
    from hotline.database import session_factory

    with session_factory(app)() as session, session.begin():
        unit = session.scalar(select(Unit).where(Unit.code == unit_code))
        ticket = session.scalar(select(Ticket).where(Ticket.ticket_no == ticket_no))
        ticket.lead_unit_id = unit.id


def test_scope__key_sees_only_its_own_tickets(client, actors):
    mine, theirs = actors.key(), actors.key()
    own = create(client, mine)
    other = create(client, theirs)
    assert client.get(f"/api/v1/tickets/{own}", headers=mine).status_code == 200
    response = client.get(f"/api/v1/tickets/{other}", headers=mine)
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
    listing = client.get("/api/v1/tickets", headers=mine).json
    assert [item["ticket_no"] for item in listing["items"]] == [own]


def test_scope__agent_and_supervisor_see_all(client, actors):
    first, second = create(client, actors.key()), create(client, actors.key())
    for role in ("agent", "supervisor", "admin"):
        listing = client.get("/api/v1/tickets", headers=actors.user(role)).json
        assert {item["ticket_no"] for item in listing["items"]} == {first, second}


def test_scope__unit_staff_see_only_their_units_tickets(client, actors, app):
    key = actors.key()
    ours, theirs, unplaced = create(client, key), create(client, key), create(client, key)
    assign(app, ours, "CY-WJ")
    assign(app, theirs, "HD-ZGC")
    staff = actors.user("unit_staff", unit="CY-WJ")
    assert client.get(f"/api/v1/tickets/{ours}", headers=staff).status_code == 200
    assert client.get(f"/api/v1/tickets/{theirs}", headers=staff).status_code == 404
    assert client.get(f"/api/v1/tickets/{unplaced}", headers=staff).status_code == 404
    listing = client.get("/api/v1/tickets", headers=staff).json
    assert [item["ticket_no"] for item in listing["items"]] == [ours]


def test_scope__confidential_citizen_is_masked_for_unit_staff(client, actors, app):
    number = create(client, actors.key(), citizen={"name": "王某", "phone": "13900001111", "confidential": True})
    assign(app, number, "CY-WJ")
    seen = client.get(f"/api/v1/tickets/{number}", headers=actors.user("unit_staff", unit="CY-WJ")).json
    assert seen["citizen"] == {"name": "（保密）", "phone": "139****1111", "confidential": True}
    agent_view = client.get(f"/api/v1/tickets/{number}", headers=actors.user("agent")).json
    assert agent_view["citizen"]["phone"] == "139 0000 1111"


def test_events__trail_is_readable_within_scope(client, actors):
    key = actors.key()
    number = create(client, key)
    events = client.get(f"/api/v1/tickets/{number}/events", headers=key).json["events"]
    assert [event["action"] for event in events] == ["receive", "triage"]
    assert client.get(f"/api/v1/tickets/{number}/events", headers=actors.key()).status_code == 404


def test_list__paginates(client, actors):
    key = actors.key()
    numbers = [create(client, key) for _ in range(5)]
    page1 = client.get("/api/v1/tickets?per_page=2", headers=key).json
    page3 = client.get("/api/v1/tickets?per_page=2&page=3", headers=key).json
    assert (page1["total"], page1["pages"]) == (5, 3)
    assert [item["ticket_no"] for item in page1["items"]] == numbers[::-1][:2]
    assert [item["ticket_no"] for item in page3["items"]] == numbers[:1]


def test_list__filters_by_status_unit_and_text(client, actors, app):
    key = actors.key()
    lamp = create(client, key)
    water = create(client, key, content="家里停水了，一滴水都没有")
    assign(app, water, "CY-WJ")
    agent = actors.user("agent")
    by_text = client.get("/api/v1/tickets?q=停水", headers=agent).json
    assert [item["ticket_no"] for item in by_text["items"]] == [water]
    by_unit = client.get("/api/v1/tickets?unit=CY-WJ", headers=agent).json
    assert [item["ticket_no"] for item in by_unit["items"]] == [water]
    by_status = client.get("/api/v1/tickets?status=triage", headers=agent).json
    assert {item["ticket_no"] for item in by_status["items"]} == {lamp, water}
    assert client.get("/api/v1/tickets?status=closed", headers=agent).json["total"] == 0


def test_list__bad_parameters_are_422(client, actors):
    agent = actors.user("agent")
    for query in ("status=lost", "unit=NOPE", "page=0", "per_page=1000", "page=abc"):
        response = client.get(f"/api/v1/tickets?{query}", headers=agent)
        assert response.status_code == 422, query
        assert response.json["error"]["fields"]


def test_list__text_search_treats_wildcards_literally(client, actors):
    key = actors.key()
    create(client, key, content="100% 的人都反映噪音")
    create(client, key, content="没有百分号的诉求")
    agent = actors.user("agent")
    assert client.get("/api/v1/tickets?q=%25", headers=agent).json["total"] == 1


def test_list__a_page_costs_the_same_queries_for_2_or_10_tickets(client, actors, app):
    people = cast(actors)

    def dispatched_with_helper() -> None:
        number = triage_ticket(client, people)["ticket_no"]
        body = {"unit": "SSCJG", "category": "MKT-FOOD", "assisting": ["CY-WJ", "HD-ZGC"]}
        assert act(client, people.agent, number, "dispatch", body).status_code == 200

    def queries_for_listing() -> tuple[int, list]:
        statements = []
        listen = lambda *args: statements.append(args[2])  # noqa: E731 (conn, cursor, statement, ...)
        event.listen(engine(app), "before_cursor_execute", listen)
        try:
            items = client.get("/api/v1/tickets?per_page=50", headers=people.supervisor).json["items"]
        finally:
            event.remove(engine(app), "before_cursor_execute", listen)
        return len(statements), items

    for _ in range(2):
        dispatched_with_helper()
    few, items = queries_for_listing()
    assert [len(item["assisting"]) for item in items] == [2, 2]
    for _ in range(8):
        dispatched_with_helper()
    many, items = queries_for_listing()
    assert len(items) == 10 and all({u["code"] for u in item["assisting"]} == {"CY-WJ", "HD-ZGC"} for item in items)
    assert many == few
