"""The citizen's side of 回访: the survey page `/survey/<token>` and the answer API, and the agents'
side: the callback queue, call attempts and answers taken on the phone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from hotline.database import session_factory
from hotline.followup import survey_token
from models import FollowUp, Ticket, TicketEvent, clock
from models.clock import FrozenClock

COMPLAINT = {
    "content": "望京西园三区门口每天晚上都有人摆摊卖烧烤，占了人行道，油烟很大。",
    "address": "朝阳区望京西园三区",  # the demo city routes this street matter to 望京街道 (CY-WJ)
    "category_code": "CTY-VENDOR",
    "citizen": {"name": "张先生", "phone": "13812345678"},
}
REPLY = "已联合城管执法队清理占道摊位，并安排每晚巡查。"
FULL_ANSWER = {"resolved": "yes", "satisfaction": "satisfied", "comment": "处理得很及时，谢谢！"}


def ok(response) -> dict:
    assert response.status_code in (200, 201), (response.status_code, response.get_json())
    return response.get_json()


def replied(client, actors, channel: str = "web", **overrides) -> str:
    """A ticket taken on `channel`, routed to 望京街道, accepted, contacted and replied to over the API."""
    body, agent = dict(COMPLAINT, **overrides), actors.user("agent")
    if channel == "phone":
        ticket = ok(client.post("/api/v1/tickets", json=dict(body, channel="phone"), headers=agent))
    else:
        ticket = ok(client.post("/api/v1/tickets", json=body, headers=actors.key(channel)))
    number, staff = ticket["ticket_no"], actors.user("unit_staff", unit="CY-WJ")
    if ticket["status"] == "triage":  # e.g. held as a possible duplicate of an earlier test ticket
        ok(client.post(f"/api/v1/tickets/{number}/dispatch", json={"unit": "CY-WJ"}, headers=agent))
    else:
        assert ticket["status"] == "dispatched" and ticket["unit"]["code"] == "CY-WJ", ticket
    for action, action_body in (("accept", {}), ("respond", {"note": "已电话联系市民"}),
                                ("reply", {"reply": REPLY, "resolved": True})):
        ok(client.post(f"/api/v1/tickets/{number}/{action}", json=action_body, headers=staff))
    return number


def followup(app, number: str, round_: int = 0) -> FollowUp:
    with session_factory(app)() as session:
        return session.scalar(select(FollowUp).join(Ticket, Ticket.id == FollowUp.ticket_id)
                              .where(Ticket.ticket_no == number, FollowUp.round == round_))


def ticket(app, number: str) -> Ticket:
    with session_factory(app)() as session:
        return session.scalar(select(Ticket).where(Ticket.ticket_no == number))


def last_event(app, number: str, action: str) -> TicketEvent:
    with session_factory(app)() as session:
        return session.scalars(select(TicketEvent).join(Ticket, Ticket.id == TicketEvent.ticket_id)
                               .where(Ticket.ticket_no == number, TicketEvent.action == action)
                               .order_by(TicketEvent.id.desc())).first()


def token_of(app, number: str, round_: int = 0) -> str:
    return survey_token(app.config["SECRET_KEY"], followup(app, number, round_))


@pytest.fixture
def frozen():
    frozen = FrozenClock(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    previous = clock.set_clock(frozen)
    yield frozen
    clock.set_clock(previous)


# --- the reply opens the round --------------------------------------------------------------------

def test_reply__opens_the_followup_round_in_the_same_transaction(app, client, actors):
    number = replied(client, actors)
    row = followup(app, number)
    assert (row.round, row.channel, row.status, row.attempts, row.answered_at) == (0, "sms", "open", 0, None)
    assert last_event(app, number, "followup-open").data["channel"] == "sms"


# --- the survey page ------------------------------------------------------------------------------

def test_page__shows_the_ticket_the_reply_and_the_questions_in_chinese(app, client, actors):
    number = replied(client, actors)
    page = client.get(f"/survey/{token_of(app, number)}")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and 'name="viewport"' in html
    for text in ("回访评价", number, COMPLAINT["content"], "望京街道", REPLY,
                 "问题是否已解决", "已解决", "未解决", "是否满意", "满意", "基本满意", "不满意", "提交评价"):
        assert text in html, text
    assert "/static/survey.css" in html and "<script" not in html and "http" not in html.split("<body>")[1]
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Referrer-Policy"] == "no-referrer"
    assert client.get("/static/survey.css").status_code == 200


def test_page__shows_the_title_or_the_first_100_characters_of_the_matter(app, client, actors):
    long_text = "小区门口" + "夜间施工噪音扰民，" * 30
    number = replied(client, actors, content=long_text)
    html = client.get(f"/survey/{token_of(app, number)}").get_data(as_text=True)
    assert long_text[:100] + "…" in html and long_text[:101] not in html
    titled = replied(client, actors, title="望京西园烧烤摊占道", citizen={"phone": "13812340000"})
    assert "望京西园烧烤摊占道" in client.get(f"/survey/{token_of(app, titled)}").get_data(as_text=True)


@pytest.mark.parametrize("token", ["nonsense", "WzEsMF0.tampered", ""])
def test_page__a_bad_or_tampered_link_is_a_friendly_404(app, client, actors, token):
    number = replied(client, actors)
    genuine = token_of(app, number)
    path = f"/survey/{token or genuine[:-2] + ('AA' if genuine[-2:] != 'AA' else 'BB')}"
    page = client.get(path)
    assert page.status_code == 404
    html = page.get_data(as_text=True)
    assert "链接无效" in html and "12345" in html
    assert client.post(path, data=FULL_ANSWER).status_code == 404
    assert followup(app, number).status == "open"


def test_page__a_link_signed_with_another_key_is_refused(app, client, actors):
    number = replied(client, actors)
    forged = survey_token("someone-elses-secret", followup(app, number))
    assert client.get(f"/survey/{forged}").status_code == 404


def test_post__without_both_answers_shows_the_errors_and_changes_nothing(app, client, actors):
    number = replied(client, actors)
    page = client.post(f"/survey/{token_of(app, number)}", data={"comment": "还行"})
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "请选择问题是否已解决" in html and "请选择对办理结果是否满意" in html
    assert "还行" in html  # what the citizen typed is kept
    assert followup(app, number).status == "open" and ticket(app, number).status == "replied"


def test_post__keeps_the_choice_made_and_asks_for_the_missing_one(app, client, actors):
    number = replied(client, actors)
    html = client.post(f"/survey/{token_of(app, number)}", data={"resolved": "no"}).get_data(as_text=True)
    assert 'value="no" checked' in html and 'value="yes" checked' not in html
    assert "请选择对办理结果是否满意" in html and "请选择问题是否已解决" not in html


@pytest.mark.parametrize(("data", "message"), [
    ({"resolved": "maybe", "satisfaction": "satisfied"}, "应为 true（已解决）或 false（未解决）"),
    ({"resolved": "yes", "satisfaction": "great"}, "应为 satisfied（满意）、basic（基本满意）或 unsatisfied（不满意）"),
    ({"resolved": "yes", "satisfaction": "basic", "comment": "太" * 501}, "不能超过 500 个字"),
])
def test_post__odd_values_are_errors_on_the_page_never_a_500(app, client, actors, data, message):
    number = replied(client, actors)
    page = client.post(f"/survey/{token_of(app, number)}", data=data)
    assert page.status_code == 422 and message in page.get_data(as_text=True)
    assert followup(app, number).status == "open"


def test_post__the_answer_is_recorded_and_the_citizen_thanked(app, client, actors):
    number = replied(client, actors)
    path = f"/survey/{token_of(app, number)}"
    posted = client.post(path, data=FULL_ANSWER)
    assert posted.status_code == 303 and posted.headers["Location"].endswith(path)
    html = client.get(path).get_data(as_text=True)
    assert "感谢您的评价" in html and "已办结" in html and "处理得很及时" in html
    row = followup(app, number)
    assert (row.status, row.resolved, row.satisfaction, row.comment, row.answered_via) == (
        "answered", True, "satisfied", "处理得很及时，谢谢！", "survey")
    assert ticket(app, number).status == "closed"
    answer = last_event(app, number, "followup-answer")
    assert answer.actor == "citizen:survey" and answer.data["satisfaction"] == "satisfied"


def test_post__unsatisfied_tells_the_citizen_the_matter_goes_on(app, client, actors):
    number = replied(client, actors)
    path = f"/survey/{token_of(app, number)}"
    client.post(path, data={"resolved": "no", "satisfaction": "unsatisfied", "comment": "还在摆摊"})
    assert "重新办理" in client.get(path).get_data(as_text=True)
    assert ticket(app, number).status == "dispatched"


def test_post__a_second_answer_is_refused(app, client, actors):
    number = replied(client, actors)
    path = f"/survey/{token_of(app, number)}"
    client.post(path, data=FULL_ANSWER)
    again = client.post(path, data={"resolved": "no", "satisfaction": "unsatisfied"})
    assert again.status_code == 409 and "您已评价过" in again.get_data(as_text=True)
    assert followup(app, number).satisfaction == "satisfied"


def test_page__after_the_window_the_survey_is_closed(app, client, actors, frozen):
    number = replied(client, actors)
    path = f"/survey/{token_of(app, number)}"
    frozen.advance(timedelta(hours=48))
    page = client.get(path)
    assert page.status_code == 410 and "评价已截止" in page.get_data(as_text=True)
    assert client.post(path, data=FULL_ANSWER).status_code == 410
    assert followup(app, number).status == "open"  # the expiry job closes it, not the page


# --- the answer API (citizens' apps) --------------------------------------------------------------

def test_api__the_app_reads_the_survey_and_answers_once(app, client, actors):
    number = replied(client, actors, channel="app")
    token = token_of(app, number)
    survey = ok(client.get(f"/api/v1/followups/{token}"))
    assert (survey["ticket_no"], survey["reply"], survey["status"]) == (number, REPLY, "open")
    assert survey["choices"]["satisfaction"] == {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意"}

    answer = ok(client.post(f"/api/v1/followups/{token}/answer",
                            json={"resolved": True, "satisfaction": "basic", "comment": "基本解决"}))
    assert (answer["outcome"], answer["ticket_status"]) == ("closed", "closed")
    assert answer["followup"]["satisfaction_name"] == "基本满意" and answer["followup"]["answered_via"] == "api"

    again = client.post(f"/api/v1/followups/{token}/answer", json={"resolved": False, "satisfaction": "unsatisfied"})
    assert again.status_code == 409
    assert again.json["error"]["code"] == "already_answered" and "已评价" in again.json["error"]["message"]


@pytest.mark.parametrize(("body", "fields"), [
    ({}, {"resolved": "请选择问题是否已解决", "satisfaction": "请选择对办理结果是否满意"}),
    ({"resolved": "yes", "satisfaction": "satisfied"}, {"resolved": "应为 true（已解决）或 false（未解决）"}),
    ({"resolved": True, "satisfaction": "ok"}, {"satisfaction": "应为 satisfied（满意）、basic（基本满意）或 unsatisfied（不满意）"}),
    ({"resolved": True, "satisfaction": "basic", "comment": "x" * 501}, {"comment": "不能超过 500 个字"}),
    ({"resolved": True, "satisfaction": "basic", "stars": 5}, {"stars": "不支持的字段"}),
])
def test_api__invalid_answers_are_422_in_chinese(app, client, actors, body, fields):
    number = replied(client, actors)
    response = client.post(f"/api/v1/followups/{token_of(app, number)}/answer", json=body)
    assert response.status_code == 422
    assert response.json["error"]["fields"] == fields
    assert response.json["error"]["message"].startswith("提交的内容有误")
    assert followup(app, number).status == "open"


def test_api__a_bad_token_is_404_and_not_json_is_400(app, client, actors):
    number = replied(client, actors)
    response = client.post("/api/v1/followups/forged/answer", json={"resolved": True, "satisfaction": "basic"})
    assert response.status_code == 404 and response.json["error"]["code"] == "bad_token"
    assert client.get("/api/v1/followups/forged").status_code == 404
    not_json = client.post(f"/api/v1/followups/{token_of(app, number)}/answer", data="resolved=1")
    assert not_json.status_code == 400 and not_json.json["error"]["code"] == "not_json"


def test_api__an_answer_after_the_window_is_410(app, client, actors, frozen):
    number = replied(client, actors)
    frozen.advance(timedelta(hours=48, seconds=1))
    response = client.post(f"/api/v1/followups/{token_of(app, number)}/answer",
                           json={"resolved": True, "satisfaction": "satisfied"})
    assert response.status_code == 410
    assert response.json["error"]["code"] == "followup_expired" and "截止" in response.json["error"]["message"]


# --- agents: the callback queue, calls, answers taken on the phone --------------------------------

def test_callbacks__phone_tickets_wait_in_the_agents_queue_oldest_first(app, client, actors, frozen):
    first = replied(client, actors, channel="phone")
    frozen.advance(timedelta(minutes=10))
    second = replied(client, actors, channel="phone", citizen={"name": "李女士", "phone": "13900001111"})
    replied(client, actors)  # a web ticket: its citizen gets an SMS, not a call
    agent = actors.user("agent")

    queue = ok(client.get("/api/v1/followups/callbacks", headers=agent))
    assert [item["ticket_no"] for item in queue["items"]] == [first, second] and queue["total"] == 2
    item = queue["items"][1]
    assert item["citizen"] == {"name": "李女士", "phone": "139 0000 1111"}
    assert (item["channel"], item["attempts"], item["attempts_max"], item["reply"]) == ("callback", 0, 3, REPLY)
    assert item["unit"]["code"] == "CY-WJ"

    ok(client.post(f"/api/v1/tickets/{first}/followup-answer", headers=agent,
                   json={"resolved": True, "satisfaction": "satisfied"}))
    assert [i["ticket_no"] for i in ok(client.get("/api/v1/followups/callbacks", headers=agent))["items"]] == [second]
    assert client.get("/api/v1/followups/callbacks", headers=actors.user("unit_staff", unit="CY-WJ")).status_code == 403
    assert client.get("/api/v1/followups/callbacks", headers=actors.key()).status_code == 403


def test_callbacks__agents_record_calls_up_to_the_limit(app, client, actors, frozen):
    number = replied(client, actors, channel="phone")
    agent = actors.user("agent")
    followup_id = followup(app, number).id
    for attempt in (1, 2, 3):
        frozen.advance(timedelta(hours=1))
        made = ok(client.post(f"/api/v1/followups/{followup_id}/attempt", json={"note": "无人接听"}, headers=agent))
        assert made["attempts"] == attempt
    assert made["next_attempt_at"] is None
    assert last_event(app, number, "followup-call").data == {"round": 0, "attempt": 3, "note": "无人接听"}
    fourth = client.post(f"/api/v1/followups/{followup_id}/attempt", headers=agent)
    assert fourth.status_code == 409 and fourth.json["error"]["code"] == "attempts_exhausted"

    sms = followup(app, replied(client, actors)).id
    refused = client.post(f"/api/v1/followups/{sms}/attempt", json={}, headers=agent)
    assert refused.status_code == 409 and refused.json["error"]["code"] == "not_a_callback"
    assert client.post("/api/v1/followups/999999/attempt", headers=agent).status_code == 404


def test_agent_answer__recorded_for_the_citizen_on_the_phone(app, client, actors):
    number = replied(client, actors, channel="phone")
    agent = actors.user("agent", username="agent-wang")
    body = {"resolved": False, "satisfaction": "unsatisfied", "comment": "电话回访：仍有摊贩"}
    assert client.post(f"/api/v1/tickets/{number}/followup-answer", json=body,
                       headers=actors.user("unit_staff", unit="CY-WJ")).status_code == 403
    answer = ok(client.post(f"/api/v1/tickets/{number}/followup-answer", json=body, headers=agent))
    assert (answer["outcome"], answer["ticket_status"], answer["followup"]["answered_via"]) == (
        "reopened", "dispatched", "agent")
    assert last_event(app, number, "followup-answer").actor == "user:agent-wang"
    again = client.post(f"/api/v1/tickets/{number}/followup-answer", json=body, headers=agent)
    assert again.status_code == 409 and again.json["error"]["code"] == "no_followup"  # round 1 not replied yet
    missing = client.post("/api/v1/tickets/20990101000001/followup-answer", json=body, headers=agent)
    assert missing.status_code == 404
