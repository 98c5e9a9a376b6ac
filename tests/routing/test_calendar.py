"""The working-day calendar (routing.calendar). Dates checked against chinese_calendar 1.11.0."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from routing.calendar import WorkingCalendar


@pytest.fixture()
def calendar():
    return WorkingCalendar()


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        # National Day 2026: Oct 1–7 off; Sun Sep 20 and Sat Oct 10 are make-up working days.
        # Mid-Autumn 2026 (Fri Sep 25 – Sun Sep 27) is off; Sun Sep 27 is NOT a make-up day.
        (date(2026, 9, 20), True),
        (date(2026, 9, 25), False),
        (date(2026, 9, 27), False),
        (date(2026, 9, 30), True),
        (date(2026, 10, 1), False),
        (date(2026, 10, 7), False),
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),
        (date(2026, 10, 11), False),
        # Spring Festival 2026: Feb 15–23 off; Sat Feb 14 and Sat Feb 28 are make-up working days.
        (date(2026, 2, 14), True),
        (date(2026, 2, 15), False),
        (date(2026, 2, 23), False),
        (date(2026, 2, 24), True),
        (date(2026, 2, 28), True),
        # an ordinary weekend
        (date(2026, 3, 7), False),
        (date(2026, 3, 9), True),
    ],
)
def test_is_workday__follows_the_official_2026_arrangement(calendar, day, workday):
    assert calendar.is_workday(day) is workday


def test_add_workdays__day_itself_never_counts(calendar):
    assert calendar.add_workdays(date(2026, 3, 9), 1) == date(2026, 3, 10)  # Monday → Tuesday
    assert calendar.add_workdays(date(2026, 3, 6), 1) == date(2026, 3, 9)  # Friday → Monday


def test_add_workdays__skips_national_day_and_counts_the_make_up_saturday(calendar):
    # From Wed Sep 30: Oct 8, 9, 10 (Sat, make-up), 12 …
    assert calendar.add_workdays(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert calendar.add_workdays(date(2026, 9, 30), 4) == date(2026, 10, 12)


def test_add_workdays__from_a_holiday(calendar):
    assert calendar.add_workdays(date(2026, 10, 3), 1) == date(2026, 10, 8)


def test_add_workdays__rejects_zero(calendar):
    with pytest.raises(ValueError):
        calendar.add_workdays(date(2026, 3, 9), 0)


def test_workdays_between__same_convention_as_add_workdays(calendar):
    start = date(2026, 9, 30)
    assert calendar.workdays_between(start, calendar.add_workdays(start, 7)) == 7
    assert calendar.workdays_between(start, start) == 0


def test_next_workday(calendar):
    assert calendar.next_workday(date(2026, 2, 13)) == date(2026, 2, 14)  # Friday → make-up Saturday


def test_extra_holidays_and_workdays_override_the_package():
    calendar = WorkingCalendar(extra_holidays={date(2026, 3, 9)}, extra_workdays={date(2026, 10, 5)})
    assert not calendar.is_workday(date(2026, 3, 9))
    assert calendar.is_workday(date(2026, 10, 5))


def test_same_date_as_holiday_and_workday_is_a_configuration_error():
    with pytest.raises(ValueError):
        WorkingCalendar(extra_holidays={date(2027, 1, 1)}, extra_workdays={date(2027, 1, 1)})


def test_fallback__year_beyond_the_package_is_mon_to_fri_with_one_warning_per_year():
    messages: list[str] = []
    calendar = WorkingCalendar(on_fallback=messages.append)
    assert not calendar.covers(2027)
    assert calendar.is_workday(date(2027, 3, 1))  # Monday
    assert not calendar.is_workday(date(2027, 3, 6))  # Saturday
    assert calendar.add_workdays(date(2027, 3, 5), 1) == date(2027, 3, 8)
    assert len(messages) == 1 and "2027" in messages[0]
    calendar.is_workday(date(2003, 5, 1))
    assert len(messages) == 2 and "2003" in messages[1]


def test_fallback__configured_holidays_and_make_up_days_apply():
    calendar = WorkingCalendar(
        extra_holidays={date(2027, 1, 1)}, extra_workdays={date(2027, 1, 2)}, on_fallback=lambda message: None
    )
    assert not calendar.is_workday(date(2027, 1, 1))  # a Friday, configured as New Year's Day
    assert calendar.is_workday(date(2027, 1, 2))  # a Saturday, configured as make-up day
    assert calendar.add_workdays(date(2026, 12, 31), 1) == date(2027, 1, 2)


def test_fallback__warns_through_a_logger(caplog):
    calendar = WorkingCalendar(on_fallback=logging.getLogger("test.calendar"))
    with caplog.at_level(logging.WARNING, logger="test.calendar"):
        calendar.is_workday(date(2027, 6, 1))
        calendar.is_workday(date(2027, 6, 2))
    assert [r.levelname for r in caplog.records if r.name == "test.calendar"] == ["WARNING"]


def test_fallback__default_is_the_module_logger(caplog):
    with caplog.at_level(logging.WARNING, logger="routing.calendar"):
        WorkingCalendar().is_workday(date(2027, 6, 1))
    assert any("2027" in r.getMessage() for r in caplog.records)


def test_fallback__a_failing_handler_never_breaks_the_calendar(caplog):
    def broken(message):
        raise RuntimeError("mail server down")

    calendar = WorkingCalendar(on_fallback=broken)
    with caplog.at_level(logging.ERROR, logger="routing.calendar"):
        assert calendar.is_workday(date(2027, 6, 1))
