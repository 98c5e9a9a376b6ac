"""Unit scoring (考评): the three rates, the composite, ranks, stored rollups, the nightly job and the CLI.

Tickets, assignments and follow-ups are written directly with the session (the workflow is tested
elsewhere); the demo city's units take part. docs/scoring.md states the rules these tests specify.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from hotline.scoring import service as scoring
from hotline.scoring.service import ScoringSettings, compute_period, parse_period, store_period
from models import Assignment, FollowUp, Ticket, Unit, UnitScore, clock
from models.clock import FrozenClock

BEIJING = ZoneInfo("Asia/Shanghai")


def local(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2026) -> datetime:
    """A moment in Beijing time."""
    return datetime(year, month, day, hour, minute, tzinfo=BEIJING)


class City:
    """Builds scoring data directly: a ticket's lead assignments, its first contact, its follow-ups."""

    def __init__(self, session):
        self.session = session
        self.count = session.scalar(select(func.count()).select_from(Ticket))

    def unit(self, code: str) -> Unit:
        return self.session.scalar(select(Unit).where(Unit.code == code))

    def ticket(self, code: str, at: datetime, responded: str | None = "in_time", *, returned: str | None = None,
               excluded: bool = False, status: str = "closed") -> Ticket:
        """A ticket dispatched to `code` at `at`; responded "in_time", "late" or None (never);
        returned None, "pending", "approved" or "rejected"."""
        self.count += 1
        ticket = Ticket(ticket_no=f"T{self.count:08d}", channel="phone", content="测试工单", status=status,
                        excluded=excluded, received_at=at - timedelta(minutes=5))
        self.session.add(ticket)
        self.session.flush()
        self.dispatch(ticket, code, at, responded, returned=returned)
        return ticket

    def dispatch(self, ticket: Ticket, code: str, at: datetime, responded: str | None = "in_time", *,
                 returned: str | None = None, role: str = "lead") -> Assignment:
        """A (re-)dispatch or reopen: a new lead assignment, the ticket's clocks restart at `at`."""
        unit = self.unit(code)
        assignment = Assignment(ticket_id=ticket.id, unit_id=unit.id, role=role, assigned_at=at, assigned_by="test")
        if returned is not None:
            assignment.returned_at = at + timedelta(hours=1)
            assignment.return_decision = None if returned == "pending" else returned
            assignment.active = returned != "approved"
        self.session.add(assignment)
        if role == "lead":
            ticket.lead_unit_id = unit.id
            ticket.dispatched_at, ticket.respond_due = at, at + timedelta(days=1)
            ticket.responded_at = {"in_time": at + timedelta(hours=2), "late": at + timedelta(days=2),
                                   None: None}[responded]
        self.session.flush()
        return assignment

    def rating(self, ticket: Ticket, at: datetime, resolved: bool | None, satisfaction: str | None, *,
               code: str | None = None, status: str = "answered", round: int | None = None) -> FollowUp:
        """The citizen's answers to a follow-up, attributed to `code` (default: the ticket's lead unit)."""
        unit_id = self.unit(code).id if code else ticket.lead_unit_id
        if round is None:
            round = self.session.scalar(select(func.count()).where(FollowUp.ticket_id == ticket.id))
        followup = FollowUp(ticket_id=ticket.id, unit_id=unit_id, round=round, channel="sms", status=status,
                            expires_at=at + timedelta(days=3), resolved=resolved, satisfaction=satisfaction,
                            answered_at=at if status == "answered" else None, created_at=at - timedelta(days=1))
        self.session.add(followup)
        self.session.flush()
        return followup


@pytest.fixture
def city(session):
    return City(session)


def scores(session, period="2026-10", settings=None) -> dict[str, scoring.UnitScoreRow]:
    return {row.unit_code: row for row in compute_period(session, period, settings)}


def counts(row) -> tuple:
    return row.dispatched, row.responded_in_time, row.rated, row.resolved, row.satisfaction_points


# --- the hand-computed month ------------------------------------------------------------------------

OCTOBER_SETTINGS = ScoringSettings(
    weights={"default": {"response": 30, "resolution": 35, "satisfaction": 35},
             "department": {"response": 50, "resolution": 25, "satisfaction": 25}},
    min_volume=3,
)


