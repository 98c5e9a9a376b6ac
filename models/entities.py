"""The data model (SQLAlchemy 2.0, typed). No Flask here.

Tickets are the centre; everything that happens to one is an append-only TicketEvent, and every
dispatch to a unit is an Assignment (the routing history).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from . import clock
from .enums import OPEN_STATUSES, CatalogueLevel, Role, TicketStatus, UnitGroup, values
from .types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


Base.metadata.naming_convention = NAMING


def _in(column: str, options: list[str]) -> str:
    quoted = ", ".join(f"'{option}'" for option in options)
    return f"{column} IN ({quoted})"


class Unit(Base):
    """A handling unit (承办单位): street/town office, district government, city department, enterprise."""

    __tablename__ = "units"
    __table_args__ = (CheckConstraint(_in("unit_group", values(UnitGroup)), name="unit_group"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    unit_group: Mapped[str] = mapped_column(String(20))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    district: Mapped[Unit | None] = relationship(remote_side=[id])


class Jurisdiction(Base):
    """A district or street/town of the city's gazetteer, with aliases and landmarks."""

    __tablename__ = "jurisdictions"
    __table_args__ = (
        CheckConstraint("kind IN ('district', 'street')", name="kind"),
        UniqueConstraint("kind", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(50))
    aliases: Mapped[list[Any]] = mapped_column(default=list)
    landmarks: Mapped[list[Any]] = mapped_column(default=list)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdictions.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    center_lat: Mapped[float | None] = mapped_column(Float)
    center_lng: Mapped[float | None] = mapped_column(Float)

    parent: Mapped[Jurisdiction | None] = relationship(remote_side=[id])
    unit: Mapped[Unit] = relationship()


class Category(Base):
    """A matter type (or a group of them: the tree has groups as parents)."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    request_type: Mapped[str | None] = mapped_column(String(20))
    urgency_hint: Mapped[str | None] = mapped_column(String(20))
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    description: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Extra questions for this matter type (Open311 service definition attributes, e.g. the floor of a
    # lift fault), as the city file lists them; and a notice shown to whoever reports one.
    attributes: Mapped[list[Any]] = mapped_column(default=list)
    service_notice: Mapped[str | None] = mapped_column(Text)

    parent: Mapped[Category | None] = relationship(remote_side=[id])


class CatalogueEntry(Base):
    """The dispatch catalogue (派单目录): who is responsible for a matter type."""

    __tablename__ = "catalogue_entries"
    __table_args__ = (CheckConstraint(_in("level", values(CatalogueLevel)), name="level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), unique=True)
    level: Mapped[str] = mapped_column(String(20))
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    assisting: Mapped[list[Any]] = mapped_column(default=list)  # unit codes, validated at load

    category: Mapped[Category] = relationship()
    lead_unit: Mapped[Unit | None] = relationship()


class KnowledgeArticle(Base):
    """A knowledge-base answer for common inquiries (answered at intake without dispatch)."""

    __tablename__ = "knowledge_articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    question: Mapped[str] = mapped_column(String(300))
    answer: Mapped[str] = mapped_column(Text)
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)

    category: Mapped[Category | None] = relationship()


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("role", values(Role)), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    unit: Mapped[Unit | None] = relationship()


class ApiKey(Base):
    """A channel client's key. Only a SHA-256 of the secret is stored. Its name is unique in its channel
    (people tell keys apart by it); records are keyed by its id."""

    __tablename__ = "api_keys"
    __table_args__ = (UniqueConstraint("channel", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(20))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    revoked_at: Mapped[datetime | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()


class TicketSequence(Base):
    """Per-day counter behind human-readable ticket numbers (YYYYMMDD + 6 digits)."""

    __tablename__ = "ticket_sequences"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


_OPEN = text(_in("status", list(OPEN_STATUSES)))


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint(_in("status", values(TicketStatus)), name="status"),
        Index("ix_tickets_unit_status", "lead_unit_id", "status"),
        Index("ix_tickets_status_received", "status", "received_at"),
        Index("ix_tickets_street_received", "street_id", "received_at"),
        # The open tickets by reply deadline, city-wide and per lead unit (queues sorted by deadline, the
        # near-due count): partial, so closed history is not in them.
        Index("ix_tickets_open_reply_due", "reply_due", postgresql_where=_OPEN, sqlite_where=_OPEN),
        Index("ix_tickets_open_unit_due", "lead_unit_id", "reply_due", postgresql_where=_OPEN,
              sqlite_where=_OPEN),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_no: Mapped[str] = mapped_column(String(20), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    citizen_name: Mapped[str | None] = mapped_column(String(50))
    citizen_phone: Mapped[str | None] = mapped_column(String(32), index=True)
    citizen_confidential: Mapped[bool] = mapped_column(Boolean, default=False)

    title: Mapped[str | None] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(300))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)

    request_type: Mapped[str | None] = mapped_column(String(20))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    category_probability: Mapped[float | None] = mapped_column(Float)
    urgency: Mapped[str | None] = mapped_column(String(20))
    referral: Mapped[str | None] = mapped_column(String(20))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdictions.id"))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdictions.id"), index=True)

    status: Mapped[str] = mapped_column(String(20), default=TicketStatus.RECEIVED.value)
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    suggestions: Mapped[list[Any]] = mapped_column(default=list)
    duplicates: Mapped[list[Any]] = mapped_column(default=list)
    routing_reason: Mapped[str | None] = mapped_column(String(300))
    # Duplicate detection reads these instead of the text: the cleaned text (routing.duplicates.clean_text
    # of title + content) and its MinHash signature, computed once when the ticket is routed.
    dup_text: Mapped[str | None] = mapped_column(Text, deferred=True)
    dup_signature: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)

    received_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)

    # Deadlines per stage (签收 accept, 响应 respond, 办结 reply, 回访 followup) and when each was met.
    accept_due: Mapped[datetime | None] = mapped_column()
    respond_due: Mapped[datetime | None] = mapped_column()
    reply_due: Mapped[datetime | None] = mapped_column()
    followup_due: Mapped[datetime | None] = mapped_column()
    dispatched_at: Mapped[datetime | None] = mapped_column()
    accepted_at: Mapped[datetime | None] = mapped_column()
    responded_at: Mapped[datetime | None] = mapped_column()
    replied_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    # Deadline watch: stages past due, supervision level reached, and the next moment a deadline job is
    # due (indexed, so the sweep reads only tickets with work due, not the whole table).
    overdue: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    overdue_stages: Mapped[list[Any]] = mapped_column(default=list)
    warned_stages: Mapped[list[Any]] = mapped_column(default=list)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    next_check_at: Mapped[datetime | None] = mapped_column(index=True)
    jobs_owed: Mapped[bool] = mapped_column(Boolean, default=False, index=True)

    # The unit's answer and the citizen's verdict.
    reply_text: Mapped[str | None] = mapped_column(Text)
    unit_resolved: Mapped[bool | None] = mapped_column(Boolean)
    resolved: Mapped[bool | None] = mapped_column(Boolean)
    satisfaction: Mapped[str | None] = mapped_column(String(20))
    rated_at: Mapped[datetime | None] = mapped_column()
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)
    exclude_reason: Mapped[str | None] = mapped_column(Text)

    category: Mapped[Category | None] = relationship()
    lead_unit: Mapped[Unit | None] = relationship()
    district: Mapped[Jurisdiction | None] = relationship(foreign_keys=[district_id])
    street: Mapped[Jurisdiction | None] = relationship(foreign_keys=[street_id])
    api_key: Mapped[ApiKey | None] = relationship()
    parent: Mapped[Ticket | None] = relationship(remote_side=[id])  # the ticket this one was merged into
    # The units currently assisting the lead (read-only view of the assignments; changes go through the
    # workflow, which writes Assignment rows). Lets a page of tickets load them in one query.
    assisting_assignments: Mapped[list[Assignment]] = relationship(
        primaryjoin="and_(Assignment.ticket_id == Ticket.id, Assignment.role == 'assist', "
                    "Assignment.active.is_(True))",
        order_by="Assignment.id", viewonly=True,
    )


class TicketEvent(Base):
    """Append-only audit trail: who did what to a ticket, when, from which status to which."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=clock.now)
    actor: Mapped[str] = mapped_column(String(100))  # "user:alice", "apikey:3", "system"
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Assignment(Base):
    """One dispatch of a ticket to a unit (lead or assisting) and what the unit did with it."""

    __tablename__ = "assignments"
    # A unit's current assistance (what its staff may read besides the tickets it leads).
    __table_args__ = (Index("ix_assignments_assisting", "unit_id",
                            postgresql_where=text("active IS true AND role = 'assist'"),
                            sqlite_where=text("active IS 1 AND role = 'assist'")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[str] = mapped_column(String(10))  # lead | assist
    assigned_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)  # scoring reads by period
    assigned_by: Mapped[str] = mapped_column(String(100))
    auto: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    accepted_at: Mapped[datetime | None] = mapped_column()
    returned_at: Mapped[datetime | None] = mapped_column()
    return_reason: Mapped[str | None] = mapped_column(Text)
    return_decision: Mapped[str | None] = mapped_column(String(20))  # approved | rejected
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column()

    unit: Mapped[Unit] = relationship()


class Extension(Base):
    """A unit's request for more time (延期) and the supervisor's decision."""

    __tablename__ = "extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    days: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(default=clock.now)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | approved | rejected
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(Text)
    old_due: Mapped[datetime | None] = mapped_column()
    new_due: Mapped[datetime | None] = mapped_column()


class Label(Base):
    """A human decision about a text: its category (agent correction, approved return) and/or its urgency
    and referral (an agent changing the urgency at dispatch, a rejection referred to 110/119/120/122).
    Retraining data for the classifier (rows with a category) and the urgency model (rows with an
    urgency)."""

    __tablename__ = "labels"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    title: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    category_code: Mapped[str | None] = mapped_column(String(40))
    predicted_code: Mapped[str | None] = mapped_column(String(40))
    urgency: Mapped[str | None] = mapped_column(String(20))  # emergency | utility | normal | complex
    referral: Mapped[str | None] = mapped_column(String(20))  # 110 | 119 | 120 | 122, with urgency
    predicted_urgency: Mapped[str | None] = mapped_column(String(20))
    predicted_referral: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(30))  # dispatch | return_approved | reject
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)


