"""Repeated stratified cross-validation of the classifier, and the figures the issue asks for.

Every fold trains a complete model (features, SVM, calibration, threshold) on the training part only:
the evaluation fold's rows are never seen, not even for the vocabulary or the IDF. The prior
(taxonomy keywords) is the same for every fold: it is knowledge about the categories, not data.

Figures:
* macro-F1 and accuracy per test fold, mean and std over folds x repeats;
* per-class precision/recall/F1 and the confusion matrix, pooled over all test folds of all repeats;
* selective routing, two ways —
  - "pooled": per repeat, every message has one out-of-fold probability; the threshold giving
    >= 95% precision is chosen on them and its coverage reported (what the issue asks for);
  - "held-out": each fold's model uses the threshold it chose itself at training time (by inner CV),
    applied to its unseen test fold: the precision and coverage the live system would really get;
* calibration: multi-class Brier score and top-label ECE of the out-of-fold probabilities;
* latency of a model trained on all rows: single-message p50/p99 and batch time per message;
* top-1 / top-3 and, beside ours, the reference baseline (character 1–3-gram TF-IDF + LinearSVC,
  scikit-learn defaults) on the same folds: its confidence is its top decision score, its threshold
  the lowest reaching 95% on its own out-of-fold scores.

`evaluate_caller_set`: a model trained on all rows judged on texts written apart from the training data
(callers' words: no title, spoken, several authors' styles) — top-1, top-3, coverage and precision at
the model's own threshold, per split and per author style, beside the baseline trained on the same rows.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from classifier.calibration import brier_score, expected_calibration_error
from classifier.data import Dataset
from classifier.model import ModelConfig, TextClassifier
from classifier.selective import choose_threshold, coverage_at


def _aligned(proba: np.ndarray, model_labels: Sequence[str], labels: Sequence[str]) -> np.ndarray:
    """Probabilities in the column order of `labels` (a label the fold never saw gets 0)."""
    out = np.zeros((proba.shape[0], len(labels)))
    position = {label: j for j, label in enumerate(labels)}
    for j, label in enumerate(model_labels):
        out[:, position[label]] = proba[:, j]
    return out


def baseline_model():
    """The reference baseline: character 1–3-gram TF-IDF + LinearSVC with scikit-learn's defaults."""
    return make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 3)), LinearSVC())


def _joined(titles, bodies) -> list[str]:
    return [f"{t or ''} {b or ''}".strip() for t, b in zip(titles, bodies, strict=True)]


def _baseline_scores(model, titles, bodies, labels: Sequence[str]) -> np.ndarray:
    return _aligned(model.decision_function(_joined(titles, bodies)), list(model.classes_), labels)


def topk_figures(scores: np.ndarray, y_index: np.ndarray, threshold) -> dict:
    """top-1, top-3, and coverage / precision of accepting every row whose top score >= threshold (one
    value, or one per row)."""
    order = np.argsort(-scores, axis=1, kind="stable")
    right = order[:, 0] == y_index
    top3 = (order[:, :3] == y_index[:, None]).any(axis=1)
    coverage, precision = coverage_at(scores.max(axis=1), right, threshold)
    accepted = scores.max(axis=1) >= threshold
    return {"n": len(y_index), "top1": float(right.mean()), "top3": float(top3.mean()),
            "threshold": float(np.max(threshold)) if len(y_index) else 0.0, "coverage": coverage, "precision": precision,
            "accepted": int(accepted.sum()), "accepted_wrong": int((accepted & ~right).sum())}