def build_october(city: City) -> None:
    """The worked example of docs/scoring.md (October 2026, minimum volume 3)."""
    # 朝阳 望京 CY-WJ: 4 dispatched (3 in time), 4 rated (3 resolved; satisfied 2, basic 1, unsatisfied 1).
    t1 = city.ticket("CY-WJ", local(10, 3))
    t2 = city.ticket("CY-WJ", local(10, 10))
    city.dispatch(t2, "CY-WJ", local(10, 20))  # reopened in October: still one dispatch, judged on round 2
    t3 = city.ticket("CY-WJ", local(10, 31, 23, 30))  # 23:30 on the 31st, Beijing time: October
    t4 = city.ticket("CY-WJ", local(10, 15), "late")
    city.rating(t1, local(10, 8), True, "satisfied")
    city.rating(t2, local(10, 14), True, "satisfied")
    city.rating(t3, local(10, 31, 23, 30), True, "basic")
    city.rating(t4, local(10, 25), False, "unsatisfied")
    # ... and what does not count for it in October:
    city.ticket("CY-WJ", local(10, 12), returned="pending")  # return awaiting a decision
    september = city.ticket("CY-WJ", local(9, 20))
    city.dispatch(september, "CY-WJ", local(10, 5))  # reopened in October, counted in September
    city.ticket("CY-WJ", local(9, 30, 23, 50))  # still September in Beijing time
    city.ticket("CY-WJ", local(11, 1, 0, 5))  # November, Beijing time (still October 31st in UTC)
    city.rating(september, local(11, 1, 0, 5), False, "unsatisfied")  # answered in November
    city.rating(t1, local(10, 9), None, None, status="unrated", round=5)  # never answered
    city.rating(t4, local(10, 26), None, "unsatisfied", round=6)  # half an answer is no rating

    # 东城 景山 DC-JS: the same numbers as CY-WJ, so the same composite (a tie).
    js = [city.ticket("DC-JS", local(10, day), responded) for day, responded in
          ((2, "in_time"), (4, "in_time"), (6, "in_time"), (8, "late"))]
    for ticket, resolved, level in zip(js, (True, True, True, False), ("satisfied", "satisfied", "basic", "unsatisfied"),
                                       strict=True):
        city.rating(ticket, local(10, 20), resolved, level)

    # 海淀 中关村 HD-ZGC: 5 dispatched, all in time (one return rejected: still theirs); 2 rated.
    z1 = city.ticket("HD-ZGC", local(10, 2))
    z2 = city.ticket("HD-ZGC", local(10, 6), returned="rejected")
    city.dispatch(z2, "CY-WJ", local(10, 6), role="assist")  # assisting units are not scored for it
    for day in (11, 16, 21):
        city.ticket("HD-ZGC", local(10, day))
    city.rating(z1, local(10, 12), True, "satisfied")
    city.rating(z2, local(10, 18), False, "unsatisfied")
    excluded = city.ticket("HD-ZGC", local(10, 7), "late", excluded=True)  # 不纳入考评
    city.rating(excluded, local(10, 9), False, "unsatisfied")
    rerouted = city.ticket("HD-ZGC", local(10, 8), returned="approved")  # not theirs: re-routed to DC-DHM
    city.dispatch(rerouted, "DC-DHM", local(10, 9))
    city.ticket("HD-ZGC", local(10, 9), None, status="merged")  # 并单: the parent carries the matter

    # 东城 东华门 DC-DHM: 3 dispatched (the re-routed one included), 2 in time, 1 never contacted; no ratings.
    city.ticket("DC-DHM", local(10, 13))
    city.ticket("DC-DHM", local(10, 14), None)

    # 西城 金融街 XC-JRJ: perfect but below the minimum volume: listed, not ranked.
    j1 = city.ticket("XC-JRJ", local(10, 3))
    city.ticket("XC-JRJ", local(10, 4))
    city.rating(j1, local(10, 5), True, "satisfied")

    # Departments (weights 50/25/25): 市住建委 SZJW perfect; 市城管委 SCGW never in time, one "basic" rating.
    for day in (3, 4, 5):
        city.rating(city.ticket("SZJW", local(10, day)), local(10, day + 2), True, "satisfied")
    g1 = city.ticket("SCGW", local(10, 3), "late")
    city.ticket("SCGW", local(10, 4), "late")
    city.ticket("SCGW", local(10, 5), None)
    city.rating(g1, local(10, 9), False, "basic")

    # Enterprises: 自来水集团 EWATER, one ticket in time: below the minimum volume.
    city.ticket("EWATER", local(10, 3))


