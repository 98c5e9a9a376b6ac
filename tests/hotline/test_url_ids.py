"""Ids in URLs are row ids: a number beyond an INTEGER column is an unknown id (404), never a database
overflow (500 on PostgreSQL). Found by the schemathesis contract test."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/api/v1/followups/225018220742/attempt", "/api/v1/notifications/2147483648/read"])
def test_id_beyond_an_integer_column__is_404(client, actors, path):
    response = client.post(path, json={}, headers=actors.user("agent"))
    assert response.status_code == 404, response.json
    assert response.json["error"]["code"] == "not_found"


def test_largest_integer_id__still_reaches_the_view(client, actors):
    response = client.post("/api/v1/notifications/2147483647/read", headers=actors.user("agent"))
    assert response.status_code == 404
    assert "2147483647" in response.json["error"]["message"]  # the view's own message: the route matched
