"""City settings edited in the browser, stored in the `city_settings` table.

Four settings can be edited at /admin: SLA_POLICY (deadlines per stage × urgency), SCORE_WEIGHTS,
SCORE_MIN_VOLUME and SATISFACTION_POINTS. Each is stored under its Config name, in the same form as its
HOTLINE_* environment variable (JSON), holding only what the administrator changed:

    effective value = code defaults  <  HOTLINE_* environment  <  the stored edit

layered per entry: one deadline cell, one unit group's weights, one satisfaction level (so a deployment
can still set the rest by environment). The consumers parse the layers with the parsers the environment
uses — `hotline.workflow.sla.sla(app)` for deadlines and `hotline.scoring.settings.scoring_settings(app)`
for scoring. The stored rows are read once per process every CACHE_SECONDS (AppCache), so every web and
worker process applies an edit within that time; the process that saved it at once (`forget`).

This module only stores and reads: it knows nothing of deadlines or scores (no imports of them).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Flask
from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from hotline.appcache import AppCache
from hotline.database import session_factory
from models import CitySetting, clock
from models.db import upsert_insert

log = logging.getLogger(__name__)

SLA_POLICY = "SLA_POLICY"
SCORE_WEIGHTS = "SCORE_WEIGHTS"
SCORE_MIN_VOLUME = "SCORE_MIN_VOLUME"
SATISFACTION_POINTS = "SATISFACTION_POINTS"
EDITABLE = (SLA_POLICY, SCORE_WEIGHTS, SCORE_MIN_VOLUME, SATISFACTION_POINTS)
CACHE_SECONDS = 30.0


@dataclass(frozen=True)
class Stored:
    """The stored edits as read at one moment: value, and who changed it when, per setting name."""

    values: dict[str, Any] = field(default_factory=dict)
    updated: dict[str, tuple[str, datetime]] = field(default_factory=dict)

    def get(self, key: str, default=None):
        return self.values.get(key, default)


_cache: AppCache[Stored] = AppCache("hotline.city_settings", CACHE_SECONDS)


def read(session: Session) -> Stored:
    rows = session.scalars(select(CitySetting).where(CitySetting.key.in_(EDITABLE))).all()
    return Stored({row.key: row.value for row in rows}, {row.key: (row.updated_by, row.updated_at) for row in rows})


def stored(app: Flask) -> Stored:
    """The stored edits, at most CACHE_SECONDS old. When the database cannot be read, the last known
    edits stay in force (none when there were never any), and the failure is logged."""

    def refresh(previous: Stored | None) -> Stored:
        try:
            with session_factory(app)() as session:
                return read(session)
        except SQLAlchemyError as error:
            log.warning("city settings could not be read, keeping the last known ones: %s", error)
            return previous if previous is not None else Stored()

    return _cache.get(app, refresh)


def forget(app: Flask) -> None:
    """Read the stored edits again on next use (after a save in this process)."""
    _cache.forget(app)


def save(session: Session, key: str, value: Any, actor: str) -> None:
    """Store an edit (None or an empty mapping: remove it, the environment / default apply again).
    In the caller's transaction; the caller records the change (admin_changes) and calls `forget`."""
    if key not in EDITABLE:
        raise ValueError(f"not an editable city setting: {key!r}")
    if value is None or value == {}:
        session.execute(delete(CitySetting).where(CitySetting.key == key))
        return
    now = clock.now()
    insert = upsert_insert(session, CitySetting).values(key=key, value=value, updated_by=actor, updated_at=now)
    session.execute(insert.on_conflict_do_update(index_elements=[CitySetting.key],
                                                 set_={"value": value, "updated_by": actor, "updated_at": now}))