def test_rates__hand_computed_month(session, city):
    build_october(city)
    rows = scores(session, settings=OCTOBER_SETTINGS)
    wj, js, zgc, dhm, jrj = (rows[code] for code in ("CY-WJ", "DC-JS", "HD-ZGC", "DC-DHM", "XC-JRJ"))

    assert counts(wj) == (4, 3, 4, 3, 2.8)
    assert (wj.response_rate, wj.resolution_rate, wj.satisfaction_rate) == (0.75, 0.75, pytest.approx(0.7))
    assert wj.composite == 73.25  # 30×0.75 + 35×0.75 + 35×0.70
    assert counts(js) == counts(wj) and js.composite == 73.25
    assert counts(zgc) == (5, 5, 2, 1, 1.0)
    assert zgc.composite == 65.0  # 30×1 + 35×0.5 + 35×0.5
    assert counts(dhm) == (3, 2, 0, 0, 0.0)
    assert (dhm.resolution_rate, dhm.satisfaction_rate) == (None, None)
    assert dhm.composite == 66.67  # only the response rate exists: 100 × 2/3
    assert counts(jrj) == (2, 2, 1, 1, 1.0) and jrj.composite == 100.0

    assert counts(rows["SZJW"]) == (3, 3, 3, 3, 3.0) and rows["SZJW"].composite == 100.0
    assert counts(rows["SCGW"]) == (3, 0, 1, 0, 0.8)
    assert rows["SCGW"].composite == 20.0  # department weights: 50×0 + 25×0 + 25×0.8
    assert counts(rows["EWATER"]) == (1, 1, 0, 0, 0.0)

    ranks = {code: row.rank for code, row in rows.items() if row.dispatched or row.rated}
    assert ranks == {"CY-WJ": 1, "DC-JS": 1, "DC-DHM": 3, "HD-ZGC": 4, "XC-JRJ": None,
                     "SZJW": 1, "SCGW": 2, "EWATER": None}


def test_rates__listing_order_groups_then_rank_then_unranked(session, city):
    build_october(city)
    rows = compute_period(session, "2026-10", OCTOBER_SETTINGS)
    streets = [row.unit_code for row in rows if row.unit_group == "street"]
    assert streets[:5] == ["CY-WJ", "DC-JS", "DC-DHM", "HD-ZGC", "XC-JRJ"]  # tie by code; unranked after
    groups = [row.unit_group for row in rows]
    assert groups == sorted(groups, key=scoring.GROUP_ORDER.index)
    every_active_unit = session.scalar(select(func.count()).select_from(Unit).where(Unit.active.is_(True)))
    assert len(rows) == every_active_unit  # units without tickets are listed too


# --- one rule at a time -----------------------------------------------------------------------------

def test_rates__excluded_tickets_do_not_count(session, city):
    city.ticket("CY-WJ", local(10, 3))
    excluded = city.ticket("CY-WJ", local(10, 4), "late", excluded=True)
    city.rating(excluded, local(10, 9), False, "unsatisfied")
    assert counts(scores(session)["CY-WJ"]) == (1, 1, 0, 0, 0.0)


def test_rates__approved_return_is_not_the_units_dispatch(session, city):
    ticket = city.ticket("CY-WJ", local(10, 3), returned="approved")
    city.dispatch(ticket, "HD-ZGC", local(10, 4), "late")
    rows = scores(session)
    assert rows["CY-WJ"].dispatched == 0
    assert (rows["HD-ZGC"].dispatched, rows["HD-ZGC"].responded_in_time) == (1, 0)


def test_rates__rejected_return_counts_against_the_unit(session, city):
    city.ticket("CY-WJ", local(10, 3), None, returned="rejected")
    row = scores(session)["CY-WJ"]
    assert (row.dispatched, row.responded_in_time, row.response_rate) == (1, 0, 0.0)


