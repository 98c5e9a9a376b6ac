"""The nightly scoring job: store the units' rollups (unit_scores) of the current and previous month.

Idempotent: each run replaces the two months' rollups with freshly computed ones (delete + insert in one
transaction per month), so running it twice, or after a missed night, gives the same numbers.

Scheduling (`rq cron`): the cron configuration calls `register_cron()`, which registers
`nightly_scores` on the app's queue at 01:30 Beijing time (rq evaluates cron strings in UTC):

    # cron_config.py, run by: rq cron cron_config.py --url "$HOTLINE_REDIS_URL"
    from hotline.jobs.scoring_jobs import register_cron
    register_cron()

or directly: `rq.cron.register(nightly_scores, "hotline", cron="30 17 * * *")`.
"""

from __future__ import annotations

import logging

from models import clock

from .. import scoring

log = logging.getLogger(__name__)

NIGHTLY_CRON = "30 17 * * *"  # 17:30 UTC = 01:30 Asia/Shanghai, after the day's follow-ups
JOB_TIMEOUT = 30 * 60


def nightly_periods(timezone: str = scoring.DEFAULT_TIMEZONE) -> list[str]:
    """The months the nightly run stores: the previous month (late answers and exclusions still change it
    in the first days) and the current one."""
    current = scoring.month_of(clock.now(), timezone)
    return [scoring.previous_month(current), current]


def store_months(app, periods: list[str]) -> dict[str, int]:
    """Store the rollups of the given months, each in its own transaction; returns units stored per month."""
    from ..database import session_factory

    settings = scoring.settings_from_config(app.config)
    stored = {}
    for period in periods:
        with session_factory(app)() as session, session.begin():
            stored[period] = len(scoring.store_period(session, period, settings))
    return stored


def nightly_scores() -> str:
    """RQ job: recompute and store the current and previous month's unit scores."""
    from .runtime import app_context

    with app_context() as app:
        stored = store_months(app, nightly_periods(app.config["TIMEZONE"]))
    summary = ", ".join(f"{period}: {count} units" for period, count in stored.items())
    log.info("unit scores stored (%s)", summary)
    return f"stored {summary}"


def register_cron(queue_name: str | None = None, cron: str = NIGHTLY_CRON) -> dict:
    """Register the nightly job with `rq cron` (call it from the cron configuration file)."""
    from rq import cron as rq_cron

    if queue_name is None:
        from ..config import Config

        queue_name = Config.from_env()["QUEUE_DEFAULT"]
    return rq_cron.register(nightly_scores, queue_name, cron=cron, job_timeout=JOB_TIMEOUT,
                            name="nightly-unit-scores")
