"""Housekeeping run by `rq cron`: forget Idempotency-Keys older than HOTLINE_IDEMPOTENCY_TTL_HOURS."""

from __future__ import annotations

from hotline.database import session_factory
from hotline.intake.service import purge_idempotency_records


def purge_idempotency_job() -> str:
    from hotline.jobs.runtime import app_context

    with app_context() as app, session_factory(app)() as session, session.begin():
        removed = purge_idempotency_records(session, int(app.config["IDEMPOTENCY_TTL_HOURS"]))
    return f"forgot {removed} idempotency keys"