def test_rates__pending_return_does_not_count_yet(session, city):
    city.ticket("CY-WJ", local(10, 3), None, returned="pending")
    assert scores(session)["CY-WJ"].dispatched == 0


def test_rates__assisting_units_are_not_scored_for_the_dispatch(session, city):
    ticket = city.ticket("CY-WJ", local(10, 3))
    city.dispatch(ticket, "HD-ZGC", local(10, 3), role="assist")
    assert scores(session)["HD-ZGC"].dispatched == 0


def test_rates__merged_tickets_do_not_count(session, city):
    city.ticket("CY-WJ", local(10, 3), None, status="merged")
    assert scores(session)["CY-WJ"].dispatched == 0


def test_rates__reopen_is_not_a_new_dispatch(session, city):
    ticket = city.ticket("CY-WJ", local(9, 25))
    city.dispatch(ticket, "CY-WJ", local(10, 5), "late")  # 重办 in October
    assert scores(session, "2026-10")["CY-WJ"].dispatched == 0
    september = scores(session, "2026-09")["CY-WJ"]
    # Counted in September, judged on its latest round: the unit did not contact the citizen in time again.
    assert (september.dispatched, september.responded_in_time) == (1, 0)


def test_rates__response_judged_on_first_contact_within_its_deadline(session, city):
    city.ticket("CY-WJ", local(10, 3), "in_time")
    city.ticket("CY-WJ", local(10, 3), "late")
    city.ticket("CY-WJ", local(10, 3), None)
    on_the_dot = city.ticket("CY-WJ", local(10, 3), None)
    on_the_dot.responded_at = on_the_dot.respond_due
    session.flush()
    row = scores(session)["CY-WJ"]
    assert (row.dispatched, row.responded_in_time) == (4, 2)
    assert row.response_rate == 0.5


def test_rates__count_only_answered_follow_ups_with_both_answers(session, city):
    ticket = city.ticket("CY-WJ", local(10, 3))
    city.rating(ticket, local(10, 5), True, "basic", round=0)
    city.rating(ticket, local(10, 6), None, None, status="unrated", round=1)
    city.rating(ticket, local(10, 7), True, None, round=2)  # satisfaction not answered
    city.rating(ticket, local(10, 8), None, "satisfied", round=3)  # resolved not answered
    city.rating(ticket, local(10, 9), None, None, status="open", round=4)
    row = scores(session)["CY-WJ"]
    assert (row.rated, row.resolved, row.satisfaction_points) == (1, 1, 0.8)
    assert (row.resolution_rate, row.satisfaction_rate) == (1.0, 0.8)


def test_rates__follow_ups_count_for_the_unit_that_replied(session, city):
    ticket = city.ticket("CY-WJ", local(10, 3))
    city.rating(ticket, local(10, 5), False, "unsatisfied", code="HD-ZGC")
    rows = scores(session)
    assert (rows["CY-WJ"].rated, rows["HD-ZGC"].rated) == (0, 1)


def test_rates__each_answered_round_is_a_rating_in_the_month_it_was_given(session, city):
    ticket = city.ticket("CY-WJ", local(10, 3))
    city.rating(ticket, local(10, 10), False, "unsatisfied", round=0)
    city.dispatch(ticket, "CY-WJ", local(10, 11))  # reopened
    city.rating(ticket, local(11, 2), True, "satisfied", round=1)
    october, november = scores(session, "2026-10")["CY-WJ"], scores(session, "2026-11")["CY-WJ"]
    assert (october.rated, october.resolved, october.satisfaction_points) == (1, 0, 0.0)
    assert (november.rated, november.resolved, november.satisfaction_points) == (1, 1, 1.0)


def test_rates__satisfaction_points_are_configurable(session, city):
    for level in ("satisfied", "basic", "unsatisfied"):
        city.rating(city.ticket("CY-WJ", local(10, 3)), local(10, 5), True, level)
    default = scores(session)["CY-WJ"]
    assert default.satisfaction_points == 1.8 and default.satisfaction_rate == pytest.approx(0.6)
    custom = ScoringSettings(satisfaction_points=scoring.parse_points('{"basic": 0.5, "unsatisfied": 0.1}'))
    row = scores(session, settings=custom)["CY-WJ"]
    assert row.satisfaction_points == 1.6 and row.satisfaction_rate == pytest.approx(1.6 / 3)


