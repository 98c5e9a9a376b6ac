"""Driving tickets through the workflow over the HTTP API, as the people involved would."""

from __future__ import annotations

from dataclasses import dataclass, field

# A street matter with an address the demo city resolves: routed straight to 望京街道 (CY-WJ).
STREET_COMPLAINT = {
    "content": "望京西园三区门口每天晚上都有人摆摊卖烧烤，占了人行道，油烟很大。",
    "address": "朝阳区望京西园三区",
    "category_code": "CTY-VENDOR",
    "citizen": {"name": "张先生", "phone": "13812345678"},
}
LEAD_UNIT = "CY-WJ"
OTHER_UNIT = "HD-ZGC"

BODIES = {
    "dispatch": {"unit": LEAD_UNIT},
    "accept": {},
    "return": {"reason": "该事项不属于本单位职责"},
    "decide-return": {"approve": False, "note": "属于属地管理，退回原单位"},
    "respond": {"note": "已电话联系市民，约定明日现场查看"},
    "request-extension": {"days": 3, "reason": "需协调城管执法队联合处置"},
    "decide-extension": {"approve": True},
    "reply": {"reply": "已联合执法清理摊位并设置巡查", "resolved": True},
    "reopen": {"reason": "市民反映问题仍未解决"},
    "merge": {"into": None},  # filled with an open ticket
    "answer": {"article_id": None},  # filled with a knowledge article
    "reject": {"reason": "属于司法程序处理范围", "referral": "legal"},
    "exclude": {"reason": "极端天气导致无法按时处置"},
    "close": {"note": "督办确认已办结"},
}


@dataclass
class Cast:
    """The people of a journey, each with Authorization headers."""

    agent: dict
    supervisor: dict
    lead_staff: dict
    other_staff: dict
    admin: dict
    key: dict
    extra: dict = field(default_factory=dict)


def cast(actors) -> Cast:
    return Cast(
        agent=actors.user("agent"), supervisor=actors.user("supervisor"),
        lead_staff=actors.user("unit_staff", unit=LEAD_UNIT), other_staff=actors.user("unit_staff", unit=OTHER_UNIT),
        admin=actors.user("admin"), key=actors.key("web"),
    )


def act(client, headers: dict, ticket_no: str, action: str, body: dict | None = None):
    return client.post(f"/api/v1/tickets/{ticket_no}/{action}", json=body if body is not None else {},
                       headers=headers)


def ok(response) -> dict:
    assert response.status_code in (200, 201), (response.status_code, response.json)
    return response.json


def new_ticket(client, people: Cast, **overrides) -> dict:
    body = dict(STREET_COMPLAINT, channel="phone", **overrides)
    return ok(client.post("/api/v1/tickets", json=body, headers=people.agent))


def triage_ticket(client, people: Cast) -> dict:
    """A ticket the router could not place (no category, no address): waits in triage."""
    ticket = ok(client.post("/api/v1/tickets", json={"channel": "phone", "content": "我想反映一个情况，说不清楚归谁管。"},
                            headers=people.agent))
    assert ticket["status"] == "triage", ticket
    return ticket


def ticket_in(client, people: Cast, state: str) -> str:
    """A ticket brought to `state` through the API; returns its number."""
    if state == "triage":
        return triage_ticket(client, people)["ticket_no"]
    if state in ("answered", "rejected", "merged"):
        number = triage_ticket(client, people)["ticket_no"]
        if state == "answered":
            ok(act(client, people.agent, number, "answer", {"article_id": any_article_id()}))
        elif state == "rejected":
            ok(act(client, people.agent, number, "reject", BODIES["reject"]))
        else:
            target = new_ticket(client, people, content="另一件事：小区电梯坏了", category_code="URB-PROPERTY")["ticket_no"]
            ok(act(client, people.agent, number, "merge", {"into": target}))
        return number
    ticket = new_ticket(client, people, content=f"{STREET_COMPLAINT['content']}（{state}）",
                        citizen={"phone": f"1391234{abs(hash(state)) % 10000:04d}"})
    number = ticket["ticket_no"]
    if ticket["status"] == "triage":
        # Held for a person because earlier tickets look alike (duplicates): the agent dispatches it.
        assert ticket["duplicates"], ticket
        ok(act(client, people.agent, number, "dispatch", {"unit": LEAD_UNIT}))
    steps = {
        "dispatched": [],
        "returned": [("lead_staff", "return")],
        "accepted": [("lead_staff", "accept")],
        "responded": [("lead_staff", "accept"), ("lead_staff", "respond")],
        "replied": [("lead_staff", "accept"), ("lead_staff", "respond"), ("lead_staff", "reply")],
        "closed": [("lead_staff", "accept"), ("lead_staff", "respond"), ("lead_staff", "reply"),
                   ("supervisor", "close")],
    }[state]
    for who, action in steps:
        ok(act(client, getattr(people, who), number, action, BODIES[action]))
    return number


_ARTICLE: dict[str, int] = {}


def any_article_id() -> int:
    if "id" not in _ARTICLE:
        raise RuntimeError("call remember_article(app) first")
    return _ARTICLE["id"]


def remember_article(app) -> int:
    from sqlalchemy import select

    from hotline.database import session_factory
    from models import KnowledgeArticle

    with session_factory(app)() as session:
        _ARTICLE["id"] = session.scalar(select(KnowledgeArticle.id).order_by(KnowledgeArticle.id).limit(1))
    return _ARTICLE["id"]


def events(client, headers, number: str) -> list[tuple[str, str | None, str | None]]:
    trail = ok(client.get(f"/api/v1/tickets/{number}/events", headers=headers))["events"]
    return [(e["action"], e["from_status"], e["to_status"]) for e in trail]
