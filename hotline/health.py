"""Liveness and metrics: /healthz (database and Redis) and /metrics (Prometheus, from hotline.metrics)."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify
from sqlalchemy import text

from hotline import database
from hotline.auth import current_principal
from hotline.metrics import exposition
from hotline.redis_conn import ping

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)



def database_state() -> tuple[bool, str]:
    try:
        with database.engine().connect() as connection:
            connection.execute(text("SELECT 1"))
        return True, "ok"
    except Exception as error:  # any failure means "down" here; the message says which
        return False, f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"


_last_logged: dict[str, str] = {}


def _log_change(name: str, ok: bool, detail: str) -> None:
    """The error text goes to the log once per change of state, not to every anonymous caller."""
    state = "ok" if ok else detail
    previous = _last_logged.get(name, "ok")
    _last_logged[name] = state
    if state != previous:
        if ok:
            log.warning("healthz: %s is back", name)
        else:
            log.warning("healthz: %s is down: %s", name, detail)


def _shows_detail() -> bool:
    """Staff (a signed-in person or a staff token) see the error text; everyone else only up or down."""
    try:
        principal = current_principal(required=False)
    except Exception:  # a bad credential or the database being down: no detail, never an error here
        return False
    return principal is not None and principal.is_staff


@bp.get("/healthz")
def healthz():
    db_ok, db_detail = database_state()
    redis_ok, redis_detail = ping()
    _log_change("database", db_ok, db_detail)
    _log_change("redis", redis_ok, redis_detail)
    healthy = db_ok and redis_ok
    detail = db_ok and _shows_detail()
    body = {
        "status": "ok" if healthy else "degraded",
        "database": {"ok": db_ok, "detail": db_detail if detail else ("正常" if db_ok else "不可用")},
        "redis": {"ok": redis_ok, "detail": redis_detail if detail else ("正常" if redis_ok else "不可用")},
    }
    return jsonify(body), 200 if healthy else 503


@bp.get("/metrics")
def metrics():
    body, content_type = exposition()
    return Response(body, content_type=content_type)
