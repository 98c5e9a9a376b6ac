"""Off-the-shelf GeoReport v2 clients from PyPI, used as their documentation says, against a live server
(waitress on a local port): `civicbot` (its Open311Client lists services, posts — it is the one Python 3
client on PyPI that can POST — and reads requests and tokens, in JSON) and `georeport` (reads services,
definitions and requests, in JSON and in XML). The older `three` and `open311` packages are Python 2 only.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from civicbot.open311 import Open311Client
from civicbot.registry import Endpoint
from georeport import GeoReport

from tests.hotline.open311.open311_support import Schemas, open311_key, open311_schema_dir


@pytest.fixture
def waitress_url(app) -> Iterator[str]:
    from waitress import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}/open311/v2"
    finally:
        server.close()
        thread.join(5)


def test_civicbot_client__lists_services_posts_and_reads_back(waitress_url, actors):
    schemas = Schemas(open311_schema_dir())
    client = Open311Client(Endpoint(id="hotline", name="12345 热线", base_url=waitress_url, write=True))

    services = client.list_services()
    schemas.check("services", services)
    assert "URB-PROPERTY" in {s["service_code"] for s in services}

    prepared = client.create_request(
        "URB-PROPERTY", dry_run=False, confirm="SEND", api_key=open311_key(actors), validate_remote=True,
        lat=39.99, lng=116.47, description="3 号楼电梯困人", attributes={"fault_kind": "lift", "lift_floor": "7"},
        first_name="三", last_name="张", phone="13812345678")
    [answer] = prepared.response
    number = answer["service_request_id"]

    request = client.get_request(number)
    schemas.check("request", request)
    assert request["service_code"] == "URB-PROPERTY" and request["description"] == "3 号楼电梯困人"
    assert client.get_token(answer["token"]) == [{"service_request_id": number, "token": answer["token"]}]
    assert [r["service_request_id"] for r in client.list_requests(service_request_ids=[number])] == [number]


def test_georeport_client__reads_services_and_requests_in_json_and_xml(waitress_url, actors):
    poster = Open311Client(Endpoint(id="hotline", name="12345 热线", base_url=waitress_url, write=True))
    [answer] = poster.create_request("CTY-LAMP", dry_run=False, confirm="SEND", api_key=open311_key(actors),
                                     address_string="朝阳区望京西园三区", description="路灯不亮",
                                     attributes={"pole_number": "WJ-0042"}).response
    number = answer["service_request_id"]

    as_json, as_xml = GeoReport(waitress_url), GeoReport(waitress_url, output_format="xml")
    json_services, xml_services = as_json.get_service_list(), as_xml.get_service_list()
    assert [s["service_code"] for s in xml_services] == [s["service_code"] for s in json_services]
    assert as_xml.get_service_definition("CTY-LAMP")["attributes"]["attribute"]["code"] == "pole_number"

    json_request, xml_request = as_json.get_service_request(number), as_xml.get_service_request(number)
    assert json_request["service_request_id"] == xml_request["service_request_id"] == number
    assert xml_request["description"] == json_request["description"] == "路灯不亮"
    assert xml_request["service_notice"] == json_request["service_notice"] == "路灯一般在 3 个工作日内修复。"
    assert xml_request["lat"] is None and json_request["lat"] is None
    listed = as_xml.get_service_requests(service_code="CTY-LAMP", status="open")
    assert (listed if isinstance(listed, dict) else listed[0])["service_request_id"] == number