def test_rates__none_when_nothing_to_count(session):
    row = scores(session)["CY-WJ"]
    assert counts(row) == (0, 0, 0, 0, 0.0)
    assert (row.response_rate, row.resolution_rate, row.satisfaction_rate, row.composite, row.rank) == (
        None, None, None, None, None)


# --- periods ----------------------------------------------------------------------------------------

def test_period__months_follow_beijing_time(session, city):
    city.ticket("CY-WJ", local(10, 1, 0, 10))  # 2026-09-30 16:10 UTC
    city.ticket("CY-WJ", local(10, 31, 23, 30))  # 2026-10-31 15:30 UTC
    city.ticket("CY-WJ", local(9, 30, 23, 59))
    city.ticket("CY-WJ", local(11, 1, 0, 0))
    assert scores(session, "2026-10")["CY-WJ"].dispatched == 2
    assert scores(session, "2026-09")["CY-WJ"].dispatched == 1
    assert scores(session, "2026-11")["CY-WJ"].dispatched == 1


def test_period__quarters_and_years_cover_their_months(session, city):
    for month in (7, 9, 10, 12):
        city.ticket("CY-WJ", local(month, 15))
    assert scores(session, "2026-Q3")["CY-WJ"].dispatched == 2
    assert scores(session, "2026-Q4")["CY-WJ"].dispatched == 2
    assert scores(session, "2026")["CY-WJ"].dispatched == 4


def test_period__parsing():
    october = parse_period("2026-10")
    assert (october.key, october.start.isoformat(), october.end.isoformat()) == ("2026-10", "2026-10-01", "2026-11-01")
    assert parse_period("2026-12").end.isoformat() == "2027-01-01"
    assert parse_period("2026-q4").key == "2026-Q4"
    start, end = october.bounds("Asia/Shanghai")
    assert (start.isoformat(), end.isoformat()) == ("2026-09-30T16:00:00+00:00", "2026-10-31T16:00:00+00:00")
    for bad in ("2026-13", "2026-00", "2026-1", "26-10", "2026/10", "", "2026-Q5", "abcd"):
        with pytest.raises(scoring.InvalidPeriod, match="YYYY-MM"):
            parse_period(bad)
    assert scoring.previous_month("2026-01") == "2025-12"


# --- composite and ranks ------------------------------------------------------------------------------

def test_composite__default_weights_30_35_35():
    weights = ScoringSettings().weights_for("street")
    assert scoring.composite_score({"response": 1.0, "resolution": 0.5, "satisfaction": 0.8}, weights) == 75.5


def test_composite__missing_rates_give_their_weight_to_the_others():
    weights = ScoringSettings().weights_for("street")
    assert scoring.composite_score({"response": 0.5, "resolution": None, "satisfaction": None}, weights) == 50.0
    assert scoring.composite_score({"response": 1.0, "resolution": 0.0, "satisfaction": None}, weights) == pytest.approx(
        round(100 * 30 / 65, 2))
    assert scoring.composite_score({"response": None, "resolution": None, "satisfaction": None}, weights) is None


def test_composite__weights_per_unit_group_from_configuration():
    weights = scoring.parse_weights('{"street": [40, 30, 30], "default": {"response": 1, "resolution": 1,'
                                    ' "satisfaction": 2}}')
    settings = ScoringSettings(weights=weights)
    rates = {"response": 1.0, "resolution": 0.0, "satisfaction": 0.5}
    assert scoring.composite_score(rates, settings.weights_for("street")) == 55.0
    assert scoring.composite_score(rates, settings.weights_for("department")) == 50.0
    assert scoring.parse_weights("")["default"] == scoring.DEFAULT_WEIGHTS


@pytest.mark.parametrize("raw", ['{"street": [1, 2]}', '{"nowhere": [1, 1, 1]}', '{"street": [0, 0, 0]}',
                                 '{"street": [-1, 1, 1]}', "[30, 35, 35]", "{not json"])
def test_composite__bad_weight_configuration_is_refused(raw):
    with pytest.raises(ValueError, match="SCORE_WEIGHTS"):
        scoring.parse_weights(raw)


