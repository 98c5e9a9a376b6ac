"""Riding out outages: backoff between retries, and one log line when a dependency goes and one when it
comes back (not one per retry).

Used by the long-running processes (cron, worker, `up`'s supervisor): none of them may exit because Redis
or the database is away for a while; they wait, retry and carry on by themselves.
"""

from __future__ import annotations

import logging
import time

import redis
from sqlalchemy.exc import InterfaceError, OperationalError

# What "the dependency is away" looks like; anything else is a bug and is not retried silently.
OUTAGE_ERRORS: tuple[type[BaseException], ...] = (redis.ConnectionError, redis.TimeoutError, OSError,
                                                  OperationalError, InterfaceError)


class Backoff:
    """Exponential backoff: initial, ×factor after each failure, capped; reset after a success."""

    def __init__(self, initial: float = 0.5, factor: float = 2.0, maximum: float = 10.0):
        self.initial, self.factor, self.maximum = initial, factor, maximum
        self.current = initial

    def next(self) -> float:
        wait = self.current
        self.current = min(self.current * self.factor, self.maximum)
        return wait

    def reset(self) -> None:
        self.current = self.initial


class Outage:
    """Logs the start of an outage once (with its error) and its end once (with its length)."""

    def __init__(self, what: str, log: logging.Logger):
        self.what, self.log = what, log
        self.since: float | None = None
        self.failures = 0

    @property
    def down(self) -> bool:
        return self.since is not None

    def failed(self, error: BaseException) -> None:
        self.failures += 1
        if self.since is None:
            self.since = time.monotonic()
            self.log.error("%s: %s unreachable (%s: %s); retrying with backoff", self.what, _dependency(error),
                           type(error).__name__, str(error).splitlines()[0][:200] if str(error) else "")

    def recovered(self) -> None:
        if self.since is not None:
            self.log.warning("%s: back after %.1f s (%d failed attempts)", self.what,
                             time.monotonic() - self.since, self.failures)
            self.since, self.failures = None, 0


def _dependency(error: BaseException) -> str:
    if isinstance(error, (OperationalError, InterfaceError)):
        return "database"
    return "Redis"


class RepeatFilter(logging.Filter):
    """Lets the first of a run of identical messages through and drops the repeats for `window` seconds.

    RQ's worker logs "could not connect to Redis … retrying" at every retry of its loop; one line per
    outage is enough.
    """

    def __init__(self, prefixes: tuple[str, ...], window: float = 600.0):
        super().__init__()
        self.prefixes, self.window = prefixes, window
        self.last: dict[str, float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        template = str(record.msg)
        if not template.startswith(self.prefixes):
            return True
        now = time.monotonic()
        seen = self.last.get(template)
        self.last[template] = now if seen is None or now - seen > self.window else seen
        return seen is None or now - seen > self.window
