"""Learning from people: a challenger trained on the seed data plus every human decision, promoted only
when it is not worse than the current model on the same folds.

How the two are compared fairly. The current model (the champion) was trained on some rows; scoring it
as it is on rows it has seen would flatter it and block every challenger. So both are *re-trained per
fold* on the same training part and scored on the same test part:

* the champion with its own recipe (settings, user words, prior) and only the rows it was trained on
  (recorded in its metadata as row hashes), minus the test part;
* the challenger with the new recipe and all rows (seed + human labels), minus the test part.

The score is macro-F1 over the test folds (each label counts alike, so a rare category that people keep
correcting matters). The challenger wins when its mean is not below the champion's mean by more than
`tolerance` (0 by default: "not worse"). The decision, both scores and the folds are written to the
challenger's metadata and to the store's decision log; the challenger is saved either way, promoted or not.

When the same text was labelled more than once, the latest label counts (human decisions come after the
seed rows), so a person's correction overrides a seed example.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import NamedTuple

import numpy as np
from sklearn.metrics import f1_score

from classifier.data import Dataset
from classifier.evaluation import fold_splits
from classifier.model import ModelConfig, TextClassifier
from classifier.store import ModelStore


@dataclass
class ChallengeResult:
    promoted: bool
    reason: str
    challenger_version: str
    champion_version: str | None
    challenger_score: float | None  # mean macro-F1 over the folds
    champion_score: float | None
    challenger_fold_scores: list[float] = field(default_factory=list)
    champion_fold_scores: list[float] = field(default_factory=list)
    tolerance: float = 0.0
    folds: int = 0
    repeats: int = 0
    n_seed: int = 0
    n_labels: int = 0
    n_train: int = 0
    labels_waiting: list[str] = field(default_factory=list)  # labels with one row only, left out this time
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


def promotion_decision(
    champion_score: float, challenger_score: float, tolerance: float = 0.0
) -> tuple[bool, str]:
    """The challenger rule: promote when the challenger is not worse than the champion by more than
    `tolerance` (a tie promotes: the newer model has seen more of what people decided)."""
    if challenger_score >= champion_score - tolerance:
        return True, "不低于当前模型：启用新模型"
    return False, "低于当前模型：保留当前模型"


def _as_dataset(rows: Dataset | Iterable) -> Dataset:
    return rows if isinstance(rows, Dataset) else Dataset.from_rows(rows)


def _fit_or_none(
    recipe: dict, titles: np.ndarray, bodies: np.ndarray, labels: np.ndarray
) -> TextClassifier | None:
    """Fit a model of `recipe` on the rows given, leaving out labels with fewer than two rows there
    (such a model simply cannot predict them). None when fewer than two labels remain."""
    values, counts = np.unique(labels, return_counts=True)
    usable = np.isin(labels, values[counts >= 2])
    if len(np.unique(labels[usable])) < 2:
        return None
    model = TextClassifier(recipe["config"], user_words=recipe["user_words"], stopwords=recipe["stopwords"])
    return model.fit(titles[usable], bodies[usable], labels[usable], prior=recipe["prior"])


def _macro_f1(model: TextClassifier | None, titles, bodies, truth: np.ndarray, labels: list[str]) -> float:
    if model is None:
        return 0.0
    predicted = model.predict(titles, bodies)
    return float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0))


class _Rows(NamedTuple):
    """The training rows as arrays, indexable by fold."""

    titles: np.ndarray
    bodies: np.ndarray
    labels: np.ndarray
    keys: np.ndarray

    @classmethod
    def of(cls, data: Dataset) -> _Rows:
        return cls(np.asarray(data.titles, dtype=object), np.asarray(data.bodies, dtype=object),
                   np.asarray(data.labels), np.asarray(data.row_keys()))


def _learnable(data: Dataset) -> tuple[Dataset, list[str]]:
    """`data` without the labels that have a single row, and those labels.

    Such a label (a category people used once, with no seed examples) cannot be learnt or checked yet;
    its row waits for a second one instead of failing the whole run.
    """
    values, value_counts = np.unique(data.labels, return_counts=True)
    waiting = sorted(str(v) for v in values[value_counts < 2])
    if not waiting:
        return data, []
    usable = [i for i, label in enumerate(data.labels) if label not in set(waiting)]
    kept = Dataset([data.titles[i] for i in usable], [data.bodies[i] for i in usable],
                   [data.labels[i] for i in usable])
    return kept, waiting


def _recipe_of(model: TextClassifier | None) -> dict:
    """How `model` was made (settings, vocabulary, stop words, prior): a new model of the same recipe
    differs from it only by its data."""
    if model is None:
        return {"config": ModelConfig(), "user_words": (), "stopwords": None, "prior": None}
    return {
        "config": model.settings,
        "user_words": model.tokenizer.user_words,
        "stopwords": model.tokenizer.stopwords,
        "prior": getattr(model, "prior_", None) or None,
    }


def _with_overrides(recipe: dict, config, prior, user_words, stopwords) -> dict:
    changed = dict(recipe)
    if config is not None:
        changed["config"] = config
    if prior is not None:
        changed["prior"] = prior
    if user_words is not None:
        changed["user_words"] = tuple(user_words)
    if stopwords is not None:
        changed["stopwords"] = stopwords
    return changed


def _fold_scores(rows: _Rows, champion_recipe: dict, challenger_recipe: dict, trained_on: set[str],
                 n_splits: int, repeats: int, seed: int) -> tuple[list[float], list[float]]:
    """Macro-F1 of the champion's recipe (on the rows it was trained on) and of the challenger's (on all
    rows), fold by fold on the same splits."""
    labels = sorted(set(rows.labels))
    champion_scores: list[float] = []
    challenger_scores: list[float] = []
    for train, test in fold_splits(rows.labels, n_splits, repeats, seed):
        mine = train[np.isin(rows.keys[train], list(trained_on))]
        champion = _fit_or_none(champion_recipe, rows.titles[mine], rows.bodies[mine], rows.labels[mine])
        challenger = _fit_or_none(challenger_recipe, rows.titles[train], rows.bodies[train], rows.labels[train])
        truth = rows.labels[test]
        champion_scores.append(_macro_f1(champion, rows.titles[test], rows.bodies[test], truth, labels))
        challenger_scores.append(_macro_f1(challenger, rows.titles[test], rows.bodies[test], truth, labels))
    return champion_scores, challenger_scores


def _verdict(has_champion: bool, champion_scores: list[float], challenger_scores: list[float], folds: int,
             n_splits: int, repeats: int, tolerance: float) -> tuple[bool, str, float | None, float | None]:
    """(promoted, reason, champion mean, challenger mean)."""
    if not has_champion:
        return True, "此前没有当前模型：直接启用新模型", None, None
    if not challenger_scores:
        return False, f"各类别的数据太少，无法做 {folds} 折对比：保留当前模型", None, None
    champion_mean = float(np.mean(champion_scores))
    challenger_mean = float(np.mean(challenger_scores))
    promoted, verdict = promotion_decision(champion_mean, challenger_mean, tolerance)
    reason = (
        f"在相同的 {n_splits} 折 × {repeats} 次重复上，新模型宏 F1 {challenger_mean:.4f}，"
        f"当前模型 {champion_mean:.4f}：{verdict}"
    )
    return promoted, reason, champion_mean, challenger_mean


def _save_challenger(store: ModelStore, challenger: TextClassifier, data: Dataset, result: ChallengeResult,
                     started: float) -> None:
    """Save the challenger (not promoted), record the challenge, then promote when it won."""
    version = store.save(
        challenger,
        {"source": "challenger", **data.training_record(), "n_seed": result.n_seed, "n_labels": result.n_labels},
        promote=False,
    )
    result.challenger_version = version
    result.seconds = round(time.perf_counter() - started, 3)
    store.update_metadata(version, {"challenge": result.as_dict()})
    store.record_decision({"event": "challenge", **result.as_dict()})
    if result.promoted:
        store.promote(version, reason=result.reason)


def train_challenger(
    store: ModelStore,
    seed_rows: Dataset | Iterable,
    label_rows: Dataset | Iterable,
    *,
    config: ModelConfig | None = None,
    prior: Mapping[str, Iterable[str]] | None = None,
    user_words: Iterable[str] | None = None,
    stopwords: Iterable[str] | None = None,
    folds: int = 5,
    repeats: int = 1,
    seed: int = 0,
    tolerance: float = 0.0,
) -> ChallengeResult:
    """Train a challenger on seed + human labels, compare it with the current model, promote if not worse.

    `config`, `prior`, `user_words` default to the current model's (so a challenger differs only by its
    data); pass them to try a new recipe or a city's updated vocabulary.
    """
    started = time.perf_counter()
    seed_data, label_data = _as_dataset(seed_rows), _as_dataset(label_rows)
    data, waiting = _learnable((seed_data + label_data).deduplicated())
    rows = _Rows.of(data)

    champion_version = store.current_version()
    champion, champion_meta = store.load(champion_version) if champion_version else (None, {})
    champion_recipe = _recipe_of(champion)
    challenger_recipe = _with_overrides(champion_recipe, config, prior, user_words, stopwords)

    n_splits = int(min(folds, np.unique(rows.labels, return_counts=True)[1].min()))
    champion_scores: list[float] = []
    challenger_scores: list[float] = []
    if champion is not None and n_splits >= 2:
        # Rows the champion was trained on; without a record, assume the seed rows.
        trained_on = set(champion_meta.get("training_rows") or seed_data.row_keys())
        champion_scores, challenger_scores = _fold_scores(rows, champion_recipe, challenger_recipe, trained_on,
                                                          n_splits, repeats, seed)
    challenger = TextClassifier(
        challenger_recipe["config"], user_words=challenger_recipe["user_words"],
        stopwords=challenger_recipe["stopwords"],
    ).fit(rows.titles, rows.bodies, rows.labels, prior=challenger_recipe["prior"])

    promoted, reason, champion_mean, challenger_mean = _verdict(
        champion is not None, champion_scores, challenger_scores, folds, n_splits, repeats, tolerance)
    result = ChallengeResult(
        promoted=promoted, reason=reason, challenger_version="", champion_version=champion_version,
        challenger_score=challenger_mean, champion_score=champion_mean,
        challenger_fold_scores=challenger_scores, champion_fold_scores=champion_scores, tolerance=tolerance,
        folds=n_splits, repeats=repeats, n_seed=len(seed_data), n_labels=len(label_data),
        n_train=len(rows.labels), labels_waiting=waiting,
    )
    _save_challenger(store, challenger, data, result, started)
    return result
