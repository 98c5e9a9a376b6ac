"""The OpenAPI document describes the API the code serves."""

from __future__ import annotations

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
