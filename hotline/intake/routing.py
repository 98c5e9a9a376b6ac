"""Routing a new ticket: the classifier and routing/ decide, the workflow acts.

`route_new_ticket` runs after the intake commit. It analyses the ticket (category, place, urgency,
duplicates, knowledge base) and applies the decision through workflow functions: answered from the
knowledge base, dispatched automatically, or triage with suggestions. Anything failing in the analysis
(no model yet, a broken index) sends the ticket to triage: a complaint is never lost or stuck.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hotline import workflow
from hotline.appcache import AppCache
from hotline.auth import SYSTEM
from hotline.city.store import jurisdiction_tree
from hotline.database import write_transaction
from hotline.workflow.core import locked_ticket
from hotline.workflow.sla import sla
from models import CatalogueEntry, Category, Jurisdiction, KnowledgeArticle, Ticket, Unit
from models.enums import OPEN_STATUSES, TicketStatus
from routing import Gazetteer, KnowledgeIndex, TicketText, assess, decide, find_duplicates, load_catalogue
from routing.dispatch import CatalogueRule

log = logging.getLogger(__name__)

DUPLICATE_WINDOW = timedelta(days=7)
DUPLICATE_CANDIDATES_MAX = 200
CITY_CACHE_SECONDS = 60.0


@dataclass
class CityIndex:
    """The city's routing data, in memory: rebuilt from the database at most once a minute."""

    gazetteer: Gazetteer
    catalogue: dict[str, CatalogueRule]
    knowledge: KnowledgeIndex
    unit_names: dict[str, str]
    categories: dict[str, Category]
    article_ids: dict[str, int]
    jurisdiction_ids: dict[tuple[str, str], int]  # (kind, name) → id
    street_names: dict[int, str]  # id → name


def build_city_index(session: Session) -> CityIndex:
    units = {unit.id: unit for unit in session.scalars(select(Unit))}
    rows = list(session.scalars(select(Jurisdiction).order_by(Jurisdiction.id)))
    districts = jurisdiction_tree(rows, units)
    categories = {c.code: c for c in session.scalars(select(Category))}
    by_id = {c.id: c for c in categories.values()}
    entries = [
        {"category": by_id[e.category_id].code, "level": e.level,
         "lead": units[e.lead_unit_id].code if e.lead_unit_id else None, "assisting": e.assisting}
        for e in session.scalars(select(CatalogueEntry))
    ]
    articles = [
        {"code": a.code, "id": a.id, "question": a.question, "answer": a.answer, "keywords": a.keywords,
         "category": by_id[a.category_id].code if a.category_id else None}
        for a in session.scalars(select(KnowledgeArticle).where(KnowledgeArticle.active.is_(True)))
    ]
    for category in categories.values():
        session.expunge(category)
    return CityIndex(Gazetteer.from_districts(districts), load_catalogue(entries), KnowledgeIndex(articles),
                     {u.code: u.name for u in units.values()}, categories, {a["code"]: a["id"] for a in articles},
                     {(row.kind, row.name): row.id for row in rows},
                     {row.id: row.name for row in rows if row.kind == "street"})


_city_cache: AppCache[CityIndex] = AppCache("hotline.city_index", CITY_CACHE_SECONDS)


def city_index(app: Flask, session: Session) -> CityIndex:
    return _city_cache.get(app, lambda _previous: build_city_index(session))


@dataclass
class Analysis:
    index: CityIndex
    predictions: list[tuple[str, float]]
    threshold: float
    jurisdiction: object
    urgency: object
    duplicates: list
    decision: object
    answer: object | None


def duplicate_candidates(session: Session, ticket: Ticket, street_id: int | None,
                         index: CityIndex) -> list[TicketText]:
    """Open tickets from the same phone, or in the same street, within the window (indexed lookups)."""
    since = ticket.received_at - DUPLICATE_WINDOW
    conditions = []
    if ticket.citizen_phone:
        conditions.append(Ticket.citizen_phone == ticket.citizen_phone)
    if street_id is not None:
        conditions.append(Ticket.street_id == street_id)
    if not conditions:
        return []
    rows = session.scalars(
        select(Ticket).where(or_(*conditions), Ticket.id != ticket.id, Ticket.received_at >= since,
                             Ticket.status.in_(OPEN_STATUSES))
        .order_by(Ticket.received_at.desc()).limit(DUPLICATE_CANDIDATES_MAX)
    )
    return [TicketText(ticket_no=row.ticket_no, text=full_text(row), phone=row.citizen_phone,
                       street=index.street_names.get(row.street_id), received_at=row.received_at)
            for row in rows]


