"""The city's SLA policy and working-day calendar, from configuration and the administrator's edits.

The workflow and the jobs ask here for deadlines (`sla(app)`), so that the web process, the workers and
the simulator all count the same way (routing.sla holds the rules; this module only configures them).
Deadlines per cell: routing.sla's defaults < HOTLINE_SLA_POLICY < the cells edited at /admin/sla (stored
in city_settings, see hotline.settings.service; each process sees an edit within its cache time).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime

from hotline.config import ConfigError
from routing.calendar import WorkingCalendar
from routing.sla import InvalidSlaPolicy, SlaPolicy, cells

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sla:
    policy: SlaPolicy
    calendar: WorkingCalendar
    warning_fraction: float

    def deadlines(self, start: datetime, urgency: str | None) -> dict[str, datetime]:
        return self.policy.deadlines(start, urgency or "normal", self.calendar)

    def due(self, start: datetime, urgency: str | None, stage: str) -> datetime:
        return self.policy.due(start, urgency or "normal", stage, self.calendar)

    def warning_at(self, start: datetime, due: datetime) -> datetime:
        return self.policy.warning_at(start, due, self.warning_fraction)

    def extend(self, due: datetime, days: int) -> datetime:
        return self.policy.extend(due, days, self.calendar)


def _dates(raw: str, name: str) -> set[date]:
    try:
        return {date.fromisoformat(part.strip()) for part in raw.split(",") if part.strip()}
    except ValueError:
        raise ConfigError(f"HOTLINE_{name} 应为逗号分隔的日期（如 2027-01-01,2027-01-02），现为 {raw!r}") from None


def environment_policy(config) -> dict:
    """HOTLINE_SLA_POLICY as a mapping (empty when unset)."""
    raw = config.get("SLA_POLICY")
    if not raw:
        return {}
    return dict(raw) if isinstance(raw, dict) else json.loads(raw)


def layered(config, edited: dict | None) -> dict:
    """The policy's overrides: the environment's, then the edited cells ({stage: {urgency: d}}) on top."""
    environment = environment_policy(config)
    merged = cells(environment)
    for stage, row in (edited or {}).items():
        merged.setdefault(stage, {}).update(row)
    extras = {key: environment[key] for key in ("timezone", "end_of_day") if key in environment}
    extras.setdefault("timezone", config["TIMEZONE"])
    return {**merged, **extras}


def build(config, edited: dict | None = None) -> Sla:
    """The SLA of a config, with the edited cells on top: a wrong edit raises routing.sla.InvalidSlaPolicy
    (its problems name the cells), a wrong configuration ConfigError."""
    try:
        policy = SlaPolicy.from_dict(layered(config, edited))
    except (ValueError, TypeError, AttributeError, LookupError) as error:  # LookupError: an unknown zone
        if edited and isinstance(error, InvalidSlaPolicy):
            raise
        raise ConfigError(f"HOTLINE_SLA_POLICY 或 HOTLINE_TIMEZONE 无效：{error}") from None
    calendar = WorkingCalendar(
        extra_holidays=_dates(config.get("EXTRA_HOLIDAYS", ""), "EXTRA_HOLIDAYS"),
        extra_workdays=_dates(config.get("EXTRA_WORKDAYS", ""), "EXTRA_WORKDAYS"),
        on_fallback=log,
    )
    return Sla(policy, calendar, float(config.get("WARNING_FRACTION", 0.8)))


_KEY = "hotline.sla"
_ENVIRONMENT = "hotline.sla.environment"


def init_app(app) -> None:
    # Without the edits: a wrong HOTLINE_SLA_POLICY stops the start-up; this is also the fallback.
    environment = build(app.config)
    app.extensions[_ENVIRONMENT] = environment
    app.extensions[_KEY] = (None, environment)


def sla(app=None) -> Sla:
    """The effective SLA: rebuilt when the stored edits (hotline.settings, cached per process) change.
    Edits that no longer fit the environment (a cell order broken by a new HOTLINE_SLA_POLICY) are
    ignored with an error in the log until an administrator saves the policy again."""
    from flask import current_app

    from hotline.settings.service import SLA_POLICY, stored

    app = app or current_app._get_current_object()
    edits = stored(app)
    seen, built = app.extensions[_KEY]
    if seen == edits:
        return built
    edited = edits.get(SLA_POLICY)
    try:
        built = build(app.config, edited) if edited else app.extensions[_ENVIRONMENT]
    except (InvalidSlaPolicy, ValueError) as error:
        log.error("the SLA policy edited at /admin does not fit the configuration, ignoring it: %s", error)
        built = app.extensions[_ENVIRONMENT]
    app.extensions[_KEY] = (edits, built)
    return built
