"""Flask extensions shared by the blueprints."""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter

from .auth import rate_limit_key

# Counters live in Redis (shared by all web processes); if Redis is unreachable the limiter falls back to
# per-process memory and never fails a request because of it.
limiter = Limiter(key_func=rate_limit_key, swallow_errors=True, in_memory_fallback_enabled=True,
                  headers_enabled=True)


def limiter_storage_uri(app: Flask) -> str:
    if app.config.get("RATELIMIT_STORAGE_URL"):
        return app.config["RATELIMIT_STORAGE_URL"]
    url = app.config["REDIS_RESOLVED_URL"]
    if url.startswith("unix://"):
        return "redis+unix://" + url.removeprefix("unix://")
    return url


def init_app(app: Flask) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = limiter_storage_uri(app)
    app.config.setdefault("RATELIMIT_DEFAULT", app.config["RATELIMIT_DEFAULT"])
    limiter.init_app(app)