def full_text(ticket: Ticket) -> str:
    """What the classifier, duplicates and the knowledge base read: title and content together."""
    return f"{ticket.title or ''} {ticket.content}"


def analyse(app: Flask, session: Session, ticket: Ticket) -> Analysis:
    from hotline.learning.service import predict

    index = city_index(app, session)
    predictions, threshold = predict(app, ticket.title or "", ticket.content)
    jurisdiction = index.gazetteer.resolve(ticket.address, ticket.lat, ticket.lng)
    chosen = ticket.category.code if ticket.category is not None else None
    top = chosen or (predictions[0][0] if predictions else None)
    hint = index.categories[top].urgency_hint if top in index.categories else None
    text = full_text(ticket)
    urgency = assess(text, hint)
    new = TicketText(ticket_no=ticket.ticket_no, text=text, phone=ticket.citizen_phone, street=jurisdiction.street,
                     received_at=ticket.received_at)
    street_id = index.jurisdiction_ids.get(("street", jurisdiction.street))
    duplicates = find_duplicates(new, duplicate_candidates(session, ticket, street_id, index))
    decision = decide(predictions, threshold, index.catalogue, jurisdiction, duplicates, category=chosen,
                      unit_names=index.unit_names)
    answer = None
    request_type = ticket.request_type or (index.categories[top].request_type if top in index.categories else None)
    if request_type == "inquiry" and not duplicates:
        answer = index.knowledge.best_answer(text)
    return Analysis(index, predictions, threshold, jurisdiction, urgency, duplicates, decision, answer)


def _apply_facts(ticket: Ticket, analysis: Analysis) -> None:
    """What routing learned about the ticket, whatever happens next."""
    decision, place, index = analysis.decision, analysis.jurisdiction, analysis.index
    ticket.urgency = analysis.urgency.urgency
    ticket.referral = analysis.urgency.referral
    if ticket.category_id is None and decision.category in index.categories:
        ticket.category_id = index.categories[decision.category].id
        ticket.category_probability = decision.probability
    if ticket.request_type is None and decision.category in index.categories:
        ticket.request_type = index.categories[decision.category].request_type
    if place.district:
        ticket.district_id = index.jurisdiction_ids.get(("district", place.district))
    if place.street:
        ticket.street_id = index.jurisdiction_ids.get(("street", place.street))
    ticket.duplicates = [{"ticket_no": d.ticket_no, "score": round(d.score, 3), "reason": d.reason}
                         for d in analysis.duplicates[:5]]
    ticket.suggestions = [
        {"category": s.category, "category_name": index.categories[s.category].name if s.category in index.categories else None,
         "unit": s.unit, "unit_name": index.unit_names.get(s.unit), "probability": round(s.probability, 4)}
        for s in decision.suggestions
    ]


def route_new_ticket(app: Flask, session: Session, ticket: Ticket, *, decide: bool = True) -> None:
    """Route a freshly received ticket (idempotent: a ticket no longer `received` is left alone).

    With `decide=False` (an agent has already chosen what to do) only the facts are recorded — category
    suggestions, urgency, place, duplicates — and the ticket stays `received` for the agent's action."""
    try:
        analysis = analyse(app, session, ticket)
    except Exception:  # the analysis is advisory: any failure means a person routes it
        log.exception("routing of %s failed; sending it to triage", ticket.ticket_no)
        analysis = None
    with write_transaction(session):
        ticket = locked_ticket(session, Ticket.id == ticket.id)
        if ticket.status != TicketStatus.RECEIVED:
            return
        step = workflow.Step(session, SYSTEM, sla(app))
        if analysis is None:
            if decide:
                workflow.to_triage(step, ticket, "自动分拨失败，请人工分拨", [])
            return
        _apply_facts(ticket, analysis)
        if not decide:
            return
        decision = analysis.decision
        if analysis.urgency.referral:
            reason = f"疑似需转 {analysis.urgency.referral}：{analysis.urgency.reason}"
            workflow.to_triage(step, ticket, reason, ticket.suggestions)
        elif analysis.answer is not None:
            workflow.answer(step, ticket, analysis.index.article_ids[analysis.answer.code], None)
        elif decision.auto:
            workflow.dispatch(step, ticket, decision.lead_unit, decision.assisting, decision.category, auto=True)
        else:
            workflow.to_triage(step, ticket, decision.reason, ticket.suggestions)
