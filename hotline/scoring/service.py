"""Unit scoring (考评): the three rates (三率), the composite score and the rank of every unit in a period.

The rules are written down in docs/scoring.md; in short, for a unit and a period P (local calendar of the
city, Asia/Shanghai by default):

- dispatched: tickets whose lead assignment to the unit started in P (a ticket counts once per unit, in
  the period of its first counting assignment: a reopen is not a new dispatch), leaving out excluded and
  merged tickets, assignments whose return was approved, and returns still waiting for a decision;
- responded in time: of those, the tickets whose first contact (responded_at) is within respond_due;
- rated / resolved / satisfaction points: follow-ups answered in P (both questions answered), attributed
  to the follow-up's unit, of tickets not excluded;
- rates are fractions 0-1 (None when the denominator is 0); the composite is the weighted sum on 0-100
  with weights per unit group (missing rates: the remaining weights are renormalised); units with at least
  the minimum volume of dispatched tickets are ranked within their group, ties sharing a rank ("1224").

Everything is computed with a few GROUP BY queries whose WHERE clauses are range conditions on indexed
timestamps (assignments.assigned_at, followups.answered_at): the cost follows the period's rows, not the
size of the tables. No Flask here: settings come in as a `ScoringSettings` (see `settings_from_config`).
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, delete, exists, func, or_, select, text
from sqlalchemy.orm import Session, aliased

from models import Assignment, FollowUp, Ticket, Unit, UnitScore, clock
from models.enums import FollowupStatus, TicketStatus, UnitGroup, values

RATES = ("response", "resolution", "satisfaction")
GROUP_ORDER = tuple(values(UnitGroup))  # street, district, department, enterprise
DEFAULT_WEIGHTS = {"response": 30.0, "resolution": 35.0, "satisfaction": 35.0}
DEFAULT_POINTS = {"satisfied": 1.0, "basic": 0.8, "unsatisfied": 0.0}
DEFAULT_MIN_VOLUME = 10
DEFAULT_TIMEZONE = "Asia/Shanghai"
COMPOSITE_DECIMALS = 2  # the published score; equal scores at this precision share a rank
POINTS_DECIMALS = 6  # sums of 0.8s carry float noise; six decimals are exact for any real count


class InvalidPeriod(ValueError):
    """A period that is not YYYY-MM, YYYY-Qn or YYYY (the message is for people, in Chinese)."""


# --- periods --------------------------------------------------------------------------------------

_MONTH = re.compile(r"(\d{4})-(\d{2})")
_QUARTER = re.compile(r"(\d{4})-[Qq]([1-4])")
_YEAR = re.compile(r"(\d{4})")
PERIOD_HELP = "统计周期应为 YYYY-MM（月，如 2026-10），也可为 YYYY-Qn（季度）或 YYYY（年）。"


@dataclass(frozen=True)
class Period:
    """A span of local calendar months: [first day of `start`, first day after `end`)."""

    key: str  # "2026-10", "2026-Q4", "2026"
    start: date  # first local day
    end: date  # first local day after the period

    def bounds(self, timezone: str = DEFAULT_TIMEZONE) -> tuple[datetime, datetime]:
        """The period as a half-open UTC interval [start, end): local midnights converted to UTC."""
        zone = ZoneInfo(timezone)
        return tuple(datetime(d.year, d.month, d.day, tzinfo=zone).astimezone(UTC) for d in (self.start, self.end))


def _month_start(year: int, month: int) -> date:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, 1)


def parse_period(raw: str | None) -> Period:
    """'YYYY-MM' (a month, the default kind), 'YYYY-Qn' (a quarter) or 'YYYY' (a year)."""
    key = (raw or "").strip()
    if match := _MONTH.fullmatch(key):
        year, month = int(match[1]), int(match[2])
        if 1 <= month <= 12 and 1970 <= year <= 9998:
            return Period(key, date(year, month, 1), _month_start(year, month + 1))
    elif match := _QUARTER.fullmatch(key):
        year, quarter = int(match[1]), int(match[2])
        if 1970 <= year <= 9998:
            first = 3 * (quarter - 1) + 1
            return Period(f"{year}-Q{quarter}", date(year, first, 1), _month_start(year, first + 3))
    elif match := _YEAR.fullmatch(key):
        year = int(match[1])
        if 1970 <= year <= 9998:
            return Period(key, date(year, 1, 1), date(year + 1, 1, 1))
    raise InvalidPeriod(f"统计周期“{key}”无效。{PERIOD_HELP}")


def month_of(when: datetime, timezone: str = DEFAULT_TIMEZONE) -> str:
    """The local month ('YYYY-MM') a moment belongs to."""
    return when.astimezone(ZoneInfo(timezone)).strftime("%Y-%m")


def current_month(timezone: str = DEFAULT_TIMEZONE) -> str:
    return month_of(clock.now(), timezone)


def previous_month(month: str) -> str:
    period = parse_period(month)
    first = _month_start(period.start.year, period.start.month - 1)
    return f"{first.year:04d}-{first.month:02d}"


# --- settings -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ScoringSettings:
    """Weights per unit group (the key "default" for groups without their own), the minimum volume for a
    rank, the points of each satisfaction level, and the city's time zone."""

    weights: Mapping[str, Mapping[str, float]] = field(default_factory=lambda: {"default": DEFAULT_WEIGHTS})
    min_volume: int = DEFAULT_MIN_VOLUME
    satisfaction_points: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_POINTS))
    timezone: str = DEFAULT_TIMEZONE

    def weights_for(self, group: str) -> Mapping[str, float]:
        return self.weights.get(group) or self.weights.get("default") or DEFAULT_WEIGHTS


