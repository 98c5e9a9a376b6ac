"""The day's work through the pages (Flask test client): the same workflow and permissions as the API."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from hotline.database import session_factory
from models import Extension, Ticket, TicketEvent

COMPLAINT = {
    "content": "望京西园三区门口每天晚上都有人摆摊卖烧烤，占了人行道，油烟很大。",
    "address": "朝阳区望京西园三区",
    "citizen_name": "张先生",
    "citizen_phone": "13812345678",
    "category_code": "CTY-VENDOR",
}


def ticket_count(app) -> int:
    with session_factory(app)() as session:
        return session.scalar(select(func.count()).select_from(Ticket))


def ticket(app, number: str) -> Ticket:
    from sqlalchemy.orm import selectinload

    with session_factory(app)() as session:
        return session.scalar(select(Ticket).where(Ticket.ticket_no == number).options(selectinload(Ticket.lead_unit)))


def submit(agent, **extra) -> str:
    form = {**COMPLAINT, "outcome": "dispatch", "unit": "CY-WJ", "form_key": extra.pop("form_key", "k1"), **extra}
    response = agent.post("/agent/submit", form)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    page = agent.get(response.headers["Location"]).get_data(as_text=True)
    return re.search(r"已登记工单 (\d+)", page).group(1)


def test_agent_analyse__suggests_without_creating_anything(app, staff):
    agent = staff("agent")
    first = submit(agent)
    before = ticket_count(app)
    response = agent.client.post("/agent/analyse", json={
        "content": COMPLAINT["content"], "address": COMPLAINT["address"], "phone": COMPLAINT["citizen_phone"]},
        headers={"X-CSRFToken": agent.token()})
    assert response.status_code == 200, response.get_data(as_text=True)
    data = response.json
    assert data["ready"] and data["jurisdiction"]["street"] == "望京街道"
    assert data["urgency"]["name"] and "decision" in data
    assert [d["ticket_no"] for d in data["duplicates"]] == [first]  # same caller, same matter
    assert ticket_count(app) == before


def test_agent_analyse__needs_the_csrf_header(staff):
    agent = staff("agent")
    assert agent.client.post("/agent/analyse", json={"content": "有人摆摊烧烤"}).status_code == 400


def test_agent_submit__creates_one_ticket_and_dispatches_it(app, staff):
    agent = staff("agent")
    number = submit(agent)
    row = ticket(app, number)
    assert (row.status, row.channel, row.lead_unit.code if row.lead_unit else None) == ("dispatched", "phone", "CY-WJ")
    # The same form sent twice (a double Ctrl+Enter) is one ticket.
    before = ticket_count(app)
    agent.post("/agent/submit", {**COMPLAINT, "outcome": "dispatch", "unit": "CY-WJ", "form_key": "k1"})
    assert ticket_count(app) == before


def test_agent_submit__the_agents_unit_wins_over_routings_choice(app, staff):
    """Routing alone would send this street matter to 望京街道; the agent chose another unit: the ticket
    goes there, dispatched once, by the agent, with routing's facts (place, urgency) kept."""
    agent = staff("agent")
    number = submit(agent, unit="HD-ZGC", form_key="k-own")
    row = ticket(app, number)
    assert (row.status, row.lead_unit.code) == ("dispatched", "HD-ZGC")
    assert row.urgency is not None and row.street_id is not None
    with session_factory(app)() as session:
        trail = session.execute(select(TicketEvent.action, TicketEvent.actor).where(TicketEvent.ticket_id == row.id)
                                .order_by(TicketEvent.id)).all()
    assert [action for action, _ in trail] == ["receive", "dispatch"]
    assert trail[1][1] != "system"


def test_agent_submit__invalid_input_shows_the_form_again_and_creates_nothing(app, staff):
    agent = staff("agent")
    before = ticket_count(app)
    response = agent.post("/agent/submit", {"content": "", "citizen_phone": "123", "form_key": "bad"})
    assert response.status_code == 422
    assert "未能登记" in response.get_data(as_text=True)
    assert ticket_count(app) == before


def test_agent_submit__reject_with_referral(app, staff):
    agent = staff("agent")
    number = submit(agent, outcome="reject", referral="110", reason="涉及治安，请拨打110", form_key="k2",
                    content="有人在小区门口打架斗殴，已经有人受伤了")
    row = ticket(app, number)
    assert row.status == "rejected"


