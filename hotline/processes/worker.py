"""An RQ worker for Hotline's queue, with its scheduler (for jobs enqueued at a time).

`python -m hotline.processes.worker` — what `flask up` starts; in production `rq worker --with-scheduler` with
`--url` and the queue name does the same job (the jobs create their own app context).
"""

from __future__ import annotations

import logging
import sys

from flask import Flask
from rq import Queue, Worker

from hotline import create_app
from hotline.redis_conn import get_redis


def run(app: Flask, burst: bool = False) -> int:
    """Work the app's queue (with the scheduler) until stopped, or until it is empty when `burst`."""
    logging.getLogger("rq.worker").setLevel(logging.INFO)
    connection = get_redis(app)
    connection.ping()  # an unreachable Redis fails here, in one line, not deep inside the worker
    queue = Queue(app.config["QUEUE_DEFAULT"], connection=connection)
    worker = Worker([queue], connection=connection)
    worker.work(with_scheduler=True, burst=burst)
    return 0


def main(argv: list[str] | None = None) -> int:
    return run(create_app(), burst="--burst" in (argv if argv is not None else sys.argv[1:]))


if __name__ == "__main__":
    raise SystemExit(main())
