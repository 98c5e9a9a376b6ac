"""Hotline: the Flask application (config, auth, JSON API, pages, workflow, jobs, CLI)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from flask import Flask, g, request

from . import config as config_module


def create_app(**overrides) -> Flask:
    """The app factory. Settings: defaults in code < HOTLINE_* environment < keyword overrides."""
    settings = config_module.Config.from_env(**overrides)
    instance_path = Path(settings["INSTANCE_PATH"] or Path.cwd() / "instance").resolve()
    app = Flask(__name__, instance_path=str(instance_path))
    app.config.update(config_module.finalise(settings, instance_path))
    app.json.ensure_ascii = False  # Chinese stays readable in API answers
    logging.basicConfig(level=app.config["LOG_LEVEL"].upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from . import database, edge, extensions, redis_conn, sla_service
    from .errors import register_error_handlers

    database.init_app(app)
    redis_conn.init_app(app)
    sla_service.init_app(app)
    register_error_handlers(app)
    edge.init_app(app)
    _register_blueprints(app)
    extensions.init_app(app)  # after the blueprints: it wraps their rate-limited views
    _register_metrics(app)

    from .cli import register_commands

    register_commands(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from .api import bp as api_bp
    from .health import bp as health_bp
    from .web import bp as web_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(web_bp)


def _register_metrics(app: Flask) -> None:
    from .health import LATENCY, REQUESTS

    @app.before_request
    def _start_timer():
        g.request_started = time.perf_counter()

    @app.after_request
    def _observe(response):
        endpoint = request.endpoint or "unknown"
        REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
        if "request_started" in g:
            LATENCY.labels(endpoint).observe(time.perf_counter() - g.request_started)
        return response
