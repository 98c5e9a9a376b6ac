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
from functools import cache, cached_property

from flask import Flask
from sqlalchemy import Integer, bindparam, case, inspect, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from hotline import workflow
from hotline.appcache import AppCache
from hotline.auth import SYSTEM
from hotline.city.store import jurisdiction_tree
from hotline.database import write_transaction
from hotline.intake.duplicates import duplicate_index, fingerprint, text_of
from hotline.learning.service import classify, current_urgency_model
from hotline.workflow.core import locked_ticket
from hotline.workflow.sla import sla
from models import CatalogueEntry, Category, Jurisdiction, KnowledgeArticle, Ticket, Unit, in_select
from models.enums import OPEN_STATUSES, TicketStatus
from routing import Gazetteer, KnowledgeIndex, TicketText, assess, decide, find_duplicates, load_catalogue
from routing.dispatch import CatalogueRule

log = logging.getLogger(__name__)

DUPLICATE_WINDOW = timedelta(days=7)
DUPLICATE_CANDIDATES_MAX = 200
DUPLICATE_RECENT = 16  # the street's newest open tickets are always compared, whatever the index says
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
    jurisdictions: dict[int, Jurisdiction]  # id → row (detached: merged into a session to be used there)
    units: dict[str, Unit]  # code → row (detached)

    @cached_property
    def category_codes(self) -> dict[int, str]:
        return {category.id: code for code, category in self.categories.items()}

    @cached_property
    def category_rows(self) -> dict[int, Category]:
        return {category.id: category for category in self.categories.values()}

    def unit(self, code: str) -> Unit | None:  # workflow.Reference: the router's dispatch reads no unit
        return self.units.get(code)

    def category(self, code: str) -> Category | None:  # a matter type (a leaf), as leaf_category
        category = self.categories.get(code)
        return category if category is not None and category.parent_id is not None else None


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
    for row in [*categories.values(), *rows, *units.values()]:
        session.expunge(row)
    return CityIndex(Gazetteer.from_districts(districts), load_catalogue(entries), KnowledgeIndex(articles),
                     {u.code: u.name for u in units.values()}, categories, {a["code"]: a["id"] for a in articles},
                     {(row.kind, row.name): row.id for row in rows},
                     {row.id: row.name for row in rows if row.kind == "street"}, {row.id: row for row in rows},
                     {unit.code: unit for unit in units.values()})


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
    cleaned: str
    signature: bytes
    filed: bool = False  # already filed in the duplicate index (the ticket had an id when analysed)


def duplicate_candidates(app: Flask, session: Session, ticket: Ticket, street_id: int | None, sig: bytes,
                         index: CityIndex) -> list[TicketText]:
    """Open tickets of the window from the same phone, or in the same street: those the LSH index names
    (filing this one too once it has an id; a draft is filed after its insert, see `file_duplicate`) and
    the street's DUPLICATE_RECENT newest; its DUPLICATE_CANDIDATES_MAX newest when the index cannot
    answer. One read of the stored cleaned texts and signatures, none re-cleaned; `find_duplicates`
    scores exactly only those whose signature is not far from the new one's."""
    since = ticket.received_at - DUPLICATE_WINDOW
    named = None
    if street_id is not None:
        named = duplicate_index(app, DUPLICATE_WINDOW).lookup_and_add(
            street_id, sig, since, add=(ticket.id, ticket.received_at) if ticket.id is not None else None)
    if not ticket.citizen_phone and street_id is None:
        return []
    statement = _candidates_statement(bool(ticket.citizen_phone), street_id is not None, bool(named),
                                      ticket.id is not None)
    rows = session.execute(statement, {
        "since": since, "phone": ticket.citizen_phone, "street_id": street_id, "named": named or [],
        "newest": DUPLICATE_RECENT if named is not None else DUPLICATE_CANDIDATES_MAX, "ticket_id": ticket.id})
    return [TicketText(ticket_no=row.ticket_no, text=text_of(row.title, row.content) if row.dup_text is None else "",
                       phone=row.citizen_phone, street=index.street_names.get(row.street_id),
                       received_at=row.received_at, cleaned=row.dup_text, signature=row.dup_signature)
            for row in rows]


