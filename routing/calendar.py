"""The working-day calendar: Chinese public holidays and make-up working days (调休).

``chinese_calendar`` knows the State Council's holiday arrangements up to the year it was released
(1.11.0: 2004–2026). For any other year the calendar falls back to Monday–Friday plus the
configured extra holidays and working days, and reports that once per year through ``on_fallback``
(a callable taking the message, or a logger) — deadlines must keep working on 1 January, and
an administrator must be told to configure the new year's holidays or upgrade the package.

Configured dates win over both sources: ``extra_workdays`` (e.g. a make-up Saturday not yet in the
package) and ``extra_holidays`` (e.g. a local holiday).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import date, timedelta

import chinese_calendar

logger = logging.getLogger(__name__)

FallbackHandler = Callable[[str], object] | logging.Logger


class WorkingCalendar:
    def __init__(
        self,
        extra_holidays: Iterable[date] = frozenset(),
        extra_workdays: Iterable[date] = frozenset(),
        on_fallback: FallbackHandler | None = None,
    ):
        self.extra_holidays = frozenset(extra_holidays)
        self.extra_workdays = frozenset(extra_workdays)
        overlap = self.extra_holidays & self.extra_workdays
        if overlap:
            raise ValueError(f"dates configured both as holiday and as working day: {sorted(overlap)}")
        self._on_fallback = on_fallback if on_fallback is not None else logger
        self._covered: dict[int, bool] = {}

    def covers(self, year: int) -> bool:
        """Whether ``chinese_calendar`` knows the holidays of this year."""
        if year not in self._covered:
            try:
                chinese_calendar.is_workday(date(year, 1, 1))
                self._covered[year] = True
            except NotImplementedError:
                self._covered[year] = False
                self._warn(year)
        return self._covered[year]

    def _warn(self, year: int) -> None:
        message = (
            f"chinese_calendar has no holiday data for {year}: counting Monday–Friday plus the configured "
            f"holidays ({sum(d.year == year for d in self.extra_holidays)}) and working days "
            f"({sum(d.year == year for d in self.extra_workdays)}) for {year}"
        )
        try:
            if isinstance(self._on_fallback, logging.Logger):
                self._on_fallback.warning(message)
            else:
                self._on_fallback(message)
        except Exception:  # a broken notification hook must never break a deadline computation
            logger.exception("on_fallback handler failed")

    def is_workday(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        if self.covers(day.year):
            return chinese_calendar.is_workday(day)
        return day.weekday() < 5

    def add_workdays(self, day: date, n: int) -> date:
        """The n-th working day after ``day`` (``day`` itself never counts); n ≥ 1."""
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        current = day
        remaining = n
        while remaining:
            current += timedelta(days=1)
            if self.is_workday(current):
                remaining -= 1
        return current

    def next_workday(self, day: date) -> date:
        """The first working day after ``day``."""
        return self.add_workdays(day, 1)

    def workdays_between(self, start: date, end: date) -> int:
        """Working days in (start, end] — the same convention as add_workdays."""
        count = 0
        current = start
        while current < end:
            current += timedelta(days=1)
            count += self.is_workday(current)
        return count
