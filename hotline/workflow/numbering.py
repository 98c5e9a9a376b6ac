"""Human-readable ticket numbers: the local date and a per-day sequence, e.g. 20261121000123."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

from models import TicketSequence

SEQUENCE_DIGITS = 6  # up to 999,999 a day: Beijing peaks near 180,000

# The same SQL on PostgreSQL and SQLite (≥ 3.35). Written out because SQLAlchemy cannot cache the
# compiled form of an ON CONFLICT DO UPDATE construct: compiling it anew cost ≈ 1 ms per intake.
_NEXT = text(f"INSERT INTO {TicketSequence.__tablename__} (day, value) VALUES (:day, 1) "
             f"ON CONFLICT (day) DO UPDATE SET value = {TicketSequence.__tablename__}.value + 1 RETURNING value")


def next_ticket_no(session: Session, received_at: datetime, timezone: str) -> str:
    """Allocate the next number of the local day.

    A single atomic upsert (INSERT … ON CONFLICT DO UPDATE … RETURNING) makes concurrent intakes on
    PostgreSQL queue on the day's row instead of reading the same value; the row lock is held until the
    ticket commits, so a rolled-back intake gives its number back and the sequence has no gaps.
    """
    day = received_at.astimezone(ZoneInfo(timezone)).strftime("%Y%m%d")
    value = session.execute(_NEXT, {"day": day}).scalar_one()
    if value >= 10**SEQUENCE_DIGITS:
        raise RuntimeError(f"ticket sequence for {day} exhausted")
    return f"{day}{value:0{SEQUENCE_DIGITS}d}"