def fold_splits(
    labels: Sequence[str], folds: int, repeats: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (train, test) index pairs of repeated stratified k-fold, in repeat order."""
    y = np.asarray(labels)
    splitter = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    return list(splitter.split(np.zeros(len(y)), y))


def measure_latency(
    model: TextClassifier, titles: Sequence[str], bodies: Sequence[str], n_single: int = 300
) -> dict:
    """Single-message p50/p99 (ms) over the first `n_single` messages, and batch ms per message."""
    n_single = min(n_single, len(titles))
    model.predict_top_k(titles[0], bodies[0])  # first call builds caches (jieba dictionary)
    timings = []
    for title, body in zip(titles[:n_single], bodies[:n_single], strict=True):
        started = time.perf_counter()
        model.predict_top_k(title, body)
        timings.append(time.perf_counter() - started)
    started = time.perf_counter()
    model.predict_batch(titles, bodies)
    batch = time.perf_counter() - started
    return {
        "single_p50_ms": float(np.percentile(timings, 50) * 1e3),
        "single_p99_ms": float(np.percentile(timings, 99) * 1e3),
        "batch_ms_per_message": float(batch / len(titles) * 1e3),
        "batch_messages_per_second": float(len(titles) / batch),
        "n_single": n_single,
        "n_batch": len(titles),
    }


def evaluate(
    data: Dataset,
    *,
    folds: int = 5,
    repeats: int = 5,
    seed: int = 0,
    config: ModelConfig | None = None,
    prior: Mapping[str, Iterable[str]] | None = None,
    user_words: Iterable[str] = (),
    latency: bool = True,
    progress=None,
    baseline: bool = True,
) -> dict:
    """Cross-validate the classifier on `data`; returns a JSON-ready report (see module docstring)."""
    config = config or ModelConfig()
    user_words = tuple(user_words)
    titles = np.asarray(data.titles, dtype=object)
    bodies = np.asarray(data.bodies, dtype=object)
    y = np.asarray(data.labels)
    labels = sorted(set(data.labels))

    def fit(train: np.ndarray) -> TextClassifier:
        return TextClassifier(config, user_words=user_words).fit(titles[train], bodies[train], y[train], prior=prior)

    oof = np.zeros((repeats, len(y), len(labels)))
    base_oof = np.zeros((repeats, len(y), len(labels)))
    per_fold = []
    splits = fold_splits(y, folds, repeats, seed)
    for number, (train, test) in enumerate(splits):
        if baseline:
            reference = baseline_model().fit(_joined(titles[train], bodies[train]), y[train])
            base_oof[number // folds, test] = _baseline_scores(reference, titles[test], bodies[test], labels)
        started = time.perf_counter()
        model = fit(train)
        fit_seconds = time.perf_counter() - started
        proba = _aligned(model.predict_proba(titles[test], bodies[test]), model.labels, labels)
        oof[number // folds, test] = proba
        per_fold.append(_fold_scores(proba, y[test], labels, model.dispatch_thresholds(titles[test], bodies[test]),
                                     fit_seconds, model.threshold))
        if progress:
            progress(number + 1, len(splits), per_fold[-1])

    y_index = np.searchsorted(labels, y)
    pooled = _pooled_choices(oof, y_index, config.target_precision)

    # top-1 / top-3 and the threshold's coverage and precision, ours beside the baseline, per repeat.
    def repeat_figures(scores: np.ndarray) -> dict:
        runs = []
        for r in range(repeats):
            choice = choose_threshold(scores[r].max(axis=1), scores[r].argmax(axis=1) == y_index,
                                      config.target_precision)
            runs.append(topk_figures(scores[r], y_index, choice.threshold))
        return {key: float(np.mean([run[key] for run in runs]))
                for key in ("top1", "top3", "coverage", "precision", "threshold")}

    topk = {"ours": repeat_figures(oof)}
    n_accepted = sum(f["accepted"] for f in per_fold)
    topk["ours"]["heldout_coverage"] = n_accepted / (len(y) * repeats)
    topk["ours"]["heldout_precision"] = sum(f["accepted_correct"] for f in per_fold) / max(1, n_accepted)
    if baseline:
        topk["baseline"] = repeat_figures(base_oof)
    report = {
        "n_messages": len(y),
        "labels": labels,
        "folds": folds,
        "repeats": repeats,
        "seed": seed,
        "config": config.as_dict(),
        "prior_labels": sorted(set(prior) & set(labels)) if prior else [],
        "macro_f1": _mean_std(per_fold, "macro_f1"),
        "accuracy": _mean_std(per_fold, "accuracy"),
        **_per_class_and_confusion(oof, y, labels, repeats),
        "selective": _selective(per_fold, pooled, config.target_precision, len(y) * repeats),
        "calibration": {"brier": _mean_std(pooled, "brier"), "ece": _mean_std(pooled, "ece")},
        "topk": topk,
        "fit_seconds": _mean_std(per_fold, "fit_seconds"),
    }
    if latency:
        final = fit(np.arange(len(y)))
        report["latency"] = measure_latency(final, list(titles), list(bodies))
        report["n_features"] = final.training_report["n_features"]
    return report


def _mean_std(records: list[dict], key: str) -> dict:
    values = np.array([record[key] for record in records])
    return {"mean": float(values.mean()), "std": float(values.std())}


def _fold_scores(proba: np.ndarray, truth: np.ndarray, labels: list[str], threshold, fit_seconds: float,
                 model_threshold: float | None = None) -> dict:
    """One test fold scored by the model trained without it, at that model's own threshold (one value,
    or one per message: titled and untitled ones have their own)."""
    predicted = np.asarray(labels)[proba.argmax(axis=1)]
    held_coverage, held_precision = coverage_at(proba.max(axis=1), predicted == truth, threshold)
    accepted = proba.max(axis=1) >= threshold
    return {
        "macro_f1": float(f1_score(truth, predicted, average="macro", labels=labels, zero_division=0)),
        "accuracy": float(accuracy_score(truth, predicted)),
        "threshold": float(model_threshold if model_threshold is not None else np.max(threshold)),
        "heldout_coverage": held_coverage,
        "heldout_precision": held_precision,
        "accepted": int(accepted.sum()),
        "accepted_correct": int((accepted & (predicted == truth)).sum()),
        "fit_seconds": fit_seconds,
    }


def _pooled_choices(oof: np.ndarray, y_index: np.ndarray, target_precision: float) -> list[dict]:
    """Per repeat: the threshold chosen on all out-of-fold predictions, its coverage, and calibration."""
    pooled = []
    for repeat in oof:
        confidence = repeat.max(axis=1)
        correct = repeat.argmax(axis=1) == y_index
        choice = choose_threshold(confidence, correct, target_precision)
        pooled.append({
            "threshold": choice.threshold,
            "coverage": choice.coverage,
            "precision": choice.precision,
            "brier": brier_score(repeat, y_index),
            "ece": expected_calibration_error(confidence, correct),
        })
    return pooled


def _per_class_and_confusion(oof: np.ndarray, y: np.ndarray, labels: list[str], repeats: int) -> dict:
    all_true = np.tile(y, repeats)
    all_pred = np.asarray(labels)[oof.argmax(axis=2).ravel()]
    precision, recall, f1, support = precision_recall_fscore_support(
        all_true, all_pred, labels=labels, zero_division=0
    )
    return {
        "per_class": {
            label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s) // repeats}
            for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
        },
        "confusion_matrix": {
            "labels": labels,
            "rows_true_columns_predicted": confusion_matrix(all_true, all_pred, labels=labels).tolist(),
            "note": f"summed over {repeats} repeats: each message counted {repeats} times",
        },
    }


def _selective(per_fold: list[dict], pooled: list[dict], target_precision: float, predictions: int) -> dict:
    # Accepted by each fold's own threshold, pooled over all test folds: what the live system would do.
    accepted = sum(f["accepted"] for f in per_fold)
    accepted_correct = sum(f["accepted_correct"] for f in per_fold)
    return {
        "target_precision": target_precision,
        "pooled_threshold": _mean_std(pooled, "threshold"),
        "pooled_coverage": _mean_std(pooled, "coverage"),
        "pooled_precision": _mean_std(pooled, "precision"),
        "heldout_threshold": _mean_std(per_fold, "threshold"),
        "heldout_coverage": _mean_std(per_fold, "heldout_coverage"),
        "heldout_precision": _mean_std(per_fold, "heldout_precision"),
        "heldout_pooled_coverage": accepted / predictions,
        "heldout_pooled_precision": accepted_correct / accepted if accepted else 1.0,
    }


def evaluate_caller_set(
    data: Dataset,
    caller: Dataset,
    *,
    groups: Mapping[str, Sequence[str]] | None = None,
    config: ModelConfig | None = None,
    prior: Mapping[str, Iterable[str]] | None = None,
    user_words: Iterable[str] = (),
    model: TextClassifier | None = None,
    seed: int = 0,
) -> dict:
    """A model trained on all of `data` (or the given `model`) judged on `caller`, beside the baseline.

    groups: named row selections of the caller set (e.g. "split" -> ["dev", "holdout", …], "author_style"
    -> [...]), each reported on its own. The baseline is trained on the same rows; its threshold is the
    lowest top decision score at which its 5-fold out-of-fold predictions on `data` are 95% right.
    """
    config = config or ModelConfig()
    labels = sorted(set(data.labels))
    unknown = sorted(set(caller.labels) - set(labels))
    if unknown:
        raise ValueError(f"来电措辞集中有训练数据没有的类别：{', '.join(unknown)}")
    if model is None:
        model = TextClassifier(config, user_words=tuple(user_words)).fit(
            data.titles, data.bodies, data.labels, prior=prior)
    y_index = np.searchsorted(labels, np.asarray(caller.labels))
    ours = _aligned(model.predict_proba(caller.titles, caller.bodies), model.labels, labels)
    # Unfamiliar texts (novelty.py) get a threshold nothing reaches: a person decides. Held back as
    # unfamiliar = confident enough for its kind's threshold, but given the higher bar (read off the bars,
    # not from a second familiarity pass, which would segment every text again).
    thresholds = model.dispatch_thresholds(caller.titles, caller.bodies)
    kind_thresholds = model.thresholds(caller.titles)
    withheld = (ours.max(axis=1) >= kind_thresholds) & (thresholds > kind_thresholds)

    y_train = np.asarray(data.labels)
    texts = _joined(data.titles, data.bodies)
    folds = StratifiedKFold(n_splits=min(5, int(np.unique(y_train, return_counts=True)[1].min())),
                            shuffle=True, random_state=seed)
    base_oof = cross_val_predict(baseline_model(), texts, y_train, cv=folds, method="decision_function")
    base_choice = choose_threshold(base_oof.max(axis=1), base_oof.argmax(axis=1) == np.searchsorted(labels, y_train),
                                   config.target_precision)
    reference = baseline_model().fit(texts, y_train)
    base = _baseline_scores(reference, caller.titles, caller.bodies, labels)

    def figures(rows: np.ndarray) -> dict:
        mine = topk_figures(ours[rows], y_index[rows], thresholds[rows])
        mine["threshold"] = float(np.max(kind_thresholds[rows])) if len(rows) else 0.0
        # Confident enough but held back as unfamiliar, and how many of those were wrong.
        right = ours[rows].argmax(axis=1) == y_index[rows]
        mine["withheld_unfamiliar"] = int(withheld[rows].sum())
        mine["withheld_unfamiliar_wrong"] = int((withheld[rows] & ~right).sum())
        return {"ours": mine, "baseline": topk_figures(base[rows], y_index[rows], base_choice.threshold)}

    report = {"n": len(caller), "labels": labels, "all": figures(np.arange(len(caller))), "groups": {}}
    for name, values in (groups or {}).items():
        values = np.asarray(values)
        report["groups"][name] = {str(v): figures(np.flatnonzero(values == v)) for v in sorted(set(values))}
    predicted = np.asarray(labels)[ours.argmax(axis=1)]
    report["errors"] = [
        {"text": (caller.bodies[i] or caller.titles[i])[:60], "label": caller.labels[i], "predicted": predicted[i],
         "probability": round(float(ours[i].max()), 3), "auto": bool(ours[i].max() >= thresholds[i]),
         "withheld_unfamiliar": bool(withheld[i])}
        for i in np.flatnonzero(ours.argmax(axis=1) != y_index)
    ]
    return report
