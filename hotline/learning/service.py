"""The app's view of the classifier: the current model from the model store, loaded once per process
and reloaded when a newer version is promoted (checked at most once a minute)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from hotline.appcache import AppCache

log = logging.getLogger(__name__)
RECHECK_SECONDS = 60.0
TOP_K = 3


@dataclass
class LoadedModel:
    version: str | None
    model: object | None
    threshold: float


_model_cache: AppCache[LoadedModel] = AppCache("hotline.model", RECHECK_SECONDS)


def model_store(app: Flask):
    from classifier.store import ModelStore

    return ModelStore(app.config["MODEL_DIR"])


def ensure_bootstrap_model(app: Flask) -> str:
    """The current model; on a city without one, train it from the city's seed examples (used by `up`)."""
    from classifier.bootstrap import ensure_model
    from classifier.city import load_city_vocabulary

    city = Path(app.config["DEMO_CITY_PATH"])
    vocabulary = load_city_vocabulary(city)
    version = ensure_model(model_store(app), city / "seed_examples.csv", vocabulary.words,
                           vocabulary.category_keywords)
    forget_model(app)
    return version


def current_model(app: Flask) -> LoadedModel:
    return _model_cache.get(app, lambda previous: _load_current(app, previous))


def _load_current(app: Flask, previous: LoadedModel | None) -> LoadedModel:
    store = model_store(app)
    version = store.current_version()
    if previous is not None and previous.version == version:
        return previous
    if version is None:
        return LoadedModel(None, None, 1.0)
    model, metadata = store.load(version)
    threshold = float(getattr(model, "threshold", None) or metadata.get("threshold") or 1.0)
    log.info("classifier model %s loaded (threshold %.3f)", version, threshold)
    return LoadedModel(version, model, threshold)


def forget_model(app: Flask) -> None:
    _model_cache.forget(app)


def predict(app: Flask, title: str, body: str) -> tuple[list[tuple[str, float]], float]:
    """Top-k (category code, probability) and the auto-dispatch threshold.

    No model, or a model that cannot be loaded, means no predictions: routing then relies on a category
    chosen by the agent or sends the ticket to triage — it never fails intake.
    """
    try:
        loaded = current_model(app)
        if loaded.model is None:
            return [], 1.0
        return [(code, float(p)) for code, p in loaded.model.predict_top_k(title, body, k=TOP_K)], loaded.threshold
    except Exception:
        log.exception("classifier unavailable; routing without predictions")
        return [], 1.0
