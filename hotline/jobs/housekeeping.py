"""Housekeeping run by `rq cron`: forget Idempotency-Keys older than HOTLINE_IDEMPOTENCY_TTL_HOURS."""

from __future__ import annotations

from hotline.intake.service import purge_idempotency_records
from hotline.queue.toolkit import job


@job
def purge_idempotency_job(app, session) -> str:
    with session.begin():
        removed = purge_idempotency_records(session, int(app.config["IDEMPOTENCY_TTL_HOURS"]))
    return f"forgot {removed} idempotency keys"
