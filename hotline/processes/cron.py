"""Periodic jobs, for one `rq cron` process: `rq cron hotline.processes.cron --url "$HOTLINE_REDIS_URL"`.

`python -m hotline.processes.cron` runs the same schedule against the app's Redis (this is what `flask up` starts).
Only one cron process should run: the jobs are idempotent, so two would only do the work twice.
"""

from __future__ import annotations

import os

from rq import cron

from hotline.jobs.housekeeping import purge_idempotency_job
from hotline.jobs.sweep import sweep_job
from hotline.learning.jobs import retrain_job
from hotline.scoring.jobs import JOB_TIMEOUT, NIGHTLY_CRON, nightly_scores

QUEUE = os.environ.get("HOTLINE_QUEUE_DEFAULT", "hotline")
SWEEP_SECONDS = int(os.environ.get("HOTLINE_SWEEP_INTERVAL_SECONDS", "120"))

cron.register(sweep_job, QUEUE, interval=SWEEP_SECONDS, name="sweep", job_timeout=600)
cron.register(nightly_scores, QUEUE, cron=NIGHTLY_CRON, name="nightly-scores", job_timeout=JOB_TIMEOUT)
cron.register(retrain_job, QUEUE, interval=3600, name="retraining", job_timeout=3600)
cron.register(purge_idempotency_job, QUEUE, interval=3600, name="purge-idempotency-keys", job_timeout=600)


def main() -> int:
    from hotline import create_app
    from hotline.redis_conn import get_redis

    app = create_app()
    scheduler = cron.create_cron(get_redis(app))
    scheduler.start()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
