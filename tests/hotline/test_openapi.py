"""The OpenAPI document describes the API the code serves."""

from __future__ import annotations

import re

from openapi_spec_validator import validate


def test_openapi__is_a_valid_openapi_3_document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    validate(response.json)


def test_openapi__request_bodies_come_from_the_validating_models(client):
    document = client.get("/api/v1/openapi.json").json
    ticket_in = document["components"]["schemas"]["TicketIn"]
    assert ticket_in["required"] == ["content"]
    assert ticket_in["properties"]["content"]["maxLength"] == 5000
    for action in ("dispatch", "accept", "return", "decide-return", "respond", "request-extension",
                   "decide-extension", "reply", "reopen", "merge", "answer", "reject", "exclude", "close"):
        assert f"/api/v1/tickets/{{ticket_no}}/{action}" in document["paths"]
    reply = document["paths"]["/api/v1/tickets/{ticket_no}/reply"]["post"]["requestBody"]
    assert reply["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ReplyBody"}
    assert set(document["components"]["schemas"]["ReplyBody"]["required"]) == {"reply", "resolved"}


def _checker(document: dict):
    """Validates an answer against the schema the document gives for (path, method, status)."""
    from jsonschema import Draft202012Validator

    def check(path: str, method: str, status: int, body) -> None:
        pointer = "/".join(["#", "paths", path.replace("~", "~0").replace("/", "~1"), method, "responses",
                            str(status), "content", "application~1json", "schema"])
        root = {"$ref": pointer, "paths": document["paths"], "components": document["components"]}
        errors = sorted(Draft202012Validator(root).iter_errors(body), key=lambda e: list(e.path))
        assert not errors, f"{method.upper()} {path} {status}: " + "; ".join(
            f"{list(e.path)}: {e.message}" for e in errors[:5])

    return check


def test_openapi__real_answers_of_every_ticket_operation_match_the_document(client, actors):
    """A ticket through intake, reading, listing, its events and every action of its life: each answer
    (and each error) validates against the schema the document states for it."""
    from tests.hotline.journeys import BODIES, STREET_COMPLAINT, cast, ok

    document = client.get("/api/v1/openapi.json").json
    check = _checker(document)
    people = cast(actors)
    created = client.post("/api/v1/tickets", json=dict(STREET_COMPLAINT, channel="phone"), headers=people.agent)
    check("/api/v1/tickets", "post", created.status_code, created.json)
    number = created.json["ticket_no"]
    if created.json["status"] == "triage":
        ok(client.post(f"/api/v1/tickets/{number}/dispatch", json=BODIES["dispatch"], headers=people.agent))
    keyed = client.post("/api/v1/tickets", json={"content": "路灯不亮了"}, headers=people.key)
    check("/api/v1/tickets", "post", keyed.status_code, keyed.json)
    for who, action in (("lead_staff", "accept"), ("lead_staff", "request-extension"),
                        ("supervisor", "decide-extension"), ("lead_staff", "respond"), ("lead_staff", "reply"),
                        ("agent", "reopen"), ("supervisor", "exclude")):
        answer = client.post(f"/api/v1/tickets/{number}/{action}", json=BODIES[action], headers=getattr(people, who))
        assert answer.status_code == 200, (action, answer.json)
        check(f"/api/v1/tickets/{{ticket_no}}/{action}", "post", 200, answer.json)
    refused = client.post(f"/api/v1/tickets/{number}/close", json=BODIES["close"], headers=people.agent)
    check("/api/v1/tickets/{ticket_no}/close", "post", refused.status_code, refused.json)
    for path, url in (("/api/v1/tickets/{ticket_no}", f"/api/v1/tickets/{number}"),
                      ("/api/v1/tickets/{ticket_no}/events", f"/api/v1/tickets/{number}/events"),
                      ("/api/v1/tickets", "/api/v1/tickets?per_page=5")):
        answer = client.get(url, headers=people.supervisor)
        check(path, "get", answer.status_code, answer.json)
    missing = client.get("/api/v1/tickets/20000101000000", headers=people.supervisor)
    check("/api/v1/tickets/{ticket_no}", "get", 404, missing.json)


def test_openapi__documents_every_operation_of_the_native_api(app, client):
    document = client.get("/api/v1/openapi.json").json
    documented = {(path, method.upper()) for path, operations in document["paths"].items() for method in operations}
    from hotline.workflow.rules import ACTION_ROUTE

    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.startswith("openapi."):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        paths = [path.replace("{action}", action) for action in ACTION_ROUTE] if "{action}" in path else [path]
        for one in paths:
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                if (one, method) not in documented:
                    missing.append(f"{method} {one}")
    assert not missing, missing


def test_docs_page__serves_swagger_ui_from_this_app_without_inline_scripts(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.data.decode()
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.S)
    assert scripts and all(body.strip() == "" and 'src="/static/' in attrs for attrs, body in scripts)
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page):
        assert client.get(asset).status_code == 200, asset
    assert 'data-spec="/api/v1/openapi.json"' in page
    assert "http://" not in page and "https://" not in page  # nothing fetched from elsewhere


def test_openapi__token_route_documents_its_malformed_json_answer(client):
    """Found by the contract fuzzing: a body that is not JSON is a 400 the document must list."""
    document = client.get("/api/v1/openapi.json").json
    answer = client.post("/api/v1/auth/token", data=b"\x00", content_type="application/json")
    assert answer.status_code == 400
    _checker(document)("/api/v1/auth/token", "post", 400, answer.json)