def _json_setting(name: str, raw) -> dict | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, Mapping):
        return dict(raw)
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ValueError(f"HOTLINE_{name} is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise ValueError(f"HOTLINE_{name} must be a JSON object")
    return value


def _number(name: str, where: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"HOTLINE_{name}: {where} must be a number ≥ 0, not {value!r}")
    return float(value)


def parse_weights(raw) -> dict[str, dict[str, float]]:
    """SCORE_WEIGHTS: {"default": {...}, "street": {...}}, each {"response", "resolution", "satisfaction"}
    (or a list of the three in that order). Weights are relative: 30/35/35 and 0.3/0.35/0.35 are the same."""
    weights = {"default": dict(DEFAULT_WEIGHTS)}
    for group, spec in (_json_setting("SCORE_WEIGHTS", raw) or {}).items():
        if group != "default" and group not in GROUP_ORDER:
            raise ValueError(f"HOTLINE_SCORE_WEIGHTS: unknown unit group {group!r} "
                             f"(use default, {', '.join(GROUP_ORDER)})")
        if isinstance(spec, list | tuple) and len(spec) == 3:
            spec = dict(zip(RATES, spec, strict=True))
        if not isinstance(spec, Mapping) or set(spec) != set(RATES):
            raise ValueError(f"HOTLINE_SCORE_WEIGHTS: {group} needs exactly {', '.join(RATES)}")
        parsed = {rate: _number("SCORE_WEIGHTS", f"{group}.{rate}", spec[rate]) for rate in RATES}
        if sum(parsed.values()) <= 0:
            raise ValueError(f"HOTLINE_SCORE_WEIGHTS: the weights of {group} add up to 0")
        weights[group] = parsed
    return weights


def parse_points(raw) -> dict[str, float]:
    """SATISFACTION_POINTS: {"satisfied": 1, "basic": 0.8, "unsatisfied": 0}; levels left out keep their default."""
    points = dict(DEFAULT_POINTS)
    for level, value in (_json_setting("SATISFACTION_POINTS", raw) or {}).items():
        if level not in DEFAULT_POINTS:
            raise ValueError(f"HOTLINE_SATISFACTION_POINTS: unknown level {level!r} "
                             f"(use {', '.join(DEFAULT_POINTS)})")
        number = _number("SATISFACTION_POINTS", level, value)
        if number > 1:
            raise ValueError(f"HOTLINE_SATISFACTION_POINTS: {level} must be between 0 and 1")
        points[level] = number
    return points


def settings_from_config(config: Mapping) -> ScoringSettings:
    """The scoring settings of an app's config (SCORE_WEIGHTS, SCORE_MIN_VOLUME, SATISFACTION_POINTS, TIMEZONE)."""
    min_volume = int(config.get("SCORE_MIN_VOLUME", DEFAULT_MIN_VOLUME))
    if min_volume < 0:
        raise ValueError("HOTLINE_SCORE_MIN_VOLUME must be ≥ 0")
    return ScoringSettings(
        weights=parse_weights(config.get("SCORE_WEIGHTS")),
        min_volume=min_volume,
        satisfaction_points=parse_points(config.get("SATISFACTION_POINTS")),
        timezone=config.get("TIMEZONE") or DEFAULT_TIMEZONE,
    )


# --- the rows -------------------------------------------------------------------------------------

@dataclass
class UnitScoreRow:
    """One unit's numbers for one period."""

    period: str
    unit_id: int
    unit_code: str
    unit_name: str
    unit_group: str
    dispatched: int = 0
    responded_in_time: int = 0
    rated: int = 0
    resolved: int = 0
    satisfaction_points: float = 0.0
    response_rate: float | None = None
    resolution_rate: float | None = None
    satisfaction_rate: float | None = None
    composite: float | None = None
    rank: int | None = None

    @property
    def ranked(self) -> bool:
        return self.rank is not None

    def numbers(self) -> dict:
        """Everything but the unit's name (what recomputation must reproduce)."""
        data = asdict(self)
        data.pop("unit_name")
        return data

    def to_dict(self) -> dict:
        return {
            "code": self.unit_code,
            "name": self.unit_name,
            "group": self.unit_group,
            "dispatched": self.dispatched,
            "responded_in_time": self.responded_in_time,
            "rated": self.rated,
            "resolved": self.resolved,
            "satisfaction_points": self.satisfaction_points,
            "response_rate": self.response_rate,
            "resolution_rate": self.resolution_rate,
            "satisfaction_rate": self.satisfaction_rate,
            "composite": self.composite,
            "rank": self.rank,
            "ranked": self.ranked,
        }


def _rate(numerator: float, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def composite_score(rates: Mapping[str, float | None], weights: Mapping[str, float]) -> float | None:
    """100 × the weighted mean of the rates that exist (missing rates give their weight to the others)."""
    present = [(weights[name], rate) for name, rate in rates.items() if rate is not None and weights[name] > 0]
    total = sum(weight for weight, _ in present)
    if not total:
        return None
    return round(100 * sum(weight * rate for weight, rate in present) / total, COMPOSITE_DECIMALS)


def assign_ranks(rows: Iterable[UnitScoreRow], min_volume: int) -> None:
    """Rank within each unit group by composite (desc); equal composites share a rank and the next rank
    skips ("1224"); ties are listed by unit code. Units below the minimum volume get no rank."""
    by_group: dict[str, list[UnitScoreRow]] = {}
    for row in rows:
        row.rank = None
        if row.dispatched >= min_volume and row.composite is not None:
            by_group.setdefault(row.unit_group, []).append(row)
    for members in by_group.values():
        members.sort(key=lambda r: (-r.composite, r.unit_code))
        for position, row in enumerate(members, start=1):
            previous = members[position - 2] if position > 1 else None
            row.rank = previous.rank if previous is not None and previous.composite == row.composite else position


def sort_key(row: UnitScoreRow) -> tuple:
    """Groups in a fixed order; ranked units by rank, then the unranked by composite; ties by code."""
    group = GROUP_ORDER.index(row.unit_group) if row.unit_group in GROUP_ORDER else len(GROUP_ORDER)
    return (group, row.rank is None, row.rank or 0, row.composite is None, -(row.composite or 0), row.unit_code)


def finish(rows: list[UnitScoreRow], settings: ScoringSettings) -> list[UnitScoreRow]:
    """Rates, composites and ranks from the counts."""
    for row in rows:
        row.satisfaction_points = round(row.satisfaction_points, POINTS_DECIMALS)
        row.response_rate = _rate(row.responded_in_time, row.dispatched)
        row.resolution_rate = _rate(row.resolved, row.rated)
        row.satisfaction_rate = _rate(row.satisfaction_points, row.rated)
        rates = {"response": row.response_rate, "resolution": row.resolution_rate,
                 "satisfaction": row.satisfaction_rate}
        row.composite = composite_score(rates, settings.weights_for(row.unit_group))
    assign_ranks(rows, settings.min_volume)
    rows.sort(key=sort_key)
    return rows


# --- the queries ----------------------------------------------------------------------------------

def _counting(assignment) -> object:
    """An assignment counts for its unit unless it was returned and the return was approved or is pending
    (a rejected return keeps the ticket the unit's)."""
    return or_(assignment.returned_at.is_(None), assignment.return_decision == "rejected")


# How the queries are shaped: the rows come from an indexed range of the period (assignments.assigned_at,
# followups.answered_at); everything else about a row is looked up through an index (the ticket by its
# primary key, earlier assignments by ticket_id). SQLite plans it that way by itself. PostgreSQL's planner
# prefers to hash the whole tickets table for a month of a large table, so the cost follows the table:
# `_index_probes` turns hash and merge joins off for the scoring queries (and JIT, which per-row probes
# trigger for nothing), transaction-locally, and restores the settings afterwards.
_PROBE_SETTINGS = {"enable_hashjoin": "off", "enable_mergejoin": "off", "jit": "off"}


@contextmanager
def _index_probes(session: Session) -> Iterator[None]:
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    previous = {name: session.execute(text("SELECT current_setting(:name)"), {"name": name}).scalar_one()
                for name in _PROBE_SETTINGS}
    for name, value in _PROBE_SETTINGS.items():
        session.execute(text("SELECT set_config(:name, :value, true)"), {"name": name, "value": value})
    yield
    for name, value in previous.items():
        session.execute(text("SELECT set_config(:name, :value, true)"), {"name": name, "value": value})


def dispatch_counts(session: Session, start: datetime, end: datetime) -> dict[int, tuple[int, int]]:
    """unit_id → (dispatched, responded in time) for lead assignments that started in [start, end)."""
    lead = aliased(Assignment, name="lead")
    earlier = aliased(Assignment, name="earlier")
    # A ticket counts once per unit: at the unit's first counting lead assignment on it (a reopen or a
    # second dispatch to the same unit is not a new dispatch). Ties in time are broken by id.
    counted_earlier = (
        exists()
        .where(earlier.ticket_id == lead.ticket_id, earlier.unit_id == lead.unit_id, earlier.role == "lead",
               _counting(earlier),
               or_(earlier.assigned_at < lead.assigned_at,
                   and_(earlier.assigned_at == lead.assigned_at, earlier.id < lead.id)))
        .correlate(lead)
    )
    in_time = and_(
        Ticket.lead_unit_id == lead.unit_id,
        Ticket.responded_at.is_not(None),
        or_(Ticket.respond_due.is_(None), Ticket.responded_at <= Ticket.respond_due),
    )
    statement = (
        select(lead.unit_id, func.count(), func.count(case((in_time, 1))))
        .join(Ticket, Ticket.id == lead.ticket_id)
        .where(lead.assigned_at >= start, lead.assigned_at < end, lead.role == "lead", _counting(lead),
               Ticket.excluded.is_(False), Ticket.status != TicketStatus.MERGED, ~counted_earlier)
        .group_by(lead.unit_id)
    )
    return {unit_id: (dispatched, on_time) for unit_id, dispatched, on_time in session.execute(statement)}


def rating_counts(session: Session, start: datetime, end: datetime,
                  levels: Iterable[str]) -> dict[int, dict[tuple[bool, str], int]]:
    """unit_id → {(resolved, satisfaction level): follow-ups} answered in [start, end)."""
    statement = (
        select(FollowUp.unit_id, FollowUp.resolved, FollowUp.satisfaction, func.count())
        .join(Ticket, Ticket.id == FollowUp.ticket_id)
        .where(FollowUp.answered_at >= start, FollowUp.answered_at < end, FollowUp.status == FollowupStatus.ANSWERED,
               FollowUp.unit_id.is_not(None), FollowUp.resolved.is_not(None),
               FollowUp.satisfaction.in_(list(levels)), Ticket.excluded.is_(False))
        .group_by(FollowUp.unit_id, FollowUp.resolved, FollowUp.satisfaction)
    )
    counts: dict[int, dict[tuple[bool, str], int]] = {}
    for unit_id, resolved, level, number in session.execute(statement):
        counts.setdefault(unit_id, {})[(bool(resolved), level)] = number
    return counts


def compute_period(session: Session, period: str | Period,
                   settings: ScoringSettings | None = None) -> list[UnitScoreRow]:
    """Every unit's numbers for the period, computed from the tickets (reads only).

    Listed: every active unit, and inactive units with activity in the period.
    """
    settings = settings or ScoringSettings()
    period = period if isinstance(period, Period) else parse_period(period)
    start, end = period.bounds(settings.timezone)
    points = settings.satisfaction_points
    with _index_probes(session):
        dispatches = dispatch_counts(session, start, end)
        ratings = rating_counts(session, start, end, points)
    active = set(dispatches) | set(ratings)
    rows = []
    for unit in session.scalars(select(Unit)):  # a few hundred rows: filtered here, not with a long IN list
        if not unit.active and unit.id not in active:
            continue
        dispatched, in_time = dispatches.get(unit.id, (0, 0))
        answers = ratings.get(unit.id, {})
        row = UnitScoreRow(period.key, unit.id, unit.code, unit.name, unit.unit_group,
                           dispatched=dispatched, responded_in_time=in_time)
        # Fixed order of summation: the same answers always give the same float.
        for level in sorted(points):
            for resolved in (True, False):
                number = answers.get((resolved, level), 0)
                row.rated += number
                row.resolved += number if resolved else 0
                row.satisfaction_points += number * points[level]
        rows.append(row)
    return finish(rows, settings)


# --- stored rollups ---------------------------------------------------------------------------------

def _lock_period(session: Session, key: str) -> None:
    """Serialise writers of one period (nightly job and `stats --store` at once) on PostgreSQL; SQLite
    transactions already begin with BEGIN IMMEDIATE (models.db)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                        {"key": zlib.crc32(f"unit_scores:{key}".encode())})


def store_period(session: Session, period: str | Period,
                 settings: ScoringSettings | None = None) -> list[UnitScoreRow]:
    """Recompute the period and replace its rollup (delete + insert in one transaction).

    Commits when the session was not already in a transaction; otherwise the caller's transaction holds
    the change. Storing twice gives the same rows (only computed_at moves).
    """
    settings = settings or ScoringSettings()
    period = period if isinstance(period, Period) else parse_period(period)

    def write() -> list[UnitScoreRow]:
        _lock_period(session, period.key)
        rows = compute_period(session, period, settings)
        session.execute(delete(UnitScore).where(UnitScore.period == period.key))
        now = clock.now()
        session.add_all(
            UnitScore(period=row.period, unit_id=row.unit_id, unit_group=row.unit_group,
                      dispatched=row.dispatched, responded_in_time=row.responded_in_time, rated=row.rated,
                      resolved=row.resolved, satisfaction_points=row.satisfaction_points,
                      response_rate=row.response_rate, resolution_rate=row.resolution_rate,
                      satisfaction_rate=row.satisfaction_rate, composite=row.composite, rank=row.rank,
                      computed_at=now)
            for row in rows
        )
        session.flush()
        return rows

    if session.in_transaction():
        return write()
    with session.begin():
        return write()


def stored_period(session: Session, period: str | Period) -> tuple[list[UnitScoreRow], datetime] | None:
    """The stored rollup of a period and when it was computed; None when there is none."""
    key = period.key if isinstance(period, Period) else parse_period(period).key
    records = session.execute(
        select(UnitScore, Unit.code, Unit.name).join(Unit, Unit.id == UnitScore.unit_id)
        .where(UnitScore.period == key)
    ).all()
    if not records:
        return None
    rows = [
        UnitScoreRow(score.period, score.unit_id, code, name, score.unit_group, score.dispatched,
                     score.responded_in_time, score.rated, score.resolved, score.satisfaction_points,
                     score.response_rate, score.resolution_rate, score.satisfaction_rate, score.composite,
                     score.rank)
        for score, code, name in records
    ]
    rows.sort(key=sort_key)
    return rows, max(score.computed_at for score, _, _ in records)


@dataclass
class Report:
    """What the API and the CLI show: a period's rows, stored or computed now."""

    period: str
    source: str  # "stored" | "live"
    computed_at: datetime
    rows: list[UnitScoreRow]

    def group(self, group: str | None) -> list[UnitScoreRow]:
        return [row for row in self.rows if group is None or row.unit_group == group]


def report(session: Session, period: str | Period, settings: ScoringSettings | None = None) -> Report:
    """The stored rollup when there is one, else the numbers computed now (nothing is written)."""
    period = period if isinstance(period, Period) else parse_period(period)
    stored = stored_period(session, period)
    if stored is not None:
        return Report(period.key, "stored", stored[1], stored[0])
    return Report(period.key, "live", clock.now(), compute_period(session, period, settings))
