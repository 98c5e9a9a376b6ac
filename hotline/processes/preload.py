"""Loading what every request needs before a web server forks its workers.

With `gunicorn --preload` (gunicorn.conf.py sets it) the master process imports the app and, in its
`when_ready` hook, calls `warm`: the classifier model, jieba's dictionary with the city's words, the
city's routing index and the MinHash permutations are built once there, and every worker forked from it
shares those pages instead of building its own copy. `gc.freeze()` moves them out of the collector's
reach, so a worker's garbage collections do not write to (and so un-share) them. Database connections
opened while warming are closed before the fork: workers open their own.
"""

from __future__ import annotations

import gc
import logging

from flask import Flask

log = logging.getLogger(__name__)


def warm(app: Flask) -> None:
    from hotline.database import engine, session_factory
    from hotline.intake.routing import city_index
    from hotline.learning.service import classify, current_urgency_model
    from routing.duplicates import signature

    try:
        with app.app_context(), session_factory(app)() as session:
            index = city_index(app, session)
            classify(app, "预热", "预热")  # the model and its tokenizer
            current_urgency_model(app)  # shared by the workers too, not loaded by each at its first intake
            index.knowledge.best_answer("预热")  # the knowledge base's tokenizer
            signature("预热")
    except Exception:  # a worker loads lazily what the master could not (no model yet, database down)
        log.exception("preloading failed; workers will load on first use")
    finally:
        engine(app).dispose()
    gc.collect()
    gc.freeze()
