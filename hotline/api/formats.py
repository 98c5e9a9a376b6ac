"""How values look in the API's answers."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app


def iso(when: datetime | None) -> str | None:
    """Times are shown in the city's local time, with the offset, to the second."""
    if when is None:
        return None
    local = when.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
    return local.isoformat(timespec="seconds")
