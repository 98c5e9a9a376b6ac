"""What the API answers about tickets: the output models the serializer fills and the OpenAPI document
shows (one source, so the document cannot drift from the answers)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CitizenOut(Out):
    name: str | None
    phone: str | None
    confidential: bool


class LocationOut(Out):
    lat: float
    lng: float


class CategoryOut(Out):
    code: str
    name: str
    probability: float | None


class JurisdictionOut(Out):
    district: str | None
    street: str | None


class UnitRef(Out):
    code: str
    name: str


class SuggestionOut(Out):
    category: str | None
    category_name: str | None = None
    unit: str | None = None
    unit_name: str | None = None
    probability: float


class DuplicateOut(Out):
    ticket_no: str
    score: float
    reason: str | None = None


class DeadlinesOut(Out):
    accept: str | None
    respond: str | None
    reply: str | None
    followup: str | None


class TicketOut(Out):
    """A ticket as the caller may see it: a channel key sees no routing internals (suggestions,
    duplicates naming other tickets, the routing reason) and takes no actions."""

    ticket_no: str
    status: str
    status_name: str
    channel: str
    title: str | None
    content: str
    citizen: CitizenOut
    address: str | None
    location: LocationOut | None
    request_type: str | None
    category: CategoryOut | None
    urgency: str | None
    jurisdiction: JurisdictionOut
    unit: UnitRef | None
    assisting: list[UnitRef]
    suggestions: list[SuggestionOut]
    duplicates: list[DuplicateOut]
    routing_reason: str | None
    referral: str | None
    deadlines: DeadlinesOut
    overdue: bool
    overdue_stages: list[str]
    escalation_level: int
    excluded: bool
    parent: str | None
    reply: str | None
    received_at: str
    updated_at: str
    url: str
    actions: list[str]


class TicketPage(Out):
    items: list[TicketOut]
    page: int
    per_page: int
    total: int
    pages: int


class EventOut(Out):
    at: str
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    data: dict


class EventsOut(Out):
    ticket_no: str
    events: list[EventOut]
