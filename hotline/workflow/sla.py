"""The city's SLA policy and working-day calendar, built once from configuration.

The workflow and the jobs ask here for deadlines, so that the web process, the workers and the
simulator all count the same way (routing.sla holds the rules; this module only configures them).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime

from hotline.config import ConfigError
from routing.calendar import WorkingCalendar
from routing.sla import SlaPolicy

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


def build(config: dict) -> Sla:
    try:
        overrides = json.loads(config["SLA_POLICY"]) if config.get("SLA_POLICY") else {}
        overrides.setdefault("timezone", config["TIMEZONE"])
        policy = SlaPolicy.from_dict(overrides)
    except (ValueError, TypeError, AttributeError, LookupError) as error:  # LookupError: an unknown zone
        raise ConfigError(f"HOTLINE_SLA_POLICY 或 HOTLINE_TIMEZONE 无效：{error}") from None
    calendar = WorkingCalendar(
        extra_holidays=_dates(config.get("EXTRA_HOLIDAYS", ""), "EXTRA_HOLIDAYS"),
        extra_workdays=_dates(config.get("EXTRA_WORKDAYS", ""), "EXTRA_WORKDAYS"),
        on_fallback=log,
    )
    return Sla(policy, calendar, float(config.get("WARNING_FRACTION", 0.8)))


_KEY = "hotline.sla"


def init_app(app) -> None:
    app.extensions[_KEY] = build(app.config)


def sla(app=None) -> Sla:
    from flask import current_app

    return (app or current_app).extensions[_KEY]
