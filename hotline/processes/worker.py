"""An RQ worker for Hotline's queue, with its scheduler (for jobs enqueued at a time).

`python -m hotline.processes.worker` — what `flask up` starts; in production `rq worker --with-scheduler` with
`--url` and the queue name does the same job (the jobs create their own app context).
"""

from __future__ import annotations

import logging
import sys

from rq import Queue, Worker

from hotline import create_app
from hotline.redis_conn import get_redis


def main(argv: list[str] | None = None) -> int:
    app = create_app()
    logging.getLogger("rq.worker").setLevel(logging.INFO)
    connection = get_redis(app)
    queue = Queue(app.config["QUEUE_DEFAULT"], connection=connection)
    worker = Worker([queue], connection=connection)
    burst = "--burst" in (argv if argv is not None else sys.argv[1:])
    worker.work(with_scheduler=True, burst=burst)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