def test_unit_day__accept_contact_extension_reply_with_supervisor_approval(app, staff):
    agent, unit, supervisor = staff("agent"), staff("unit_staff", "CY-WJ"), staff("supervisor")
    number = submit(agent)
    queue = unit.get("/unit").get_data(as_text=True)
    assert number in queue and 'data-action="accept"' in queue

    page = agent.get(f"/tickets/{number}").get_data(as_text=True)
    assert 'data-action="accept"' not in page  # the agent is not the unit: no such button

    assert unit.post(f"/tickets/{number}/act/accept").status_code == 303
    queue = unit.get("/unit").get_data(as_text=True)
    assert 'data-action="accept"' not in queue and "退单、联系市民、申请延期" in queue
    assert unit.post(f"/tickets/{number}/act/respond", {"note": "已电话联系市民"}).status_code == 303
    response = unit.post(f"/tickets/{number}/act/request-extension", {"days": "3", "reason": "需协调城管联合执法"})
    assert response.status_code == 303
    approvals = supervisor.get("/supervisor/approvals").get_data(as_text=True)
    assert number in approvals and 'data-action="decide-extension"' in approvals
    old_due = ticket(app, number).reply_due
    assert supervisor.post(f"/tickets/{number}/act/decide-extension", {"approve": "true", "note": "同意"}).status_code == 303
    assert ticket(app, number).reply_due > old_due
    with session_factory(app)() as session:
        assert session.scalar(select(Extension.status)) == "approved"
    assert unit.post(f"/tickets/{number}/act/reply", {"reply": "已清理占道摊位。", "resolved": "true"}).status_code == 303
    assert ticket(app, number).status == "replied"


def test_ticket_action__invalid_body_is_shown_not_applied(app, staff):
    agent, unit = staff("agent"), staff("unit_staff", "CY-WJ")
    number = submit(agent)
    unit.post(f"/tickets/{number}/act/accept")
    response = unit.post(f"/tickets/{number}/act/return", {"reason": ""})
    assert response.status_code == 422
    assert "退单未完成" in response.get_data(as_text=True)
    assert ticket(app, number).status == "accepted"


def test_ticket_action__wrong_state_is_409(app, staff):
    agent, unit = staff("agent"), staff("unit_staff", "CY-WJ")
    number = submit(agent)
    response = unit.post(f"/tickets/{number}/act/reply", {"reply": "答复", "resolved": "true"})
    assert response.status_code == 409 and "不能答复" in response.get_data(as_text=True)


def test_another_units_staff__cannot_see_or_act_on_the_ticket(app, staff):
    agent, other = staff("agent"), staff("unit_staff", "HD-ZGC")
    number = submit(agent)
    assert other.get(f"/tickets/{number}").status_code == 404
    assert other.post(f"/tickets/{number}/act/accept").status_code == 404
    assert number not in other.get("/unit").get_data(as_text=True)
    assert ticket(app, number).status == "dispatched"


def test_phone__masked_except_for_the_lead_unit_and_supervisors(app, staff):
    agent, unit, supervisor, admin = staff("agent"), staff("unit_staff", "CY-WJ"), staff("supervisor"), staff("admin")
    number = submit(agent)
    assert "138 1234 5678" in unit.get(f"/tickets/{number}").get_data(as_text=True)
    assert "138 1234 5678" in supervisor.get(f"/tickets/{number}").get_data(as_text=True)
    for person in (agent, admin):
        page = person.get(f"/tickets/{number}").get_data(as_text=True)
        assert "138****5678" in page and "138 1234 5678" not in page


def test_confidential__no_identity_but_for_supervisors(app, staff):
    agent, unit, supervisor = staff("agent"), staff("unit_staff", "CY-WJ"), staff("supervisor")
    number = submit(agent, confidential="on", form_key="k3")
    for person in (unit, agent):
        page = person.get(f"/tickets/{number}").get_data(as_text=True)
        assert "张先生" not in page and "5678" not in page and "（保密）" in page
    page = supervisor.get(f"/tickets/{number}").get_data(as_text=True)
    assert "张先生" in page and "138 1234 5678" in page


def test_triage__one_click_dispatch(app, staff, actors, client):
    agent = staff("agent")
    created = client.post("/api/v1/tickets", json={"content": "最近总觉得哪里不太对劲，说不清楚是什么问题，想反映一下"},
                          headers=actors.key("web"))
    number = created.json["ticket_no"]
    assert created.json["status"] == "triage"
    page = agent.get("/agent/triage").get_data(as_text=True)
    assert number in page
    response = agent.post(f"/agent/triage/{number}/dispatch", {"unit": "CY-WJ", "category": "CTY-VENDOR"})
    assert response.status_code == 303
    assert ticket(app, number).status == "dispatched"


