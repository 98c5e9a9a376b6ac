"""Liveness and metrics: /healthz (database and Redis) and /metrics (Prometheus)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from sqlalchemy import text

from hotline import database
from hotline.redis_conn import ping

bp = Blueprint("health", __name__)

REQUESTS = Counter("hotline_http_requests_total", "HTTP requests", ["method", "endpoint", "status"])
LATENCY = Histogram("hotline_http_request_seconds", "HTTP request latency", ["endpoint"])
TICKETS_CREATED = Counter("hotline_tickets_created_total", "Tickets created at intake", ["channel"])


def database_state() -> tuple[bool, str]:
    try:
        with database.engine().connect() as connection:
            connection.execute(text("SELECT 1"))
        return True, "ok"
    except Exception as error:  # any failure means "down" here; the message says which
        return False, f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"


@bp.get("/healthz")
def healthz():
    db_ok, db_detail = database_state()
    redis_ok, redis_detail = ping()
    healthy = db_ok and redis_ok
    body = {
        "status": "ok" if healthy else "degraded",
        "database": {"ok": db_ok, "detail": db_detail},
        "redis": {"ok": redis_ok, "detail": redis_detail},
    }
    return jsonify(body), 200 if healthy else 503


@bp.get("/metrics")
def metrics():
    return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)