def test_rank__ties_share_a_rank_and_the_next_rank_skips():
    def row(code, composite, dispatched=20):
        return scoring.UnitScoreRow("2026-10", 0, code, code, "street", dispatched=dispatched, composite=composite)

    rows = [row("D", 90.0), row("B", 95.5), row("A", 95.5), row("C", 80.0), row("E", 99.0, dispatched=9)]
    scoring.assign_ranks(rows, min_volume=10)
    assert {r.unit_code: r.rank for r in rows} == {"A": 1, "B": 1, "D": 3, "C": 4, "E": None}
    assert sorted(rows, key=scoring.sort_key)[:2] == [rows[2], rows[1]]  # A before B: ties listed by code


def test_rank__units_below_min_volume_are_listed_but_not_ranked(session, city):
    for day in range(1, 10):  # 9 tickets, all in time: below the default minimum of 10
        city.ticket("CY-WJ", local(10, day))
    for day in range(1, 11):  # 10 tickets, half in time
        city.ticket("HD-ZGC", local(10, day), "in_time" if day % 2 else "late")
    rows = scores(session)
    assert (rows["CY-WJ"].composite, rows["CY-WJ"].rank, rows["CY-WJ"].ranked) == (100.0, None, False)
    assert (rows["HD-ZGC"].composite, rows["HD-ZGC"].rank, rows["HD-ZGC"].ranked) == (50.0, 1, True)


def test_rank__within_each_unit_group(session, city):
    for code in ("CY-WJ", "SZJW"):
        for day in range(1, 11):
            city.ticket(code, local(10, day), "late" if code == "SZJW" else "in_time")
    rows = scores(session)
    assert (rows["CY-WJ"].rank, rows["SZJW"].rank) == (1, 1)


def test_compute__leaves_the_sessions_settings_as_it_found_them(session, city):
    from sqlalchemy import text

    city.ticket("CY-WJ", local(10, 3))
    compute_period(session, "2026-10")
    if session.get_bind().dialect.name == "postgresql":  # the planner settings are restored
        assert session.scalar(text("SELECT current_setting('enable_hashjoin')")) == "on"
    assert scores(session)["CY-WJ"].dispatched == 1  # and the transaction goes on


# --- stored rollups -----------------------------------------------------------------------------------

def stored(session, period="2026-10") -> list[dict]:
    records = session.scalars(select(UnitScore).where(UnitScore.period == period).order_by(UnitScore.unit_id))
    names = [column.key for column in UnitScore.__table__.columns if column.key not in ("id", "computed_at")]
    return [{name: getattr(record, name) for name in names} for record in records]


def test_store__recomputing_a_period_gives_identical_numbers(session, city):
    build_october(city)
    session.commit()
    previous = clock.set_clock(FrozenClock(local(11, 2, 1, 30)))
    try:
        first_rows = store_period(session, "2026-10", OCTOBER_SETTINGS)
        session.commit()
        first = stored(session)
        clock.get_clock().advance(timedelta(days=1))
        second_rows = store_period(session, "2026-10", OCTOBER_SETTINGS)
        session.commit()
    finally:
        clock.set_clock(previous)
    assert stored(session) == first
    assert [r.numbers() for r in second_rows] == [r.numbers() for r in first_rows]
    assert session.scalar(select(func.count()).select_from(UnitScore)) == len(first_rows)  # replaced, not added
    computed = set(session.scalars(select(UnitScore.computed_at)))
    assert computed == {local(11, 3, 1, 30).astimezone(UTC)}


def test_store__stored_rows_read_back_as_computed(session, city):
    build_october(city)
    session.commit()
    computed = store_period(session, "2026-10", OCTOBER_SETTINGS)
    session.commit()
    rows, _ = scoring.stored_period(session, "2026-10")
    assert [r.numbers() for r in rows] == [r.numbers() for r in computed]
    assert scoring.stored_period(session, "2026-09") is None


