"""Citizens' pages: the web complaint form (web channel, anti-abuse) and /track."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from hotline.database import session_factory
from models import Ticket


def form_fields(client, csrf) -> dict:
    page = client.get("/complaint").get_data(as_text=True)
    started = re.search(r'name="started" value="([^"]+)"', page).group(1)
    return {"csrf_token": csrf(page), "started": started}


def complaint(**extra) -> dict:
    return {"content": "小区门口的路灯坏了一个多月，晚上很黑，老人出门不安全。", "address": "朝阳区望京西园三区",
            "name": "李女士", "phone": "13900001234", **extra}


def count(app) -> int:
    with session_factory(app)() as session:
        return session.scalar(select(func.count()).select_from(Ticket))


def test_complaint_form__creates_a_web_ticket_and_tracks_it(make_app, csrf):
    app = make_app(CITIZEN_FORM_MIN_SECONDS=0)
    client = app.test_client()
    response = client.post("/complaint", data={**form_fields(client, csrf), **complaint()})
    assert response.status_code == 200, response.get_data(as_text=True)
    number = re.search(r'id="ticket-no">(\d+)<', response.get_data(as_text=True)).group(1)
    with session_factory(app)() as session:
        row = session.scalar(select(Ticket).where(Ticket.ticket_no == number))
        assert (row.channel, row.citizen_phone) == ("web", "+8613900001234")

    token = csrf(client.get("/track").get_data(as_text=True))
    page = client.post("/track", data={"csrf_token": token, "ticket_no": number, "last4": "1234"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert number in text and "已受理" in text and "李女士" not in text and "13900001234" not in text

    wrong = client.post("/track", data={"csrf_token": token, "ticket_no": number, "last4": "9999"})
    assert wrong.status_code == 404 and "未找到" in wrong.get_data(as_text=True)


def test_complaint_form__refuses_bots(make_app, csrf):
    app = make_app(CITIZEN_FORM_MIN_SECONDS=0)
    client = app.test_client()
    before = count(app)
    trapped = client.post("/complaint", data={**form_fields(client, csrf), **complaint(website="http://spam")})
    forged = client.post("/complaint", data={**form_fields(client, csrf), **complaint(), "started": "forged"})
    assert (trapped.status_code, forged.status_code) == (400, 400)
    assert count(app) == before


def test_complaint_form__refuses_an_answer_sent_too_fast(make_app, csrf):
    app = make_app(CITIZEN_FORM_MIN_SECONDS=60)
    client = app.test_client()
    response = client.post("/complaint", data={**form_fields(client, csrf), **complaint()})
    assert response.status_code == 400 and "提交过快" in response.get_data(as_text=True)


def test_complaint_form__asks_for_missing_fields_in_chinese(make_app, csrf):
    app = make_app(CITIZEN_FORM_MIN_SECONDS=0)
    client = app.test_client()
    response = client.post("/complaint", data={**form_fields(client, csrf), **complaint(phone="", content="")})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "请填写联系电话" in text and "请描述您反映的问题" in text


def test_complaint_form__is_rate_limited(make_app, csrf):
    app = make_app(CITIZEN_FORM_MIN_SECONDS=0, RATELIMIT_CITIZEN_FORM="2/hour")
    client = app.test_client()
    codes = [client.post("/complaint", data={**form_fields(client, csrf), **complaint()}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
