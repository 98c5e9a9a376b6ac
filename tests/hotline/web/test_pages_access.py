"""Every page for every role: allowed (200), anonymous (redirected to /login), wrong role (403)."""

from __future__ import annotations

import pytest

PAGES = {
    "/agent": {"agent", "supervisor"},
    "/agent/triage": {"agent", "supervisor"},
    "/agent/callbacks": {"agent", "supervisor"},
    "/unit": {"unit_staff"},
    "/notifications": {"agent", "unit_staff", "supervisor", "admin"},
    "/supervisor": {"supervisor", "admin"},
    "/supervisor/approvals": {"supervisor", "admin"},
    "/supervisor/rankings": {"supervisor", "admin"},
    "/supervisor/charts": {"supervisor", "admin"},
    "/supervisor/charts.json": {"supervisor", "admin"},
    "/supervisor/search?q=烧烤": {"supervisor", "admin"},
    "/supervisor/export/overdue.csv": {"supervisor", "admin"},
    "/supervisor/export/rankings.csv": {"supervisor", "admin"},
    "/admin": {"admin"},
    "/admin/users": {"admin"},
    "/admin/city/units.yaml": {"admin"},
    "/admin/city/export.zip": {"admin"},
}
ROLES = ("agent", "unit_staff", "supervisor", "admin")
PUBLIC = ("/", "/login", "/complaint", "/track")


@pytest.fixture
def everyone(staff):
    return {role: staff(role, "CY-WJ" if role == "unit_staff" else None) for role in ROLES}


def test_pages__each_role_gets_its_pages_and_403_elsewhere(everyone):
    for url, allowed in PAGES.items():
        for role, person in everyone.items():
            status = person.get(url).status_code
            expected = 200 if role in allowed else 403
            assert status == expected, (url, role, status)


def test_pages__the_403_page_is_in_chinese(everyone):
    response = everyone["agent"].get("/admin")
    assert response.status_code == 403 and "无权访问" in response.get_data(as_text=True)


def test_pages__anonymous_visitors_are_sent_to_login(client):
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login?next=" in response.headers["Location"], url


def test_pages__public_pages_need_no_login(client):
    for url in PUBLIC:
        assert client.get(url).status_code == 200, url


def test_pages__anonymous_posts_are_refused(client, csrf):
    token = csrf(client.get("/login").get_data(as_text=True))
    for url in ("/agent/submit", "/tickets/20260101000001/act/accept", "/admin/users"):
        response = client.post(url, data={"csrf_token": token})
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_pages__a_post_without_csrf_token_is_refused(everyone):
    response = everyone["agent"].client.post("/agent/submit", data={"content": "测试内容测试内容"})
    assert response.status_code == 400


def test_static__echarts_and_its_licence_are_served_by_the_app(client):
    script = client.get("/static/vendor/echarts/echarts.min.js")
    assert script.status_code == 200 and b"echarts" in script.data[:5000]
    assert b"Apache License" in client.get("/static/vendor/echarts/LICENSE").data
