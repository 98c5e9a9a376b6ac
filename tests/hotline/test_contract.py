"""The published contracts, fuzzed with schemathesis against the running app (waitress on a local port,
the test database and Redis): the native API's OpenAPI document (/api/v1/openapi.json) as every role,
and the Open311 JSON endpoints against the community JSON Schemas (each GET's .xml twin parsed and
compared with it). No server error, and every answer conforms to the document.

Bounded: HOTLINE_FUZZ_EXAMPLES examples per operation and role (default 6), no shrinking, a time budget.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from tests.hotline.journeys import STREET_COMPLAINT, cast, ok
from tests.hotline.open311.open311_support import (
    ERRORS_SCHEMA,
    UPDATES_SCHEMA,
    Schemas,
    as_xml_text,
    from_xml,
    open311_key,
    open311_schema_dir,
)

EXAMPLES = int(os.environ.get("HOTLINE_FUZZ_EXAMPLES", "6"))
BUDGET_SECONDS = float(os.environ.get("HOTLINE_FUZZ_BUDGET", "240"))

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture
def running_app(make_app) -> Iterator[tuple[object, str]]:
    from waitress import create_server

    app = make_app(RATELIMIT_DEFAULT="100000/minute", RATELIMIT_INTAKE="100000/minute",
                   RATELIMIT_AUTH="100000/minute")
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(5)


def xml_says_the_same(ctx, response, case) -> bool | None:
    """A schemathesis check for the Open311 GETs: the .xml twin of the URL answers the same status and,
    parsed, the same content as the JSON."""
    if case.method != "GET" or not response.request.url.split("?")[0].endswith(".json"):
        return None
    url = response.request.url
    path, _, query = url.partition("?")
    twin = requests.get(path.removesuffix(".json") + ".xml" + ("?" + query if query else ""), timeout=30)
    assert twin.status_code == response.status_code, (url, twin.status_code, response.status_code)
    assert twin.headers["Content-Type"].startswith("text/xml"), twin.headers["Content-Type"]
    _, content = from_xml(twin.content)
    assert content == as_xml_text(response.json()), url
    return True


def fuzz(schema, base_url: str, roles: dict[str, dict], deadline: float,
         path_parameters: dict[str, str] | None = None, extra_checks: tuple = ()) -> list[str]:
    """Every operation, EXAMPLES cases each, each case sent as every role; returns the failures.

    An operation whose path has one of `path_parameters` (e.g. a real ticket number) is fuzzed twice:
    with generated values, and with the real one, so its bodies reach the real state checks.
    """
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if time.monotonic() > deadline:
            failures.append(f"time budget spent before {operation.label}")
            break
        # Valid cases, and invalid ones (wrong types, missing fields): the latter must get a documented 4xx.
        strategies = [operation.as_strategy(), operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)]
        fixed = {name: value for name, value in (path_parameters or {}).items() if f"{{{name}}}" in operation.path}
        if fixed:
            strategies.append(operation.as_strategy(path_parameters=fixed))
        for strategy in strategies:
            failures += fuzz_operation(operation.label, strategy, base_url, roles, extra_checks)
    return failures


def fuzz_operation(label: str, strategy, base_url: str, roles: dict[str, dict], extra_checks: tuple) -> list[str]:
    failures: list[str] = []

    @given(case=strategy)
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case):
        for role, kwargs in roles.items():
            try:
                # Schema-valid data may still break a business rule (a date range the wrong way round, a
                # ticket in another state): the answer is then a documented 4xx, not a contract breach. And
                # the server may accept more than the document promises (an unknown query parameter).
                case.call_and_validate(base_url=base_url,
                                       excluded_checks=[positive_data_acceptance, negative_data_rejection],
                                       additional_checks=list(extra_checks), **kwargs)
            except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - collected, reported below
                failures.append(f"{label} as {role}: {str(error)[:1500]}")
                return

    try:
        run()
    except Unsatisfiable:  # nothing to make invalid (an operation without parameters or body)
        pass
    except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001
        failures.append(f"{label}: {str(error)[:1500]}")
    return failures


def test_native_api__conforms_to_its_openapi_document_as_every_role(running_app, actors):
    app, base_url = running_app
    people = cast(actors)
    ticket = ok(app.test_client().post("/api/v1/tickets", json=dict(STREET_COMPLAINT, channel="phone"),
                                       headers=people.agent))
    roles = {"agent": people.agent, "unit_staff": people.lead_staff, "supervisor": people.supervisor,
             "admin": people.admin, "channel key": people.key, "open311 key": actors.key("open311"),
             "anonymous": {}}
    schema = schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json")
    failures = fuzz(schema, base_url, {role: {"headers": headers} for role, headers in roles.items()},
                    time.monotonic() + BUDGET_SECONDS, path_parameters={"ticket_no": ticket["ticket_no"]})
    assert not failures, "\n\n".join(failures)


def open311_document(schemas: Schemas) -> dict:
    """An OpenAPI 3.1 description of the Open311 JSON endpoints whose answers are the community schemas."""
    request, service, definition = schemas.raw["request"], schemas.raw["service"], schemas.raw["service-definition"]
    errors = {"description": "错误", "content": {"application/json": {"schema": ERRORS_SCHEMA}}}

    def answer(schema: dict, *statuses: int) -> dict:
        return {"200": {"description": "成功", "content": {"application/json": {"schema": schema}}},
                **{str(status): errors for status in statuses}}

    def query(name: str, schema: dict) -> dict:
        return {"in": "query", "name": name, "required": False, "schema": schema}

    def path(name: str) -> dict:
        return {"in": "path", "name": name, "required": True, "schema": {"type": "string", "minLength": 1}}

    requests_list = {"type": "array", "items": request}
    dates = {"type": "string", "format": "date-time"}
    posted = {"type": "array", "minItems": 1, "items": {
        "type": "object", "required": ["service_request_id"],
        "properties": {"service_request_id": {"type": "string"}, "token": {"type": ["string", "null"]},
                       "service_notice": {"type": ["string", "null"]}, "account_id": {"type": ["string", "null"]}}}}
    form = {"type": "object", "required": ["service_code"], "properties": {
        "service_code": {"type": "string", "examples": ["CTY-VENDOR"]},
        "lat": {"type": "number", "minimum": 20, "maximum": 50}, "long": {"type": "number", "minimum": 100,
                                                                          "maximum": 130},
        "address_string": {"type": "string", "examples": ["朝阳区望京西园三区"]},
        "address_id": {"type": "string"}, "email": {"type": "string"}, "device_id": {"type": "string"},
        "account_id": {"type": "string"}, "first_name": {"type": "string"}, "last_name": {"type": "string"},
        "phone": {"type": "string"}, "description": {"type": "string"}, "media_url": {"type": "string"}}}
    return {
        "openapi": "3.1.0", "info": {"title": "Open311 GeoReport v2 (JSON)", "version": "2"},
        "paths": {
            "/open311/v2/discovery.json": {"get": {"responses": answer({"type": "object"})}},
            "/open311/v2/services.json": {"get": {
                "parameters": [query("jurisdiction_id", {"type": "string"})],
                "responses": answer({"type": "array", "items": service}, 400)}},
            "/open311/v2/services/{service_code}.json": {"get": {
                "parameters": [path("service_code")], "responses": answer(definition, 404)}},
            "/open311/v2/requests.json": {
                "get": {"parameters": [
                    query("service_request_id", {"type": "string"}), query("service_code", {"type": "string"}),
                    query("start_date", dates), query("end_date", dates),
                    query("status", {"type": "string", "enum": ["open", "closed"]}),
                    query("page", {"type": "integer", "minimum": 1}),
                    query("page_size", {"type": "integer", "minimum": 1, "maximum": 1000}),
                    query("extensions", {"type": "boolean"})],
                    "responses": answer(requests_list, 400)},
                "post": {"parameters": [query("api_key", {"type": "string"})],
                         "requestBody": {"required": True,
                                         "content": {"application/x-www-form-urlencoded": {"schema": form}}},
                         "responses": {"201": {"description": "已受理",
                                               "content": {"application/json": {"schema": posted}}},
                                       **{str(status): errors for status in (400, 403, 404)}}}},
            "/open311/v2/requests/{service_request_id}.json": {"get": {
                "parameters": [path("service_request_id"), query("extensions", {"type": "boolean"})],
                "responses": answer(requests_list, 404)}},
            "/open311/v2/tokens/{token}.json": {"get": {
                "parameters": [path("token")], "responses": answer(posted, 404)}},
            "/open311/v2/servicerequestupdates.json": {"get": {
                "parameters": [query("start_date", dates), query("end_date", dates)],
                "responses": answer(UPDATES_SCHEMA, 400)}},
        },
    }


def test_open311_json__conforms_to_the_community_schemas(running_app, actors):
    app, base_url = running_app
    schemas = Schemas(open311_schema_dir())
    key = open311_key(actors)
    answer = app.test_client().post("/open311/v2/requests.json",
                                    data={"api_key": key, "service_code": "CTY-VENDOR",
                                          "address_string": "朝阳区望京西园三区", "description": "有人摆摊"})
    assert answer.status_code == 201, answer.json
    schema = schemathesis.openapi.from_dict(open311_document(schemas))
    roles = {"open311 key": {"params": {"api_key": key}}, "anonymous": {}}
    failures = fuzz(schema, base_url, roles, time.monotonic() + BUDGET_SECONDS,
                    path_parameters={"service_request_id": answer.json[0]["service_request_id"],
                                     "service_code": "URB-PROPERTY", "token": answer.json[0]["token"]},
                    extra_checks=(xml_says_the_same,))
    assert not failures, "\n\n".join(failures)