class Notification(Base):
    """An in-app notice for a unit's staff or for supervisors (催办, 督办, 回访), optionally pushed to a webhook."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_audience", "audience", "unit_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    audience: Mapped[str] = mapped_column(String(20))  # unit | supervisor | agent
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # warning | overdue | escalation | callback | retraining
    message: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)  # a job run twice notifies once
    created_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
    webhook_status: Mapped[str | None] = mapped_column(String(20))  # pending | sent | failed


class NotificationRead(Base):
    """That one person has read a notification. Read state is per person: a notice to a unit or to the
    supervisors reaches several people, and one of them reading it says nothing about the others."""

    __tablename__ = "notification_reads"

    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"),
                                                 primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
                                         index=True)
    read_at: Mapped[datetime] = mapped_column(default=clock.now)


class FollowUp(Base):
    """回访: one follow-up round of a replied ticket: attempts, channel, the citizen's answers."""

    __tablename__ = "followups"
    __table_args__ = (UniqueConstraint("ticket_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=0)  # the ticket's reopen_count when replied
    channel: Mapped[str] = mapped_column(String(20))  # sms | push | callback
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | answered | unrated
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
    expires_at: Mapped[datetime] = mapped_column()
    resolved: Mapped[bool | None] = mapped_column(Boolean)
    satisfaction: Mapped[str | None] = mapped_column(String(20))  # satisfied | basic | unsatisfied
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(index=True)
    answered_via: Mapped[str | None] = mapped_column(String(20))  # survey | api | agent
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class OutboxMessage(Base):
    """Messages for the citizen (SMS survey links): the default SMS gateway writes here."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    sent_at: Mapped[datetime | None] = mapped_column()


class UnitScore(Base):
    """考评: a unit's three rates, composite score and rank for one period (a nightly rollup)."""

    __tablename__ = "unit_scores"
    __table_args__ = (UniqueConstraint("period", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    unit_group: Mapped[str] = mapped_column(String(20))
    dispatched: Mapped[int] = mapped_column(Integer)
    responded_in_time: Mapped[int] = mapped_column(Integer)
    rated: Mapped[int] = mapped_column(Integer)
    resolved: Mapped[int] = mapped_column(Integer)
    satisfaction_points: Mapped[float] = mapped_column(Float)
    response_rate: Mapped[float | None] = mapped_column(Float)
    resolution_rate: Mapped[float | None] = mapped_column(Float)
    satisfaction_rate: Mapped[float | None] = mapped_column(Float)
    composite: Mapped[float | None] = mapped_column(Float)
    rank: Mapped[int | None] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(default=clock.now)

    unit: Mapped[Unit] = relationship()


class RetrainingRun(Base):
    """One challenger-vs-champion retraining: both scores, the decision, the model version."""

    __tablename__ = "retraining_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=clock.now)
    finished_at: Mapped[datetime | None] = mapped_column()
    labels_used: Mapped[int] = mapped_column(Integer, default=0)
    champion_score: Mapped[float | None] = mapped_column(Float)
    challenger_score: Mapped[float | None] = mapped_column(Float)
    promoted: Mapped[bool | None] = mapped_column(Boolean)
    version: Mapped[str | None] = mapped_column(String(60))
    message: Mapped[str | None] = mapped_column(Text)


class IdempotencyRecord(Base):
    """Claims an Idempotency-Key for one client, so that a retry returns the first ticket."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("owner", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)


class Open311Request(Base):
    """What an Open311 GeoReport v2 client sent beyond the ticket itself: the token it can look the
    request up by, the media link, the answers to the service definition's attributes, and the
    reporter's contact fields that the ticket has no column for (never shown in a public list)."""

    __tablename__ = "open311_requests"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str | None] = mapped_column(Text)  # as the client wrote it (the ticket adds the answers)
    media_url: Mapped[str | None] = mapped_column(String(500))
    address_id: Mapped[str | None] = mapped_column(String(100))
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    email: Mapped[str | None] = mapped_column(String(200))
    device_id: Mapped[str | None] = mapped_column(String(100))
    account_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    ticket: Mapped[Ticket] = relationship()


class AdminChange(Base):
    """An administrator's change made in the browser (city data, settings, users, API keys): who, when, what."""

    __tablename__ = "admin_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(30))  # city | city-import | user | apikey | settings
    target: Mapped[str] = mapped_column(String(100))  # the file, username or key prefix
    summary: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str | None] = mapped_column(Text)  # a unified diff of a city file, when there is one


class CitySetting(Base):
    """A city setting edited by an administrator in the browser (SLA_POLICY, SCORE_WEIGHTS, ...): the
    stored overrides win over the HOTLINE_* environment and the code's defaults (hotline.settings)."""

    __tablename__ = "city_settings"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)  # the Config name: SLA_POLICY, ...
    value: Mapped[Any] = mapped_column(JSON)  # the override, in the environment variable's JSON form
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