def test_store__report_prefers_the_stored_rollup(session, city):
    city.ticket("CY-WJ", local(10, 3))
    session.commit()
    assert scoring.report(session, "2026-10").source == "live"
    store_period(session, "2026-10")
    session.commit()
    city.ticket("CY-WJ", local(10, 4))  # after the rollup: shows up on the next recomputation
    session.commit()
    report = scoring.report(session, "2026-10")
    assert report.source == "stored"
    assert {r.unit_code: r.dispatched for r in report.rows}["CY-WJ"] == 1


def test_store__compute_period_writes_nothing(session, city):
    city.ticket("CY-WJ", local(10, 3))
    session.commit()
    compute_period(session, "2026-10")
    session.commit()
    assert session.scalar(select(func.count()).select_from(UnitScore)) == 0


# --- the nightly job ------------------------------------------------------------------------------------

def test_nightly_job__stores_the_current_and_previous_month(app, session, city):
    from hotline.scoring.jobs import nightly_scores

    city.ticket("CY-WJ", local(10, 31, 23, 30))
    city.ticket("CY-WJ", local(11, 1, 0, 30))
    city.ticket("CY-WJ", local(9, 15))
    session.commit()
    previous = clock.set_clock(FrozenClock(local(11, 1, 1, 30)))  # 01:30 on November 1st, Beijing time
    try:
        with app.app_context():
            result = nightly_scores()
            nightly_scores()  # twice: same rollups
    finally:
        clock.set_clock(previous)
    assert "2026-10" in result and "2026-11" in result
    periods = dict(session.execute(
        select(UnitScore.period, UnitScore.dispatched).join(Unit).where(Unit.code == "CY-WJ")).all())
    assert periods == {"2026-10": 1, "2026-11": 1}


def test_nightly_job__cron_registration():
    from rq import cron as rq_cron

    import hotline.processes.cron  # registers the schedule on import
    from hotline.scoring.jobs import NIGHTLY_CRON, nightly_scores

    [registered] = [entry for entry in rq_cron._job_data_registry if entry["func"] is nightly_scores]
    assert (registered["queue_name"], registered["cron"]) == (hotline.processes.cron.QUEUE, NIGHTLY_CRON)


# --- the command line -------------------------------------------------------------------------------------

def run_stats(app, *args):
    return app.test_cli_runner().invoke(args=["stats", *args])


def test_cli__prints_a_chinese_table_per_group_with_percentages(make_app):
    app = make_app(SCORE_MIN_VOLUME=3, SCORE_WEIGHTS=json.dumps({"department": [50, 25, 25]}))
    from hotline.database import session_factory

    with session_factory(app)() as session, session.begin():
        build_october(City(session))
    result = run_stats(app, "--period", "2026-10")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "考评周期 2026-10（实时计算，未存储" in out
    for heading in ("【街道/乡镇】", "【区政府】", "【市级部门】", "【公共服务企业】"):
        assert heading in out
    line = next(line for line in out.splitlines() if "CY-WJ" in line)
    assert line.split()[:3] == ["1", "CY-WJ", "望京街道办事处"]
    assert "75.00%" in line and "70.00%" in line and "73.25" in line
    jrj = next(line for line in out.splitlines() if "XC-JRJ" in line)
    assert jrj.split()[0] == "—" and "100.00%" in jrj
    assert "不参与排名" in out


def test_cli__group_json_and_store(make_app):
    app = make_app(SCORE_MIN_VOLUME=3)
    from hotline.database import session_factory

    with session_factory(app)() as session, session.begin():
        build_october(City(session))
    stored_run = run_stats(app, "--period", "2026-10", "--store")
    assert stored_run.exit_code == 0, stored_run.output
    assert "已保存 2026-10 的考评结果" in stored_run.output and "已存储的考评结果" in stored_run.output
    result = run_stats(app, "--period", "2026-10", "--group", "department", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["source"] == "stored" and data["period"] == "2026-10"
    assert {unit["group"] for unit in data["units"]} == {"department"}
    szjw = next(unit for unit in data["units"] if unit["code"] == "SZJW")
    assert (szjw["dispatched"], szjw["response_rate"], szjw["composite"], szjw["rank"], szjw["ranked"]) == (
        3, 1.0, 100.0, 1, True)


def test_cli__bad_period_is_refused(app):
    result = run_stats(app, "--period", "2026-13")
    assert result.exit_code != 0
    assert "YYYY-MM" in result.output