@cache
def _candidates_statement(by_phone: bool, by_street: bool, by_named: bool, excluding: bool):
    """The candidates' query for one combination of what is known, built once per process (SQLAlchemy
    takes ≈ 0.5 ms to build and key this query; only the bound values change from one intake to the next)."""
    since = bindparam("since")
    conditions = []
    if by_phone:
        conditions.append(Ticket.citizen_phone == bindparam("phone"))
    if by_street:
        # in_select, not IN (subquery): under the OR PostgreSQL would test a subquery on every open ticket
        # of the window (0.9 s with 100,000 in the street); this way each branch is an index look-up.
        conditions.append(in_select(Ticket.id, (
            select(Ticket.id).where(Ticket.street_id == bindparam("street_id"), Ticket.received_at >= since,
                                    Ticket.status.in_(OPEN_STATUSES))
            .order_by(Ticket.received_at.desc()).limit(bindparam("newest", type_=Integer)))))
        if by_named:
            conditions.append(Ticket.id.in_(bindparam("named", expanding=True)))
    unclean = Ticket.dup_text.is_(None)  # received before signatures were stored: cleaned here
    return (select(Ticket.ticket_no, Ticket.citizen_phone, Ticket.street_id, Ticket.received_at, Ticket.dup_text,
                   Ticket.dup_signature, case((unclean, Ticket.title)).label("title"),
                   case((unclean, Ticket.content)).label("content"))
            .where(or_(*conditions), Ticket.received_at >= since, Ticket.status.in_(OPEN_STATUSES),
                   *([Ticket.id != bindparam("ticket_id")] if excluding else []))
            .order_by(Ticket.received_at.desc()).limit(DUPLICATE_CANDIDATES_MAX))


def full_text(ticket: Ticket) -> str:
    """What the classifier, duplicates and the knowledge base read: title and content together."""
    return text_of(ticket.title, ticket.content)


def analyse(app: Flask, session: Session, ticket: Ticket) -> Analysis:

    index = city_index(app, session)
    classified = classify(app, ticket.title or "", ticket.content)
    predictions, threshold = classified.predictions, classified.threshold
    jurisdiction = index.gazetteer.resolve(ticket.address, ticket.lat, ticket.lng)
    chosen = index.category_codes.get(ticket.category_id)  # from the cache, not a query
    top = chosen or (predictions[0][0] if predictions else None)
    hint = index.categories[top].urgency_hint if top in index.categories else None
    text = full_text(ticket)
    urgency = assess(text, hint, model=current_urgency_model(app))
    cleaned, sig = fingerprint(ticket.title, ticket.content)
    new = TicketText(ticket_no=ticket.ticket_no, text=text, phone=ticket.citizen_phone, street=jurisdiction.street,
                     received_at=ticket.received_at, cleaned=cleaned, signature=sig)
    street_id = index.jurisdiction_ids.get(("street", jurisdiction.street))
    duplicates = find_duplicates(new, duplicate_candidates(app, session, ticket, street_id, sig, index))
    decision = decide(predictions, threshold, index.catalogue, jurisdiction, duplicates, category=chosen,
                      unit_names=index.unit_names, familiar=classified.familiar)
    answer = None
    request_type = ticket.request_type or (index.categories[top].request_type if top in index.categories else None)
    if request_type == "inquiry" and not duplicates:
        answer = index.knowledge.best_answer(text)
    return Analysis(index, predictions, threshold, jurisdiction, urgency, duplicates, decision, answer,
                    cleaned, sig, filed=ticket.id is not None)


def _apply_facts(ticket: Ticket, analysis: Analysis) -> None:
    """What routing learned about the ticket, whatever happens next."""
    decision, place, index = analysis.decision, analysis.jurisdiction, analysis.index
    ticket.urgency = analysis.urgency.urgency
    ticket.dup_text, ticket.dup_signature = analysis.cleaned, analysis.signature
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


