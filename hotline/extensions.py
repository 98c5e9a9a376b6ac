"""Rate limiting: one Flask-Limiter per app, with per-view limits declared next to the views."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app
from flask_limiter import Limiter

_SETTING_ATTR = "_hotline_rate_limit_setting"


def rate_limited(setting: str) -> Callable:
    """Mark a view as limited by the config value `setting` (e.g. "RATELIMIT_INTAKE").

    The limit is attached in `init_app`, to a Limiter that belongs to the app. A module-level Limiter
    would be shared by every app in the process, and its "storage is dead" flag and counters would leak
    from one app to the next.
    """

    def mark(view: Callable) -> Callable:
        setattr(view, _SETTING_ATTR, setting)
        return view

    return mark


def limiter_storage_uri(app: Flask) -> str:
    if app.config.get("RATELIMIT_STORAGE_URL"):
        return app.config["RATELIMIT_STORAGE_URL"]
    url = app.config["REDIS_RESOLVED_URL"]
    if url.startswith("unix://"):
        return "redis+unix://" + url.removeprefix("unix://")
    return url


def init_app(app: Flask, key_func: Callable[[], str]) -> Limiter:
    """Create the app's limiter and wrap every marked view. Call after the blueprints are registered.
    `key_func` says whom a request counts for (hotline.auth.rate_limit_key: the key or user)."""
    # Counters live in Redis (shared by all web processes); if Redis is unreachable the limiter falls back
    # to per-process memory and never fails a request because of it.
    limiter = Limiter(key_func=key_func, swallow_errors=True, in_memory_fallback_enabled=True,
                      headers_enabled=True, storage_uri=limiter_storage_uri(app),
                      default_limits=[app.config["RATELIMIT_DEFAULT"]])
    limiter.init_app(app)
    for endpoint, view in list(app.view_functions.items()):
        setting = getattr(view, _SETTING_ATTR, None)
        if setting is not None:
            app.view_functions[endpoint] = limiter.limit(_config_value(setting))(view)
    return limiter


def _config_value(setting: str) -> Callable[[], str]:
    return lambda: current_app.config[setting]
