"""SLA policy: the deadline of every stage for every urgency class.

Stages: ``accept`` 签收, ``respond`` 响应 (first contact with the citizen), ``reply`` 办结/答复,
``followup`` 回访. Urgency classes: see routing.urgency.

Durations are written ``"15min"`` / ``"2h"`` (natural time: minutes/hours on the clock, nights and
holidays included) or ``"7d"`` (working days on the Chinese calendar).

Counting convention for working days: the day the clock starts (the day of receipt / dispatch /
reply) does not count, whatever the hour; counting starts the day after, skips holidays and counts
make-up working days (调休); the deadline is the end of the N-th working day, ``end_of_day``
(default 23:59:59) local time (default Asia/Shanghai). So a ticket received on a Friday with
"1d" is due at the end of Monday (or of the next working day after a holiday).

Defaults (reply from the draft Beijing local standard DB11 for the 12345 hotline, accept from Tianjin's
practice; respond and followup are our choice):

    stage      emergency  utility  normal  complex
    accept     15min      30min    1d      1d
    respond    1h         12h      2d      2d
    reply      2h         24h      7d      15d
    followup   2d         2d       2d      2d      (counted from the reply; never shorter than the 48 h survey window)

The start of each stage is the caller's choice; the app uses the dispatch time for accept/respond/
reply and the reply time for followup.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, timezone, tzinfo
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from routing.calendar import WorkingCalendar
from routing.urgency import URGENCIES


class Stage(StrEnum):
    """The clocks of a ticket, in the order they run (the one list of them)."""

    ACCEPT = "accept"  # 签收
    RESPOND = "respond"  # 响应: first contact with the citizen
    REPLY = "reply"  # 答复/办结
    FOLLOWUP = "followup"  # 回访 (the centre's own clock)


STAGES: tuple[Stage, ...] = tuple(Stage)
DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_END_OF_DAY = time(23, 59, 59)

DEFAULT_DEADLINES: dict[str, dict[str, str]] = {
    "accept": {"emergency": "15min", "utility": "30min", "normal": "1d", "complex": "1d"},
    "respond": {"emergency": "1h", "utility": "12h", "normal": "2d", "complex": "2d"},
    "reply": {"emergency": "2h", "utility": "24h", "normal": "7d", "complex": "15d"},
    "followup": {"emergency": "2d", "utility": "2d", "normal": "2d", "complex": "2d"},
}

_UNIT_SUFFIX = {"minutes": "min", "hours": "h", "workdays": "d"}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(min|m|h|d)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Duration:
    amount: float
    unit: str  # "minutes" | "hours" | "workdays"

    @classmethod
    def parse(cls, text: str | Duration) -> Duration:
        if isinstance(text, Duration):
            return text
        match = _DURATION.match(str(text))
        if not match:
            raise ValueError(f"invalid duration {text!r}: use e.g. '15min', '2h' or '7d' (working days)")
        amount, unit = float(match.group(1)), match.group(2).lower()
        if amount <= 0:
            raise ValueError(f"duration must be positive: {text!r}")
        if unit == "d":
            if amount != int(amount):
                raise ValueError(f"working days must be whole: {text!r}")
            return cls(int(amount), "workdays")
        return cls(amount, "hours" if unit == "h" else "minutes")

    @property
    def natural(self) -> timedelta | None:
        """The clock duration, or None for working days."""
        if self.unit == "hours":
            return timedelta(hours=self.amount)
        if self.unit == "minutes":
            return timedelta(minutes=self.amount)
        return None

    def __str__(self) -> str:
        amount = int(self.amount) if self.amount == int(self.amount) else self.amount
        return f"{amount}{_UNIT_SUFFIX[self.unit]}"


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError:
        # A container without tzdata: China has had no daylight saving since 1991.
        if name in ("Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "PRC"):
            return timezone(timedelta(hours=8), name)
        raise


def _require_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(f"{what} must be timezone-aware, got {value!r}")


def end_of_workday(
    day_after: datetime,
    days: int,
    calendar: WorkingCalendar,
    tz: tzinfo | str = DEFAULT_TIMEZONE,
    end_of_day: time = DEFAULT_END_OF_DAY,
) -> datetime:
    """End (``end_of_day``) of the ``days``-th working day after the local date of ``day_after``."""
    _require_aware(day_after, "start")
    zone = _zone(tz) if isinstance(tz, str) else tz
    local_date = day_after.astimezone(zone).date()
    return datetime.combine(calendar.add_workdays(local_date, days), end_of_day, tzinfo=zone)


def extend(
    due: datetime,
    days: int,
    calendar: WorkingCalendar,
    tz: tzinfo | str = DEFAULT_TIMEZONE,
    end_of_day: time = DEFAULT_END_OF_DAY,
) -> datetime:
    """The new deadline after an approved extension (延期) of ``days`` working days.

    Same convention as a deadline: counted from the day of the current due time (which does not
    count), ending at the end of the N-th working day — so a due of Friday 23:59:59 extended by 3
    becomes Wednesday 23:59:59, and an hour-based due of 14:30 extended by 1 becomes the end of the
    next working day.
    """
    if days < 1:
        raise ValueError(f"an extension needs at least one working day, got {days}")
    return end_of_workday(due, days, calendar, tz=tz, end_of_day=end_of_day)


class SlaPolicy:
    """Deadlines per stage × urgency class. Immutable; build variants with from_dict."""

    def __init__(
        self,
        deadlines: Mapping[str, Mapping[str, str | Duration]] | None = None,
        timezone: str = DEFAULT_TIMEZONE,
        end_of_day: time = DEFAULT_END_OF_DAY,
    ):
        merged: dict[str, dict[str, Duration]] = {
            stage: {u: Duration.parse(v) for u, v in row.items()} for stage, row in DEFAULT_DEADLINES.items()
        }
        for stage, row in (deadlines or {}).items():
            if stage not in STAGES:
                raise ValueError(f"unknown SLA stage {stage!r}; expected one of {STAGES}")
            for urgency, value in row.items():
                if urgency not in URGENCIES:
                    raise ValueError(
                        f"unknown urgency {urgency!r} in stage {stage!r}; expected one of {URGENCIES}"
                    )
                try:
                    merged[stage][urgency] = Duration.parse(value)
                except ValueError as exc:
                    raise ValueError(f"{stage}.{urgency}: {exc}") from None
        self._deadlines = merged
        self.timezone_name = timezone
        self.tz = _zone(timezone)
        self.end_of_day = end_of_day
        self._check_order()

    def _check_order(self) -> None:
        # accept ≤ respond ≤ reply where comparable (both clock time, or both working days): a
        # first contact due after the reply is a configuration slip, not a policy.
        for urgency in URGENCIES:
            for first, second in (("accept", "respond"), ("respond", "reply")):
                a, b = self._deadlines[first][urgency], self._deadlines[second][urgency]
                if a.natural is not None and b.natural is not None:
                    too_late = a.natural > b.natural
                else:
                    too_late = a.unit == b.unit == "workdays" and a.amount > b.amount
                if too_late:
                    raise ValueError(f"{urgency}: {first} ({a}) would be due after {second} ({b})")

    @classmethod
    def from_dict(cls, data: Mapping | None) -> SlaPolicy:
        """Overrides on top of the defaults.

        Accepts ``{stage: {urgency: duration}}`` or ``{urgency: {stage: duration}}`` (whichever
        reads better in the city's YAML), plus optional ``timezone`` and ``end_of_day`` ("HH:MM[:SS]").
        """
        data = dict(data or {})
        timezone = data.pop("timezone", DEFAULT_TIMEZONE)
        end = data.pop("end_of_day", None)
        end_of_day = (
            DEFAULT_END_OF_DAY
            if end is None
            else end
            if isinstance(end, time)
            else time.fromisoformat(str(end))
        )
        deadlines: dict[str, dict[str, str]] = {}
        for key, row in data.items():
            if not isinstance(row, Mapping):
                raise ValueError(f"SLA entry {key!r} must be a mapping")
            if key in STAGES:
                deadlines.setdefault(key, {}).update(row)
            elif key in URGENCIES:
                for stage, value in row.items():
                    deadlines.setdefault(stage, {})[key] = value
            else:
                raise ValueError(
                    f"unknown SLA key {key!r}; expected a stage {STAGES} or an urgency {URGENCIES}"
                )
        return cls(deadlines, timezone=timezone, end_of_day=end_of_day)

    def to_dict(self) -> dict:
        return {
            "timezone": self.timezone_name,
            "end_of_day": self.end_of_day.isoformat(),
            **{stage: {u: str(d) for u, d in row.items()} for stage, row in self._deadlines.items()},
        }

    def duration(self, urgency: str, stage: str) -> Duration:
        if stage not in STAGES:
            raise ValueError(f"unknown SLA stage {stage!r}; expected one of {STAGES}")
        if urgency not in URGENCIES:
            raise ValueError(f"unknown urgency {urgency!r}; expected one of {URGENCIES}")
        return self._deadlines[stage][urgency]

    def due(self, start: datetime, urgency: str, stage: str, calendar: WorkingCalendar) -> datetime:
        """The deadline of ``stage`` for a clock started at ``start`` (tz-aware), in the policy's zone."""
        _require_aware(start, "start")
        duration = self.duration(urgency, stage)
        natural = duration.natural
        if natural is not None:
            # In UTC: wall-clock arithmetic would be wrong across a DST change of the start's zone.
            return (start.astimezone(UTC) + natural).astimezone(self.tz)
        return end_of_workday(start, int(duration.amount), calendar, tz=self.tz, end_of_day=self.end_of_day)

    def deadlines(self, start: datetime, urgency: str, calendar: WorkingCalendar) -> dict[str, datetime]:
        """accept, respond and reply deadlines from one start (followup starts at the reply)."""
        return {stage: self.due(start, urgency, stage, calendar) for stage in ("accept", "respond", "reply")}

    def warning_at(self, start: datetime, due: datetime, fraction: float = 0.8) -> datetime:
        """When to warn (催办): ``fraction`` of the time from start to due has passed."""
        _require_aware(start, "start")
        _require_aware(due, "due")
        if not 0 < fraction <= 1:
            raise ValueError(f"fraction must be in (0, 1], got {fraction}")
        start_utc, due_utc = start.astimezone(UTC), due.astimezone(UTC)
        return (start_utc + (due_utc - start_utc) * fraction).astimezone(self.tz)

    def extend(self, due: datetime, days: int, calendar: WorkingCalendar) -> datetime:
        """See the module-level ``extend``; in this policy's zone and end of day."""
        return extend(due, days, calendar, tz=self.tz, end_of_day=self.end_of_day)
