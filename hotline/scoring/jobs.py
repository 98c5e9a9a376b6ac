"""The nightly scoring job: store the units' rollups (unit_scores) of the current and previous month.

Idempotent: each run replaces the two months' rollups with freshly computed ones (delete + insert in one
transaction per month), so running it twice, or after a missed night, gives the same numbers.

Scheduled by `hotline/processes/cron.py` (the one `rq cron` process) at NIGHTLY_CRON.
"""

from __future__ import annotations

import logging

from hotline.database import session_factory
from hotline.queue.toolkit import job
from hotline.scoring import service as scoring

log = logging.getLogger(__name__)

NIGHTLY_CRON = "30 17 * * *"  # 17:30 UTC = 01:30 Asia/Shanghai, after the day's follow-ups
JOB_TIMEOUT = 30 * 60


def nightly_periods(timezone: str = scoring.DEFAULT_TIMEZONE) -> list[str]:
    """The months the nightly run stores: the previous month (late answers and exclusions still change it
    in the first days) and the current one."""
    current = scoring.current_month(timezone)
    return [scoring.previous_month(current), current]


def store_months(app, periods: list[str]) -> dict[str, int]:
    """Store the rollups of the given months, each in its own transaction; returns units stored per month."""
    settings = scoring.settings_from_config(app.config)
    stored = {}
    for period in periods:
        with session_factory(app)() as session, session.begin():
            stored[period] = len(scoring.store_period(session, period, settings))
    return stored


@job
def nightly_scores(app, _session) -> str:
    """RQ job: recompute and store the current and previous month's unit scores."""
    stored = store_months(app, nightly_periods(app.config["TIMEZONE"]))
    summary = ", ".join(f"{period}: {count} units" for period, count in stored.items())
    log.info("unit scores stored (%s)", summary)
    return f"stored {summary}"
