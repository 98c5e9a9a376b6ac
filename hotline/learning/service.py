"""The app's view of the learned models: the current classifier from the model store, and the urgency
model (routing.urgency_model) from its own store beside it (<MODEL_DIR>/urgency), each loaded once per
process and reloaded when a newer version is promoted (checked at most once a minute)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from hotline.appcache import AppCache
from hotline.config import ConfigError

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
    store = model_store(app)
    version = ensure_model(store, city / "seed_examples.csv", vocabulary.words, vocabulary.category_keywords)
    # A version saved before the arrays form existed gets it now, so that serving loads no scikit-learn.
    if store.add_inference_files(version):
        log.info("classifier model %s: inference files written", version)
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
    # The arrays form (classifier.inference): the same predictions, without scikit-learn or skops.
    model, metadata = store.load_inference(version)
    threshold = float(getattr(model, "threshold", None) or metadata.get("threshold") or 1.0)
    log.info("classifier model %s loaded (threshold %.3f)", version, threshold)
    return LoadedModel(version, model, threshold)


def forget_model(app: Flask) -> None:
    _model_cache.forget(app)


@dataclass(frozen=True)
class Classified:
    predictions: list[tuple[str, float]]  # top-k (category code, probability), best first
    threshold: float  # the auto-dispatch threshold for this message
    familiar: bool = True  # False: the text is far from the model's training data (classifier/novelty.py)


def classify(app: Flask, title: str, body: str) -> Classified:
    """Top-k predictions, the auto-dispatch threshold and whether the text is familiar to the model.

    No model, or a model that cannot be loaded, means no predictions: routing then relies on a category
    chosen by the agent or sends the ticket to triage — it never fails intake.
    """
    try:
        loaded = current_model(app)
        if loaded.model is None:
            return Classified([], 1.0)
        threshold = getattr(loaded.model, "threshold_for", lambda _title: loaded.threshold)(title)
        decision = loaded.model.route(title, body, k=TOP_K)
        return Classified([(code, float(p)) for code, p in decision.suggestions], threshold, decision.familiar)
    except Exception:
        log.exception("classifier unavailable; routing without predictions")
        return Classified([], 1.0)


# -- urgency ---------------------------------------------------------------------------------------

URGENCY_STORE_DIR = "urgency"


@dataclass
class LoadedUrgency:
    version: str | None
    model: object | None


_urgency_cache: AppCache[LoadedUrgency] = AppCache("hotline.urgency_model", RECHECK_SECONDS)


def urgency_store(app: Flask):
    """The urgency model's store (hotline.learning.store.UrgencyModelStore), beside the classifier's."""
    # Imported here, at first use: the store brings scikit-learn and skops, which the app's import must not.
    from hotline.learning.store import UrgencyModelStore

    return UrgencyModelStore(Path(app.config["MODEL_DIR"]) / URGENCY_STORE_DIR)


def city_ordinary_examples(city_dir: str | Path) -> list:
    """The city's seed examples of matter types that are not emergencies, as non-emergency examples
    for the urgency model (routing.urgency_model.ordinary_examples); none when the files are absent."""
    import yaml

    from classifier.data import read_training_csv
    from routing.urgency_model import ordinary_examples

    city = Path(city_dir)
    seed, categories = city / "seed_examples.csv", city / "categories.yaml"
    if not seed.is_file() or not categories.is_file():
        return []
    groups = (yaml.safe_load(categories.read_text(encoding="utf-8")) or {}).get("groups") or []
    hints = {c["code"]: c.get("urgency_hint") for group in groups for c in group.get("categories") or []}
    data = read_training_csv(seed)
    return ordinary_examples(
        (f"{title or ''} {body or ''}".strip(), hints.get(label))
        for title, body, label in zip(data.titles, data.bodies, data.labels, strict=True)
    )


def urgency_examples(app: Flask) -> tuple[Path, ...]:
    """The labelled urgency texts the model is trained and judged on: the files of URGENCY_EXAMPLES,
    or the package's labelled set (routing.urgency_model.DEFAULT_EXAMPLES) when it is empty."""
    paths = tuple(Path(part.strip()) for part in app.config["URGENCY_EXAMPLES"].split(",") if part.strip())
    if not paths:
        from routing.urgency_model import DEFAULT_EXAMPLES

        return DEFAULT_EXAMPLES
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        raise ConfigError(f"HOTLINE_URGENCY_EXAMPLES 中的文件不存在：{'、'.join(missing)}")
    return paths


