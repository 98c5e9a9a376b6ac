"""The API documentation page renders the OpenAPI document in a real headless Chromium, with every asset
served by the app itself and no Content-Security-Policy violation."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_docs_page__renders_every_operation_from_local_assets(chromium, live_server, client, tmp_path):
    document = client.get("/api/v1/openapi.json").json
    operations = sum(len(methods) for methods in document["paths"].values())
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    problems, hosts = [], set()
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: hosts.add(request.url.split("/")[2]))
    try:
        page.goto(f"{live_server}/api/v1/docs")
        page.wait_for_selector(".opblock", timeout=15_000)
        assert page.locator(".opblock").count() == operations
        assert "Hotline 接诉即办 API" in page.locator(".info .title").inner_text()
        page.screenshot(path=str(tmp_path / "api-docs.png"))
    finally:
        page.close()
    assert hosts == {live_server.split("/")[2]}  # nothing fetched from elsewhere
    assert not problems, problems  # includes any CSP refusal