def route_new_ticket(app: Flask, session: Session, ticket: Ticket, *, decide: bool = True,
                     analysis: Analysis | None = None, within: workflow.Step | None = None) -> None:
    """Route a ticket that is still `received` (idempotent: a ticket no longer `received` is left alone).

    Intake routes inside its own transaction (`within`, the step of the transaction that inserted the
    ticket, with the `analysis` made before the insert): one commit for the ticket and its routing. The
    sweep routes a committed ticket in a transaction of its own (analysed here, the row locked).
    With `decide=False` (an agent has already chosen what to do) only the facts are recorded — category
    suggestions, urgency, place, duplicates — and the ticket stays `received` for the agent's action."""
    if within is not None:  # the router acts, not the caller who submitted the ticket
        apply_routing(workflow.Step(within.session, SYSTEM, within.sla, within.now,
                                    reference=analysis.index if analysis is not None else None),
                      ticket, analysis, decide)
        return
    analysis = analyse_safely(app, session, ticket)
    with write_transaction(session):
        ticket = locked_ticket(session, Ticket.id == ticket.id)
        if ticket.status != TicketStatus.RECEIVED:
            return
        apply_routing(workflow.Step(session, SYSTEM, sla(app), reference=analysis.index if analysis else None),
                      ticket, analysis, decide)
    file_duplicate(app, ticket, analysis)


def analyse_safely(app: Flask, session: Session, ticket: Ticket) -> Analysis | None:
    """The analysis, or None when it failed: advisory, so a person routes the ticket instead."""
    try:
        return analyse(app, session, ticket)
    except Exception:
        log.exception("routing analysis of %s failed; sending it to triage", ticket.ticket_no or "a new ticket")
        return None


def apply_routing(step: workflow.Step, ticket: Ticket, analysis: Analysis | None, decide: bool = True) -> None:
    """What the analysis decided, through workflow functions, in the caller's transaction."""
    if analysis is None:
        if decide:
            workflow.to_triage(step, ticket, "自动分拨失败，请人工分拨", [])
        return
    with step.session.no_autoflush:  # the facts and the transition: one UPDATE of the row, not two
        _apply_facts(ticket, analysis)
        if not decide:
            return
        decision = analysis.decision
        if analysis.urgency.referral or analysis.urgency.review:
            head = f"疑似需转 {analysis.urgency.referral}" if analysis.urgency.referral else "紧急情况待确认"
            reason = f"{head}：{analysis.urgency.reason}"
            if getattr(analysis.jurisdiction, "outside", None):
                reason += f"；地址不在本市辖区（{analysis.jurisdiction.outside}）"
            workflow.to_triage(step, ticket, reason, ticket.suggestions)
        elif analysis.answer is not None:
            workflow.answer(step, ticket, analysis.index.article_ids[analysis.answer.code], None)
        elif decision.auto:
            workflow.dispatch(step, ticket, decision.lead_unit, decision.assisting, decision.category, auto=True)
        else:
            workflow.to_triage(step, ticket, decision.reason, ticket.suggestions)


def attach_references(session: Session, ticket: Ticket, index: CityIndex) -> None:
    """The category, district and street of a ticket routed in this request, from the per-process city
    index (merged into the session without a query): the answer shows them without reading them back."""
    state = inspect(ticket)
    for name, key, rows in (("category", ticket.category_id, index.category_rows),
                            ("district", ticket.district_id, index.jurisdictions),
                            ("street", ticket.street_id, index.jurisdictions)):
        if key is not None and name in state.unloaded and (row := rows.get(key)) is not None:
            set_committed_value(ticket, name, session.merge(row, load=False))


def file_duplicate(app: Flask, ticket: Ticket, analysis: Analysis | None) -> None:
    """After the commit: file a ticket analysed before it had an id in the duplicate index."""
    if analysis is None or analysis.filed or ticket.street_id is None:
        return
    duplicate_index(app, DUPLICATE_WINDOW).add(ticket.street_id, analysis.signature, ticket.id, ticket.received_at)
