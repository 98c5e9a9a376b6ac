"""The survey page in a real headless Chromium, on a phone-sized screen, against a live server."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline.database import session_factory
from hotline.followup import survey_token
from models import FollowUp, Ticket

pytestmark = pytest.mark.browser

COMPLAINT = {
    "content": "望京西园三区门口每天晚上都有人摆摊卖烧烤，占了人行道，油烟很大。",
    "address": "朝阳区望京西园三区",
    "category_code": "CTY-VENDOR",
    "citizen": {"name": "张先生", "phone": "13812345678"},
}
REPLY = "已联合城管执法队清理占道摊位，并安排每晚巡查。"


def replied_ticket(app, client, actors) -> str:
    """A web ticket routed to 望京街道 and replied to, over the API."""
    created = client.post("/api/v1/tickets", json=COMPLAINT, headers=actors.key("web"))
    assert created.status_code == 201, created.json
    number = created.json["ticket_no"]
    if created.json["status"] == "triage":
        client.post(f"/api/v1/tickets/{number}/dispatch", json={"unit": "CY-WJ"}, headers=actors.user("agent"))
    staff = actors.user("unit_staff", unit="CY-WJ")
    for action, body in (("accept", {}), ("respond", {"note": "已联系市民"}), ("reply", {"reply": REPLY, "resolved": True})):
        response = client.post(f"/api/v1/tickets/{number}/{action}", json=body, headers=staff)
        assert response.status_code == 200, response.json
    return number


def followup_of(app, number: str) -> FollowUp:
    with session_factory(app)() as session:
        return session.scalar(select(FollowUp).join(Ticket, Ticket.id == FollowUp.ticket_id)
                              .where(Ticket.ticket_no == number))


def test_survey_page__a_citizen_answers_on_a_phone(app, client, actors, live_server, phone_page, tmp_path):
    number = replied_ticket(app, client, actors)
    url = f"{live_server}/survey/{survey_token(app.config['SECRET_KEY'], followup_of(app, number))}"
    page = phone_page
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(url)
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "回访评价" in page.title()
    assert page.locator("#ticket-no").inner_text() == number
    assert page.locator("#matter").inner_text() == COMPLAINT["content"]
    assert page.locator("#reply").inner_text() == REPLY
    assert page.get_by_text("您反映的问题是否已解决？").is_visible()
    # Fits the phone: no sideways scrolling; the local style sheet applied (CSP allows it).
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator("button.submit").evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(200, 22, 29)"
    page.screenshot(path=str(tmp_path / "survey-form.png"), full_page=True)

    page.get_by_role("button", name="提交评价").click()  # no choice made
    alert = page.locator("#errors")
    alert.wait_for()
    assert "请选择问题是否已解决" in alert.inner_text() and "请选择对办理结果是否满意" in alert.inner_text()
    page.screenshot(path=str(tmp_path / "survey-errors.png"), full_page=True)
    assert followup_of(app, number).status == "open"

    page.get_by_label("已解决", exact=True).check()
    page.get_by_label("满意", exact=True).check()
    page.get_by_label("意见建议").fill("处理及时，摊位已清理。")
    page.get_by_role("button", name="提交评价").click()
    page.locator("#thanks").wait_for()
    assert page.locator("#thanks").inner_text() == "感谢您的评价！"
    assert "您的诉求已办结" in page.content()
    page.screenshot(path=str(tmp_path / "survey-thanks.png"), full_page=True)

    row = followup_of(app, number)
    assert (row.status, row.resolved, row.satisfaction, row.comment, row.answered_via) == (
        "answered", True, "satisfied", "处理及时，摊位已清理。", "survey")
    with session_factory(app)() as session:
        assert session.scalar(select(Ticket.status).where(Ticket.ticket_no == number)) == "closed"
    assert requested and all(u.startswith(live_server) for u in requested), requested  # nothing from elsewhere


def test_survey_page__a_tampered_link_shows_a_friendly_page(app, client, actors, live_server, phone_page):
    response = phone_page.goto(f"{live_server}/survey/not-a-real-token")
    assert response.status == 404
    assert phone_page.locator("h1").inner_text() == "链接无效"
    assert "12345" in phone_page.locator("main").inner_text()
