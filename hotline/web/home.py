"""The front door at `/`: what this service is, whether it is healthy, where to go next."""

from __future__ import annotations

from flask import render_template

from hotline.health import database_state
from hotline.redis_conn import ping
from hotline.web import bp


@bp.get("/")
def home():
    db_ok, _ = database_state()
    redis_ok, _ = ping()
    return render_template("home.html", db_ok=db_ok, redis_ok=redis_ok)
