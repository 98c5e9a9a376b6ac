"""The effective scoring settings of an app: code defaults < HOTLINE_* environment < the edits made at
/admin/scoring (stored in city_settings; see hotline.settings.service for the layering and the cache)."""

from __future__ import annotations

import logging

from flask import Flask, current_app

from hotline.scoring.service import InvalidScoringSettings, ScoringSettings, settings_from_config
from hotline.settings.service import stored

log = logging.getLogger(__name__)
_KEY = "hotline.scoring_settings"


def scoring_settings(app: Flask | None = None) -> ScoringSettings:
    """The settings every score is computed with (pages, API, nightly job, CLI). Edits that no longer fit
    the environment are ignored with an error in the log, as for the SLA policy."""
    app = app or current_app._get_current_object()
    edits = stored(app)
    cached = app.extensions.get(_KEY)
    if cached is not None and cached[0] == edits:
        return cached[1]
    try:
        settings = settings_from_config(app.config, edits.values)
    except InvalidScoringSettings as error:
        log.error("the scoring settings edited at /admin do not fit the configuration, ignoring them: %s", error)
        settings = settings_from_config(app.config)
    app.extensions[_KEY] = (edits, settings)
    return settings
