"""SLA policy and deadlines (routing.sla).

Convention under test: natural hours/minutes run on the clock; N working days end at 23:59:59
Asia/Shanghai on the N-th working day after the start date (the start date itself never counts).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from routing.calendar import WorkingCalendar
from routing.sla import DEFAULT_DEADLINES, STAGES, Duration, SlaPolicy, extend
from routing.urgency import URGENCIES

SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def end_of(y, m, d) -> datetime:
    return at(y, m, d, 23, 59, 59)


@pytest.fixture()
def calendar():
    return WorkingCalendar()


@pytest.fixture()
def policy():
    return SlaPolicy()


def test_defaults__match_the_design(policy):
    reply = {u: str(policy.duration(u, "reply")) for u in URGENCIES}
    accept = {u: str(policy.duration(u, "accept")) for u in URGENCIES}
    assert reply == {"emergency": "2h", "utility": "24h", "normal": "7d", "complex": "15d"}
    assert accept == {"emergency": "15min", "utility": "30min", "normal": "1d", "complex": "1d"}
    assert set(DEFAULT_DEADLINES) == set(STAGES)


def test_due__hours_run_on_natural_time_through_nights_and_holidays(policy, calendar):
    start = at(2026, 9, 30, 22, 30)  # the evening before National Day
    assert policy.due(start, "emergency", "reply", calendar) == at(2026, 10, 1, 0, 30)
    assert policy.due(start, "utility", "reply", calendar) == at(2026, 10, 1, 22, 30)
    assert policy.due(start, "emergency", "accept", calendar) == at(2026, 9, 30, 22, 45)


def test_due__working_days_end_at_the_end_of_the_nth_working_day_after_receipt(policy, calendar):
    # Mon 2026-03-09, received at 00:05: the day of receipt does not count even so.
    assert policy.due(at(2026, 3, 9, 0, 5), "normal", "reply", calendar) == end_of(2026, 3, 18)
    assert policy.due(at(2026, 3, 9, 0, 5), "normal", "accept", calendar) == end_of(2026, 3, 10)


def test_due__over_national_day_2026_with_the_make_up_saturday(policy, calendar):
    # Received Wed Sep 30. Working days after: Oct 8, 9, 10 (Sat, 调休), 12, 13, 14, 15.
    start = at(2026, 9, 30, 10, 0)
    assert policy.due(start, "normal", "accept", calendar) == end_of(2026, 10, 8)
    assert policy.due(start, "normal", "respond", calendar) == end_of(2026, 10, 9)
    assert policy.due(start, "normal", "reply", calendar) == end_of(2026, 10, 15)


def test_due__make_up_saturday_counts_as_a_working_day(policy, calendar):
    assert policy.due(at(2026, 10, 9, 16, 0), "normal", "accept", calendar) == end_of(2026, 10, 10)


def test_due__received_on_a_holiday(policy, calendar):
    # Received on Oct 3 (National Day): the first working day after is Oct 8.
    assert policy.due(at(2026, 10, 3, 11, 0), "complex", "accept", calendar) == end_of(2026, 10, 8)


def test_due__over_spring_festival_2026(policy, calendar):
    # Received Fri Feb 13. Sat Feb 14 is a make-up working day, Feb 15–23 are off, Feb 28 (Sat) works.
    start = at(2026, 2, 13, 9, 0)
    assert policy.due(start, "normal", "accept", calendar) == end_of(2026, 2, 14)
    assert policy.due(start, "normal", "reply", calendar) == end_of(2026, 3, 2)
    # 14, 24, 25, 26, 27, 28, Mar 2 → the 7th working day is Mon Mar 2


def test_due__complex_matter_over_spring_festival(policy, calendar):
    start = at(2026, 2, 10, 9, 0)  # Tue
    # 11, 12, 13, 14(Sat), 24, 25, 26, 27, 28(Sat), Mar 2, 3, 4, 5, 6, 9
    assert policy.due(start, "complex", "reply", calendar) == end_of(2026, 3, 9)


def test_due__in_2027_falls_back_to_mon_to_fri_and_warns_once(policy):
    messages: list[str] = []
    calendar = WorkingCalendar(on_fallback=messages.append)
    start = at(2027, 3, 5, 10, 0)  # a Friday
    assert policy.due(start, "normal", "reply", calendar) == end_of(2027, 3, 16)
    assert policy.due(start, "normal", "accept", calendar) == end_of(2027, 3, 8)
    assert len(messages) == 1


def test_due__across_the_year_end_into_the_fallback_year(policy):
    calendar = WorkingCalendar(on_fallback=lambda message: None)
    # Thu 2026-12-31 is known; 2027 is not: Fri Jan 1 counts unless configured as holiday.
    assert policy.due(at(2026, 12, 31, 9, 0), "normal", "accept", calendar) == end_of(2027, 1, 1)
    calendar = WorkingCalendar(extra_holidays={datetime(2027, 1, 1).date()}, on_fallback=lambda message: None)
    assert policy.due(at(2026, 12, 31, 9, 0), "normal", "accept", calendar) == end_of(2027, 1, 4)


def test_due__start_in_another_timezone_uses_the_shanghai_date(policy, calendar):
    # 2026-03-08 17:00 UTC is already Monday 01:00 in Beijing: Monday is the day of receipt.
    start = datetime(2026, 3, 8, 17, 0, tzinfo=UTC)
    assert policy.due(start, "normal", "accept", calendar) == end_of(2026, 3, 10)
    assert policy.due(start, "emergency", "reply", calendar) == at(2026, 3, 9, 3, 0)


def test_due__naive_start_is_rejected(policy, calendar):
    with pytest.raises(ValueError, match="timezone-aware"):
        policy.due(datetime(2026, 3, 9, 10, 0), "normal", "reply", calendar)


def test_due__unknown_stage_or_urgency_is_rejected(policy, calendar):
    with pytest.raises(ValueError):
        policy.due(at(2026, 3, 9, 10), "normal", "closing", calendar)
    with pytest.raises(ValueError):
        policy.due(at(2026, 3, 9, 10), "urgent", "reply", calendar)


def test_due__end_of_day_is_configurable(calendar):
    policy = SlaPolicy.from_dict({"end_of_day": "17:30"})
    assert policy.due(at(2026, 3, 9, 10), "normal", "accept", calendar) == at(2026, 3, 10, 17, 30)


def test_deadlines__accept_respond_reply_from_one_start(policy, calendar):
    deadlines = policy.deadlines(at(2026, 3, 9, 10), "utility", calendar)
    assert deadlines == {
        "accept": at(2026, 3, 9, 10, 30),
        "respond": at(2026, 3, 9, 22, 0),
        "reply": at(2026, 3, 10, 10, 0),
    }


def test_followup__counts_from_the_reply(policy, calendar):
    replied = at(2026, 9, 30, 15, 0)
    assert policy.due(replied, "normal", "followup", calendar) == end_of(2026, 10, 9)


def test_warning_at__is_a_fraction_of_the_time_to_the_deadline(policy, calendar):
    start = at(2026, 3, 9, 10, 0)
    due = policy.due(start, "emergency", "reply", calendar)
    assert policy.warning_at(start, due) == at(2026, 3, 9, 11, 36)
    assert policy.warning_at(start, due, fraction=0.5) == at(2026, 3, 9, 11, 0)
    with pytest.raises(ValueError):
        policy.warning_at(start, due, fraction=0)


def test_warning_at__works_across_timezones(policy):
    start = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
    due = at(2026, 3, 9, 12, 0)
    assert policy.warning_at(start, due, fraction=0.5) == at(2026, 3, 9, 11, 0)


def test_extend__adds_working_days_after_the_current_due_date(policy, calendar):
    assert policy.extend(end_of(2026, 3, 13), 3, calendar) == end_of(2026, 3, 18)  # Fri → Wed
    assert policy.extend(end_of(2026, 9, 30), 2, calendar) == end_of(2026, 10, 9)  # over National Day
    assert extend(at(2026, 3, 9, 14, 30), 1, calendar) == end_of(2026, 3, 10)  # hour-based due


def test_extend__needs_at_least_one_day(policy, calendar):
    with pytest.raises(ValueError):
        policy.extend(end_of(2026, 3, 13), 0, calendar)


def test_from_dict__overrides_by_stage_or_by_urgency(calendar):
    by_stage = SlaPolicy.from_dict({"reply": {"normal": "5d"}, "accept": {"emergency": "10min"}})
    by_urgency = SlaPolicy.from_dict({"normal": {"reply": "5d"}, "emergency": {"accept": "10min"}})
    for policy in (by_stage, by_urgency):
        assert str(policy.duration("normal", "reply")) == "5d"
        assert policy.duration("emergency", "accept").natural == timedelta(minutes=10)
        assert str(policy.duration("complex", "reply")) == "15d"  # untouched default
    assert by_stage.to_dict() == by_urgency.to_dict()


def test_from_dict__round_trips_through_to_dict():
    policy = SlaPolicy.from_dict({"utility": {"reply": "36h"}, "end_of_day": "18:00:00"})
    again = SlaPolicy.from_dict(policy.to_dict())
    assert again.to_dict() == policy.to_dict()
    assert again.end_of_day == time(18, 0)


@pytest.mark.parametrize(
    "data",
    [
        {"closing": {"normal": "1d"}},
        {"reply": {"urgent": "1d"}},
        {"reply": {"normal": "7 days"}},
        {"reply": {"normal": "1.5d"}},
        {"reply": {"normal": "0h"}},
        {"reply": {"normal": "1d"}, "respond": {"normal": "2d"}},  # first contact after the reply
        {"emergency": {"accept": "3h"}},  # accept after the reply (2h)
        {"reply": "7d"},
    ],
)
def test_from_dict__invalid_configuration_is_rejected_with_a_message(data):
    with pytest.raises(ValueError):
        SlaPolicy.from_dict(data)


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("15min", 15, "minutes"),
        ("15m", 15, "minutes"),
        ("2h", 2, "hours"),
        ("1.5h", 1.5, "hours"),
        ("7d", 7, "workdays"),
        (" 24H ", 24, "hours"),
    ],
)
def test_duration__parse(text, amount, unit):
    assert Duration.parse(text) == Duration(amount, unit)
