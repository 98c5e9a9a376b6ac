"""Open311 GeoReport v2: every answer valid against the community JSON Schemas, the XML saying the same,
POST through the one intake path, the spec's errors, filters and paging, and the lifecycle in updates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from hotline.open311.schemas import FIELD_NAMES
from models import ApiKey, Open311Request, Ticket, clock
from tests.hotline.journeys import BODIES, LEAD_UNIT, act, cast, ok
from tests.hotline.open311.open311_support import (
    ERRORS_SCHEMA,
    LIFT,
    UPDATES_SCHEMA,
    VENDOR,
    Schemas,
    from_xml,
    open311_key,
    open311_schema_dir,
    post,
    same_in_xml,
)

V2 = "/open311/v2"


@pytest.fixture(scope="module")
def schemas() -> Schemas:
    return Schemas(open311_schema_dir())


@pytest.fixture
def key(actors) -> str:
    return open311_key(actors)


def created(response) -> dict:
    assert response.status_code == 201, (response.status_code, response.data.decode())
    return response.json[0]


# --- discovery and services -------------------------------------------------------------------------

def test_discovery__names_the_v2_endpoint_in_both_formats(client):
    document = same_in_xml(client, f"{V2}/discovery", "discovery")
    endpoint = document["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2")
    assert set(endpoint["formats"]) == {"application/json", "text/xml"}


def test_services__are_the_matter_types_with_groups_and_keywords(client, schemas):
    services = same_in_xml(client, f"{V2}/services", "services")
    schemas.check("services", services)
    by_code = {s["service_code"]: s for s in services}
    assert by_code["CTY-LAMP"]["group"] == "城市管理"
    assert "路灯" in by_code["CTY-LAMP"]["keywords"].split(",")
    assert by_code["URB-PROPERTY"]["metadata"] is True  # it has extra questions
    assert by_code["URB-HOUSEQ"]["metadata"] is False
    assert not any(s["service_code"] in ("URB", "CTY") for s in services)  # groups are no services


def test_service_definition__lists_the_extra_questions(client, schemas):
    definition = same_in_xml(client, f"{V2}/services/URB-PROPERTY", "service_definition")
    schemas.check("service-definition", definition)
    attributes = {a["code"]: a for a in definition["attributes"]}
    assert attributes["lift_floor"]["datatype"] == "number"
    assert attributes["fault_kind"]["required"] is True
    assert {"key": "lift", "name": "电梯故障"} in attributes["fault_kind"]["values"]
    assert [a["order"] for a in definition["attributes"]] == [1, 2]


def test_service_definition__unknown_service_is_404_in_the_requested_format(client, schemas):
    as_json = client.get(f"{V2}/services/NOPE.json")
    assert as_json.status_code == 404
    schemas.check(ERRORS_SCHEMA, as_json.json)
    assert as_json.json[0]["code"] == 404
    as_xml = client.get(f"{V2}/services/NOPE.xml")
    assert as_xml.status_code == 404
    assert from_xml(as_xml.data) == ("errors", [{"code": "404", "description": as_json.json[0]["description"]}])


def test_errors__stay_well_formed_and_alike_in_xml_and_json_whatever_the_url_holds(client):
    [error] = same_in_xml(client, f"{V2}/requests/%01%08%3C%26%C3%BE%14%0D", "errors")  # found by the fuzzer
    assert error["code"] == 404 and "<&þ\n" in error["description"]


def test_unknown_format_or_path__answers_the_spec_error_list(client):
    assert client.get(f"{V2}/services.csv").json == [{"code": 404, "description": "请求的资源不存在。"}]
    response = client.delete(f"{V2}/services.xml")
    assert response.status_code == 405
    assert from_xml(response.data)[0] == "errors"


# --- POST and the round trip ------------------------------------------------------------------------

def test_post__creates_the_ticket_through_intake_and_reads_back_in_json_xml_and_by_token(client, key, session,
                                                                                      schemas):
    answer = created(post(client, key, {**LIFT, "first_name": "三", "last_name": "张", "phone": "13812345678",
                                        "email": "zhang@example.cn", "device_id": "dev-1", "account_id": "acc-9",
                                        "media_url": "https://img.example.cn/lift.jpg"}))
    number, token = answer["service_request_id"], answer["token"]
    assert isinstance(number, str) and answer["account_id"] == "acc-9"

    ticket = session.scalar(select(Ticket).where(Ticket.ticket_no == number))
    assert ticket.channel == "open311" and ticket.category.code == "URB-PROPERTY"
    assert ticket.citizen_name == "张三" and ticket.citizen_phone == "+8613812345678"
    assert "楼层：7" in ticket.content and "电梯故障" in ticket.content  # the unit sees the answers
    assert ticket.status in ("dispatched", "triage")  # routed like any complaint
    extra = session.get(Open311Request, ticket.id)
    assert extra.attributes == {"fault_kind": ["lift"], "lift_floor": ["7"]} and extra.email == "zhang@example.cn"

    [request] = same_in_xml(client, f"{V2}/requests/{number}", "service_requests")
    schemas.check("requests", [request])
    assert request["service_request_id"] == number and request["status"] == "open"
    assert request["description"] == "3 号楼电梯困人"
    assert (request["lat"], request["long"]) == (39.99, 116.47)
    assert request["media_url"] == "https://img.example.cn/lift.jpg"

    [by_token] = same_in_xml(client, f"{V2}/tokens/{token}", "service_requests")
    assert by_token == {"service_request_id": number, "token": token}


def test_post__xml_answer_and_the_category_notice(client, key, schemas):
    response = post(client, key, {"service_code": "CTY-MANHOLE", "address_string": "朝阳区望京西园三区",
                                  "description": "井盖丢了"}, fmt="xml")
    assert response.status_code == 201 and response.mimetype == "text/xml"
    tag, [answer] = from_xml(response.data)
    assert tag == "service_requests" and "井盖缺失属紧急事项" in answer["service_notice"]
    [request] = client.get(f"{V2}/requests/{answer['service_request_id']}.json").json
    schemas.check("requests", [request])
    assert request["service_notice"].startswith("井盖缺失属紧急事项")


@pytest.mark.parametrize(("fields", "status", "field"), [
    ({**VENDOR, "service_code": "NOPE"}, 404, None),
    ({"service_code": "CTY-VENDOR", "description": "没有位置"}, 400, "location"),
    ({**VENDOR, "lat": "39.9"}, 400, "location"),
    ({**VENDOR, "lat": "abc", "long": "116.4"}, 400, "lat"),
    ({**VENDOR, "address_string": None, "lat": "48.85", "long": "2.35"}, 400, None),  # outside the city's country
    ({**LIFT, "attribute[fault_kind]": "spaceship"}, 400, "attribute[fault_kind]"),
    ({k: v for k, v in LIFT.items() if k != "attribute[fault_kind]"}, 400, "attribute[fault_kind]"),
    ({**LIFT, "attribute[lift_floor]": "seven"}, 400, "attribute[lift_floor]"),
    ({**VENDOR, "attribute[colour]": "red"}, 400, "attribute[colour]"),
    ({**VENDOR, "phone": "12"}, 400, "phone"),
    ({**VENDOR, "media_url": "javascript:alert(1)"}, 400, "media_url"),
    ({**VENDOR, "description": "长" * 4001}, 400, "description"),
])
def test_post__bad_requests_answer_the_spec_error_list(client, key, session, schemas, fields, status, field):
    fields = {name: value for name, value in fields.items() if value is not None}
    response = post(client, key, fields)
    assert response.status_code == status, response.json
    schemas.check(ERRORS_SCHEMA, response.json)
    assert response.json[0]["code"] == status
    if field:
        assert FIELD_NAMES.get(field, field) in response.json[0]["description"]
    assert session.scalar(select(Ticket.id)) is None  # nothing half-written


def test_post__needs_a_valid_key_of_the_open311_channel(client, actors, session):
    web_key = actors.key("web")["Authorization"].removeprefix("Bearer ")
    revoked = open311_key(actors)
    with session.begin():
        session.execute(update(ApiKey).values(revoked_at=clock.now()))
    for api_key in (None, "", "hk_bad_key", web_key, revoked):
        response = post(client, api_key, VENDOR)
        assert response.status_code == 403, (api_key, response.json)
        assert response.json[0]["code"] == 403
    response = post(client, None, VENDOR, fmt="xml")
    assert response.status_code == 403 and from_xml(response.data)[0] == "errors"
    assert session.scalar(select(Ticket.id)) is None


def test_post__api_key_may_come_in_the_query_string(client, key):
    response = client.post(f"{V2}/requests.json?api_key={key}", data=VENDOR)
    assert created(response)["service_request_id"]


def test_get__unknown_request_or_token_is_404(client):
    for path in (f"{V2}/requests/20990101000001", f"{V2}/tokens/no-such-token"):
        assert client.get(f"{path}.json").status_code == 404
        response = client.get(f"{path}.xml")
        assert response.status_code == 404 and from_xml(response.data)[0] == "errors"


def test_jurisdiction_id__is_accepted_and_a_foreign_one_refused(make_app, actors):
    app = make_app(OPEN311_JURISDICTION="hotline.example.cn")
    client = app.test_client()
    assert client.get(f"{V2}/services.json?jurisdiction_id=hotline.example.cn").status_code == 200
    assert client.get(f"{V2}/services.json").status_code == 200
    response = client.get(f"{V2}/services.json?jurisdiction_id=elsewhere")
    assert response.status_code == 400 and response.json[0]["code"] == 400


# --- GET requests: filters, window, paging ----------------------------------------------------------

def test_get_requests__filters_by_id_code_and_status(client, key, session, schemas):
    lift = created(post(client, key, LIFT))["service_request_id"]
    vendor = created(post(client, key, VENDOR))["service_request_id"]
    other = created(post(client, key, VENDOR))["service_request_id"]
    with session.begin():
        session.execute(update(Ticket).where(Ticket.ticket_no == other).values(status="closed"))

    everything = same_in_xml(client, f"{V2}/requests", "service_requests")
    schemas.check("requests", everything)
    assert [r["service_request_id"] for r in everything] == [other, vendor, lift]  # newest first

    def ids(**query):
        return [r["service_request_id"] for r in client.get(f"{V2}/requests.json", query_string=query).json]

    assert ids(service_request_id=f"{lift},{other}") == [other, lift]
    assert ids(service_request_id=lift, service_code="CTY-VENDOR") == [lift]  # the id overrides the rest
    assert ids(service_code="CTY-VENDOR") == [other, vendor]
    assert ids(service_code="CTY-VENDOR,URB-PROPERTY") == [other, vendor, lift]
    assert ids(status="open") == [vendor, lift]
    assert ids(status="closed") == [other]
    assert ids(status="open,closed") == [other, vendor, lift]
    assert [r["status"] for r in client.get(f"{V2}/requests.json?service_request_id={other}").json] == ["closed"]


def test_get_requests__date_window_and_paging(client, key, session):
    numbers = [created(post(client, key, VENDOR))["service_request_id"] for _ in range(5)]
    old = numbers[0]
    with session.begin():
        session.execute(update(Ticket).where(Ticket.ticket_no == old)
                        .values(received_at=clock.now() - timedelta(days=100)))

    def ids(**query):
        response = client.get(f"{V2}/requests.json", query_string=query)
        assert response.status_code == 200, response.json
        return [r["service_request_id"] for r in response.json]

    newest_first = list(reversed(numbers[1:]))
    assert ids() == newest_first  # the default window is the last 90 days
    start = (clock.now() - timedelta(days=120)).isoformat()
    end = (clock.now() - timedelta(days=40)).isoformat()
    assert ids(start_date=start, end_date=end) == [old]
    assert ids(start_date=(clock.now() - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")) == newest_first
    assert ids(start_date=(clock.now() - timedelta(days=95)).isoformat()) == []  # start + 90 days ends before
    assert ids(end_date=(clock.now() - timedelta(days=1)).isoformat()) == []
    assert ids(page_size=2) == newest_first[:2]
    assert ids(page_size=2, page=2) == newest_first[2:4]
    assert ids(page_size=2, page=3) == []
    assert ids(service_request_id=old) == [old]  # an id is found whatever its date

    for query in ({"start_date": "yesterday"}, {"end_date": "2026-13-01"}, {"page_size": "0"},
                  {"page": "²"}, {"page": "9" * 5000}, {"end_date": "0001-01-05T00:00:00Z"},
                  {"start_date": "9999-12-30T00:00:00Z"},
                  {"page_size": "1001"}, {"page": "-1"}, {"status": "pending"},
                  {"start_date": start, "end_date": (clock.now()).isoformat()},  # more than 90 days
                  {"start_date": end, "end_date": start}):
        response = client.get(f"{V2}/requests.json", query_string=query)
        assert response.status_code == 400, (query, response.json)
        assert response.json[0]["code"] == 400


# --- privacy and scoping ----------------------------------------------------------------------------

def test_public_lists__never_show_the_citizen(client, key, actors):
    created(post(client, key, {**VENDOR, "first_name": "小明", "last_name": "王", "phone": "13987654321",
                               "email": "wang@example.cn", "device_id": "device-777", "account_id": "acct-555",
                               "description": "我是王小明，电话 13987654321，门口有人摆摊。"}))
    people = cast(actors)
    ok(client.post("/api/v1/tickets", json={"content": "机密投诉：井盖丢失", "category_code": "CTY-MANHOLE",
                                            "address": "朝阳区望京西园三区",
                                            "citizen": {"name": "赵六", "phone": "13700001111",
                                                        "confidential": True}},
                   headers=people.agent))
    for path in ("requests.json", "requests.xml", "requests.json?extensions=true", "requests.xml?extensions=true",
                 "servicerequestupdates.json", "servicerequestupdates.xml"):
        text = client.get(f"{V2}/{path}").data.decode()
        for secret in ("王小明", "小明", "13987654321", "wang@example.cn", "device-777", "acct-555", "赵六",
                       "13700001111", "机密投诉"):
            assert secret not in text, (path, secret)
    created(post(client, key, {**VENDOR, "description": "邻居说他也打过电话 13611112222，没人管。"}))
    text = client.get(f"{V2}/requests.json").data.decode()
    assert "我是***，电话 ***，门口有人摆摊" in text  # the reporter's own name and number blanked
    assert "136****2222" in text and "13611112222" not in text  # any other phone number masked


def test_open311_key__cannot_use_the_staff_routes(client, key, actors):
    people = cast(actors)
    other = ok(client.post("/api/v1/tickets", json={"content": "路灯不亮", "category_code": "CTY-LAMP",
                                                    "address": "朝阳区望京西园三区"}, headers=people.agent))
    mine = created(post(client, key, VENDOR))["service_request_id"]
    bearer = {"Authorization": f"Bearer {key}"}
    for path in ("/api/v1/stats/units", "/api/v1/notifications", "/api/v1/followups/callbacks",
                 "/api/v1/classifier", "/api/v1/hotspots"):
        assert client.get(path, headers=bearer).status_code == 403, path
    assert act(client, bearer, mine, "dispatch", {"unit": LEAD_UNIT}).status_code == 403
    assert act(client, bearer, mine, "close", BODIES["close"]).status_code == 403
    listed = client.get("/api/v1/tickets", headers=bearer).json["items"]
    assert [t["ticket_no"] for t in listed] == [mine]  # its own tickets only
    assert client.get(f"/api/v1/tickets/{other['ticket_no']}", headers=bearer).status_code == 404


# --- the lifecycle in requests and servicerequestupdates --------------------------------------------

def test_lifecycle__shows_in_requests_and_in_updates(client, key, actors, session, schemas, clock_at):
    people = cast(actors)
    frozen = clock_at(clock.now())
    number = created(post(client, key, VENDOR))["service_request_id"]
    ticket = session.scalar(select(Ticket).where(Ticket.ticket_no == number))
    assert ticket.status == "dispatched" and ticket.lead_unit.code == LEAD_UNIT, ticket.status
    session.rollback()

    [request] = client.get(f"{V2}/requests/{number}.json").json
    assert request["agency_responsible"] == ticket.lead_unit.name
    assert request["expected_datetime"] is not None and request["status_notes"] is None

    for action in ("accept", "respond", "reply"):
        frozen.advance(timedelta(minutes=10))
        ok(act(client, people.lead_staff, number, action, BODIES[action]))
    [request] = same_in_xml(client, f"{V2}/requests/{number}", "service_requests", extensions="true")
    schemas.check("requests", [request])
    assert request["status"] == "open" and request["detailed_status"] == "replied"
    assert request["status_notes"] == BODIES["reply"]["reply"]
    assert request["channel"] == "open311" and request["duplicate"] is False
    assert [n["detailed_status"] for n in request["notes"]] == [
        "received", "dispatched", "accepted", "responded", "replied"]

    frozen.advance(timedelta(minutes=10))
    ok(act(client, people.supervisor, number, "close", BODIES["close"]))
    [request] = client.get(f"{V2}/requests/{number}.json").json
    assert request["status"] == "closed"
    assert [r["service_request_id"] for r in client.get(f"{V2}/requests.json?status=closed").json] == [number]

    updates = same_in_xml(client, f"{V2}/servicerequestupdates", "service_requests_updates")
    schemas.check(UPDATES_SCHEMA, updates)
    mine = [u for u in updates if u["service_request_id"] == number]
    assert [u["status"] for u in mine] == ["open", "open", "in_progress", "action_scheduled", "fixed", "closed"]
    assert mine[4]["description"] == BODIES["reply"]["reply"]
    assert len({u["update_id"] for u in mine}) == len(mine)
    later = client.get(f"{V2}/servicerequestupdates.json",
                       query_string={"start_date": mine[-1]["updated_datetime"]}).json
    assert [u["update_id"] for u in later] == [mine[-1]["update_id"]]


def test_extensions__show_a_merged_request_as_duplicate_of_its_parent(client, key, actors):
    people = cast(actors)
    first = created(post(client, key, VENDOR))["service_request_id"]
    second = created(post(client, key, VENDOR))["service_request_id"]
    ok(act(client, people.supervisor, second, "merge", {"into": first}))
    [request] = same_in_xml(client, f"{V2}/requests/{second}", "service_requests", extensions="true")
    assert request["status"] == "closed" and request["duplicate"] is True
    assert request["parent_service_request_id"] == first
    [plain] = client.get(f"{V2}/requests/{second}.json").json
    assert "duplicate" not in plain and "notes" not in plain
