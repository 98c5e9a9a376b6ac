"""The JSON API, version 1 (`/api/v1`)."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from ..followup import api as followup_api  # noqa: E402,F401  (follow-up routes)
from . import actions, auth_routes, model_routes, openapi, stats, tickets, watch  # noqa: E402,F401  (routes register on import)
