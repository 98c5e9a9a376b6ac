"""Where a ticket goes and by when — pure decision logic over plain data (no Flask, no database).

- gazetteer: jurisdiction (district / street-town) from address text and coordinates
- urgency: urgency class and 110/119/120/122 referral from the text and the category
- dispatch: the dispatch decision (automatic or triage, lead and assisting units, suggestions)
- duplicates: duplicate candidates and hotspots
- knowledge: knowledge-base search for inquiries
- calendar, sla: the working-day calendar and the deadlines

Time is always passed in; nothing here reads the clock. See docs/routing.md.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from routing.calendar import WorkingCalendar
    from routing.dispatch import CatalogueRule, RoutingDecision, Suggestion, decide, load_catalogue, unit_for
    from routing.duplicates import (
        DuplicateCandidate,
        Hotspot,
        TicketText,
        find_duplicates,
        find_hotspots,
        similarity,
    )
    from routing.gazetteer import Gazetteer, JurisdictionMatch
    from routing.knowledge import KnowledgeHit, KnowledgeIndex
    from routing.sla import STAGES, Duration, SlaPolicy, Stage, extend
    from routing.urgency import REFERRALS, URGENCIES, UrgencyAssessment, assess

# Public name -> the module defining it, resolved at first use (PEP 562): the deadline code only needs
# routing.calendar and routing.sla, and must not pay for the gazetteer's address tables, the knowledge
# index (jieba, rank-bm25, NumPy) or the classifier's threshold module on import.
_EXPORTS = {
    "WorkingCalendar": "routing.calendar",
    "CatalogueRule": "routing.dispatch",
    "RoutingDecision": "routing.dispatch",
    "Suggestion": "routing.dispatch",
    "decide": "routing.dispatch",
    "load_catalogue": "routing.dispatch",
    "unit_for": "routing.dispatch",
    "DuplicateCandidate": "routing.duplicates",
    "Hotspot": "routing.duplicates",
    "TicketText": "routing.duplicates",
    "find_duplicates": "routing.duplicates",
    "find_hotspots": "routing.duplicates",
    "similarity": "routing.duplicates",
    "Gazetteer": "routing.gazetteer",
    "JurisdictionMatch": "routing.gazetteer",
    "KnowledgeHit": "routing.knowledge",
    "KnowledgeIndex": "routing.knowledge",
    "Duration": "routing.sla",
    "STAGES": "routing.sla",
    "SlaPolicy": "routing.sla",
    "Stage": "routing.sla",
    "extend": "routing.sla",
    "REFERRALS": "routing.urgency",
    "URGENCIES": "routing.urgency",
    "UrgencyAssessment": "routing.urgency",
    "assess": "routing.urgency",
}

__all__ = [
    "REFERRALS",
    "STAGES",
    "Stage",
    "URGENCIES",
    "CatalogueRule",
    "DuplicateCandidate",
    "Duration",
    "Gazetteer",
    "Hotspot",
    "JurisdictionMatch",
    "KnowledgeHit",
    "KnowledgeIndex",
    "RoutingDecision",
    "SlaPolicy",
    "Suggestion",
    "TicketText",
    "UrgencyAssessment",
    "WorkingCalendar",
    "assess",
    "decide",
    "extend",
    "find_duplicates",
    "find_hotspots",
    "load_catalogue",
    "similarity",
    "unit_for",
]


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
