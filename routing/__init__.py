"""Where a ticket goes and by when — pure decision logic over plain data (no Flask, no database).

- gazetteer: jurisdiction (district / street-town) from address text and coordinates
- urgency: urgency class and 110/119/120/122 referral from the text and the category
- dispatch: the dispatch decision (automatic or triage, lead and assisting units, suggestions)
- duplicates: duplicate candidates and hotspots
- knowledge: knowledge-base search for inquiries
- calendar, sla: the working-day calendar and the deadlines

Time is always passed in; nothing here reads the clock. See docs/routing.md.
"""

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
