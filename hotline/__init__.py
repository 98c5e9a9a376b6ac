"""Hotline: the Flask application (config, auth, JSON API, pages, workflow, jobs, CLI)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from flask import Flask, g, request
from werkzeug.routing import IntegerConverter

from hotline import config as config_module


class DatabaseId(IntegerConverter):
    """`<int:…>` in a URL: a row id, so never beyond what an INTEGER column holds. A larger number in the
    URL is an unknown id (404), not a PostgreSQL overflow (500) — found by the contract fuzzing."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = 2**31 - 1,
                 signed: bool = False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def create_app(**overrides) -> Flask:
    """The app factory. Settings: defaults in code < HOTLINE_* environment < keyword overrides."""
    settings = config_module.Config.from_env(**overrides)
    instance_path = Path(settings["INSTANCE_PATH"] or Path.cwd() / "instance").resolve()
    app = Flask(__name__, instance_path=str(instance_path))
    app.config.update(config_module.finalise(settings, instance_path))
    app.json.ensure_ascii = False  # Chinese stays readable in API answers
    app.url_map.converters["int"] = DatabaseId  # before any route is added
    logging.basicConfig(level=app.config["LOG_LEVEL"].upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Servers and libraries that set their own loggers to INFO follow the configured level too.
    for name in ("waitress", "alembic"):
        logging.getLogger(name).setLevel(app.config["LOG_LEVEL"].upper())

    from hotline import database, edge, extensions, redis_conn, web
    from hotline.auth import rate_limit_key
    from hotline.errors import register_error_handlers
    from hotline.jobs import aftercommit
    from hotline.workflow import sla as sla_service

    database.init_app(app)
    aftercommit.init_app(app)  # jobs, follow-ups and pushes follow every commit (hotline.workflow.effects)
    redis_conn.init_app(app)
    sla_service.init_app(app)
    register_error_handlers(app)
    edge.init_app(app)
    _register_blueprints(app)
    extensions.init_app(app, rate_limit_key)  # after the blueprints: it wraps their rate-limited views
    web.init_app(app)
    _register_metrics(app)

    from hotline.cli import register_commands

    register_commands(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from hotline import openapi
    from hotline.auth import views as auth_views
    from hotline.followup import views as followup_views
    from hotline.health import bp as health_bp
    from hotline.learning import views as learning_views
    from hotline.notifications import views as notification_views
    from hotline.open311 import views as open311_views
    from hotline.scoring import views as scoring_views
    from hotline.tickets import actions as action_views
    from hotline.tickets import views as ticket_views
    from hotline.web import bp as web_bp

    for module in (ticket_views, action_views, auth_views, followup_views, learning_views,
                   notification_views, scoring_views, openapi, open311_views):
        app.register_blueprint(module.bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(web_bp)


def _register_metrics(app: Flask) -> None:
    from hotline import metrics

    @app.before_request
    def _start_timer():
        g.request_started = time.perf_counter()

    @app.after_request
    def _observe(response):
        started = g.get("request_started")
        metrics.count_request(request.method, request.endpoint or "unknown", response.status_code,
                              None if started is None else time.perf_counter() - started)
        return response
