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


def test_openapi__documents_every_operation_of_the_native_api(app, client):
    document = client.get("/api/v1/openapi.json").json
    documented = {(path, method.upper()) for path, operations in document["paths"].items() for method in operations}
    from hotline.tickets.actions import ACTIONS

    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.startswith("openapi."):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        paths = [path.replace("{action}", action) for action in ACTIONS] if "{action}" in path else [path]
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