def train_urgency(app: Flask, corrections=(), *, source: str = "bootstrap") -> str:
    """Train the urgency model on the labelled set (urgency_examples), the city's ordinary complaints and
    people's corrections ((text, urgency, referral) rows); save and promote it; return its version."""
    from routing.urgency_model import train_urgency_model

    corrections = list(corrections)
    ordinary = city_ordinary_examples(app.config["DEMO_CITY_PATH"])
    model = train_urgency_model(corrections, urgency_examples(app), ordinary=ordinary, extra_weight=3)
    version = urgency_store(app).save(
        model, {"source": source, "n_city_ordinary": len(ordinary), "n_corrections": len(corrections)},
        promote=True)
    forget_urgency_model(app)
    log.info("urgency model %s trained (%d examples, %d corrections)", version, model.n_examples_,
             len(corrections))
    return version


@dataclass
class UrgencyRetraining:
    version: str  # the challenger's version (saved whether promoted or not)
    promoted: bool
    reason: str  # why it was or was not promoted, with both models' figures


def retrain_urgency(app: Flask, corrections=()) -> UrgencyRetraining:
    """Train a challenger on the labelled set (urgency_examples), the city's ordinary complaints and
    people's corrections; promote it only if, with the rules, it is not worse than the current model on
    the labelled set (routing.urgency_challenger). Either way the challenger is saved with the verdict."""
    from routing.urgency_challenger import judge_challenger
    from routing.urgency_model import read_examples, train_urgency_model

    corrections = list(corrections)
    labelled = read_examples(urgency_examples(app))  # read once: the challenger learns from it and is judged on it
    ordinary = city_ordinary_examples(app.config["DEMO_CITY_PATH"])
    challenger = train_urgency_model(corrections, labelled, ordinary=ordinary, extra_weight=3)
    store = urgency_store(app)
    current, _refused = store.loadable_version()
    champion = store.load(current)[0] if current is not None else None
    verdict = judge_challenger(champion, challenger, labelled)
    version = store.save(
        challenger,
        {"source": "retraining", "n_city_ordinary": len(ordinary), "n_corrections": len(corrections),
         "promotion": {"promoted": verdict.promote, "reason": verdict.reason, "champion": current,
                       "champion_figures": verdict.champion, "challenger_figures": verdict.challenger}},
        promote=verdict.promote)
    if verdict.promote:
        forget_urgency_model(app)
    log.info("urgency challenger %s: promoted=%s (%s)", version, verdict.promote, verdict.reason)
    return UrgencyRetraining(version, verdict.promote, verdict.reason)


def ensure_urgency_model(app: Flask) -> str:
    """The current urgency model version; trained from the base set and the city when there is none
    (or it cannot be loaded safely). Used by `up`, beside ensure_bootstrap_model."""
    store = urgency_store(app)
    current, refused = store.loadable_version()
    if current is not None:
        if store.add_inference_files(current):  # saved before the arrays form: serving needs it
            log.info("urgency model %s: inference files written", current)
        return current
    if refused is not None:
        log.warning("urgency model %s refused (%s); training a new one", store.current_version(), refused)
    return train_urgency(app)


def current_urgency_model(app: Flask):
    """The promoted urgency model, or None (routing then uses the rules alone)."""
    try:
        return _urgency_cache.get(app, lambda previous: _load_urgency(app, previous)).model
    except Exception:
        log.exception("urgency model unavailable; urgency from the rules alone")
        return None


def _load_urgency(app: Flask, previous: LoadedUrgency | None) -> LoadedUrgency:
    store = urgency_store(app)
    version = store.current_version()
    if previous is not None and previous.version == version:
        return previous
    if version is None:
        return LoadedUrgency(None, None)
    model, _ = store.load_inference(version)  # the arrays form: no scikit-learn in a serving process
    log.info("urgency model %s loaded (threshold %.3f)", version, model.threshold)
    return LoadedUrgency(version, model)


def forget_urgency_model(app: Flask) -> None:
    _urgency_cache.forget(app)