def test_supervisor__search_by_phone_and_words_and_export(app, staff):
    agent, supervisor = staff("agent"), staff("supervisor")
    number = submit(agent)
    for q in ("13812345678", "138-1234-5678", "烧烤", number):
        assert number in supervisor.get(f"/supervisor/search?q={q}").get_data(as_text=True), q
    export = supervisor.get("/supervisor/export/search.csv?q=烧烤")
    assert export.mimetype == "text/csv" and number in export.get_data(as_text=True)
    charts = supervisor.get("/supervisor/charts.json").json
    assert sum(sum(s["data"]) for s in charts["volume"]["series"]) >= 1


def test_notifications__unread_count_and_mark_read(app, staff):
    from hotline.notifications.service import notify
    from models import Unit

    unit = staff("unit_staff", "CY-WJ")
    with session_factory(app)() as session, session.begin():
        wj = session.scalar(select(Unit).where(Unit.code == "CY-WJ"))
        note = notify(session, audience="unit", kind="warning", message="工单即将超时", dedupe_key="t-1", unit=wj)
        note_id = note.id
    page = unit.get("/unit").get_data(as_text=True)
    assert re.search(r'id="unread-count">1<', page)
    assert unit.post(f"/notifications/{note_id}/read").status_code == 303
    assert re.search(r'id="unread-count">0<', unit.get("/unit").get_data(as_text=True))


def test_callbacks__the_agent_records_the_citizens_answer(app, staff):
    agent, unit = staff("agent"), staff("unit_staff", "CY-WJ")
    number = submit(agent)  # a phone complaint: followed up by a call-back
    for action, body in (("accept", {}), ("respond", {"note": "已联系"}), ("reply", {"reply": "已清理。", "resolved": "true"})):
        assert unit.post(f"/tickets/{number}/act/{action}", body).status_code == 303
    assert f'data-ticket="{number}"' in agent.get("/agent/callbacks").get_data(as_text=True)
    missing = agent.post(f"/agent/callbacks/{number}/answer", {"resolved": "yes"})
    assert "请选择对办理结果是否满意" in agent.get(missing.headers["Location"]).get_data(as_text=True)
    assert ticket(app, number).status == "replied"
    response = agent.post(f"/agent/callbacks/{number}/answer", {"resolved": "yes", "satisfaction": "satisfied"})
    assert response.status_code == 303
    assert ticket(app, number).status == "closed"
    assert f'data-ticket="{number}"' not in agent.get("/agent/callbacks").get_data(as_text=True)
    # A unit's staff cannot record answers for the citizen.
    assert unit.post(f"/agent/callbacks/{number}/answer", {"resolved": "yes", "satisfaction": "satisfied"}).status_code == 403


def test_agent_submit__merge_into_a_duplicate_in_one_click(app, staff):
    agent = staff("agent")
    first = submit(agent)
    second = submit(agent, outcome="merge", into=first, form_key="k-merge")
    row = ticket(app, second)
    assert row.status == "merged"
    with session_factory(app)() as session:
        assert session.scalar(select(Ticket.ticket_no).where(Ticket.id == row.parent_id)) == first


def test_agent_submit__answer_from_the_knowledge_base_in_one_click(app, staff):
    from models import KnowledgeArticle

    with session_factory(app)() as session:
        article_id = session.scalar(select(KnowledgeArticle.id).order_by(KnowledgeArticle.id).limit(1))
    agent = staff("agent")
    number = submit(agent, outcome="answer", article_id=str(article_id), form_key="k-answer",
                    content="请问居住证怎么办理，需要带什么材料？", request_type="inquiry", category_code="")
    # Answered from the knowledge base: by the agent's click, or already by routing when it found the
    # answer itself (the console then says so) — either way the citizen has the answer and no unit is bothered.
    assert ticket(app, number).status == "answered"
    with session_factory(app)() as session:
        event = session.scalar(select(TicketEvent).join(Ticket, Ticket.id == TicketEvent.ticket_id)
                               .where(Ticket.ticket_no == number, TicketEvent.action == "answer"))
    assert event.actor in (f"user:{agent.username}", "system")
