"""What jobs need from the app: its config, sessions, queue and SLA — inside a worker or a request.

A worker process has no request: `job_app()` builds the app once per process (create_app from the
environment), unless a test or the simulator installed one with `use_app`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from flask import Flask, current_app, has_app_context
from rq import Queue

from hotline.redis_conn import get_redis
from hotline.workflow import sla as sla_service

_app: Flask | None = None


def use_app(app: Flask | None) -> None:
    global _app
    _app = app


def job_app() -> Flask:
    global _app
    if has_app_context():
        return current_app._get_current_object()
    if _app is None:
        from hotline import create_app

        _app = create_app()
    return _app


@contextmanager
def app_context() -> Iterator[Flask]:
    app = job_app()
    if has_app_context():
        yield app
        return
    with app.app_context():
        yield app


def queue(app: Flask | None = None) -> Queue:
    app = app or job_app()
    return Queue(app.config["QUEUE_DEFAULT"], connection=get_redis(app))


def routing_queue(app: Flask | None = None) -> Queue:
    app = app or job_app()
    return Queue(app.config["QUEUE_ROUTING"], connection=get_redis(app))


def sla(app: Flask | None = None) -> sla_service.Sla:
    return sla_service.sla(app or job_app())


def escalation_delay(app: Flask | None = None) -> timedelta:
    return timedelta(hours=float((app or job_app()).config["ESCALATION_DELAY_HOURS"]))
