"""Prediction without scikit-learn: the trained classifier's arrays, loaded and run with NumPy and
scipy.sparse only.

A web process needs four things to route a ticket: the features' vocabularies and IDF weights, the
linear scores' weights and biases, the calibration (a temperature, or a small logistic regression on
the scores) and the thresholds. `TextClassifier` (classifier.model) holds them inside scikit-learn-based
objects stored with skops; loading that file imports scikit-learn, SciPy's statistics and skops
(≈ 90 MB of RSS per process, docs/benchmarks.md) for nothing the prediction uses. `CompiledClassifier`
is the same model as plain arrays (`to_arrays`, `from_arrays`): the model store writes them beside the
skops file as an `.npz` (no pickle) and a JSON description (classifier.store), and the web loads those.

Both classes predict through `Predictor`, so they cannot drift apart: one code path turns a message
into probabilities. The familiarity score (classifier.novelty: how far a text is from the training data)
is computed in `Predictor` too, from the centroid arrays saved in `to_arrays`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp

from classifier.features import CharBlock, TicketFeatures, WordBlock, as_docs
from classifier.novelty import Familiarity
from classifier.selective import NOTHING_PASSES
from classifier.tokenizer import Tokenizer

INFERENCE_FORMAT = 1
_CHUNK = 1000  # messages per feature matrix in predict_proba


def softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted by the row maximum (as scipy.special.softmax)."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


class Prediction(NamedTuple):
    label: str
    probability: float
    auto: bool  # probability >= the model's threshold and the text familiar: dispatch without a person
    suggestions: list[tuple[str, float]]  # top-k (label, probability), best first
    familiar: bool = True  # False: the text is far from the training data (novelty.py), never auto


_GATHER_ENTRIES = 1 << 15  # feature entries per block in `sparse_dense_product`: ≤ 15 MB of temporaries


def sparse_dense_product(X: sp.csr_matrix, weights: np.ndarray) -> np.ndarray:
    """X @ weights in float64 for float16 weights, without a float32 copy of them.

    scipy.sparse would convert float16 weights to float32 at every product (a copy the size of the
    model); here each block of rows gathers the weight rows of its entries, scales them by the entries'
    values and sums them per row.
    """
    n_rows, n_columns = X.shape[0], weights.shape[1]
    out = np.zeros((n_rows, n_columns), dtype=np.float64)
    indptr = X.indptr
    row = 0
    while row < n_rows:
        end = int(np.searchsorted(indptr, indptr[row] + _GATHER_ENTRIES, side="right")) - 1
        end = min(max(end, row + 1), n_rows)  # at least one row, however many entries it has
        first, last = indptr[row], indptr[end]
        if last > first:
            block = weights[X.indices[first:last]].astype(np.float64)
            block *= X.data[first:last, None]
            lengths = np.diff(indptr[row : end + 1])
            filled = np.flatnonzero(lengths)
            out[row + filled] = np.add.reduceat(block, indptr[row:end][filled] - first, axis=0)
        row = end
    return out


class LinearScores:
    """A linear model reduced to what prediction needs: classes, weights and biases.

    The weights' values are float16 (the file stores float16). A trained model keeps them as float32
    (C-contiguous, transposed), with the features cast to float32 too, so that training's large
    sparse-dense products run in scipy without a copy; the arrays form keeps them as float16 — half the
    memory of every serving process (16 MB for the city-scale model) — and multiplies by gathering
    (`sparse_dense_product`, accumulated in float64).
    """

    classes_: np.ndarray
    weights_: np.ndarray  # (n_features, n_classes or 1)
    intercept_: np.ndarray

    def scores(self, X: sp.csr_matrix, classes: np.ndarray) -> np.ndarray:
        """Decision scores as an (n, len(classes)) matrix, whatever classes this model happened to see."""
        if self.weights_.dtype == np.float16:
            raw = sparse_dense_product(X, self.weights_) + self.intercept_
        else:
            raw = np.asarray(X.astype(np.float32) @ self.weights_, dtype=np.float64) + self.intercept_
        if raw.shape[1] == 1:  # binary: one column, positive means classes_[1]
            raw = np.column_stack([-raw[:, 0], raw[:, 0]])
        if len(self.classes_) == len(classes):
            return raw
        # A fold without any example of some label: that label gets a score below all others.
        scores = np.full((X.shape[0], len(classes)), raw.min() - 1.0)
        scores[:, np.searchsorted(classes, self.classes_)] = raw
        return scores


class TemperatureCalibration:
    """softmax(scores / T): classifier.calibration.ScoreCalibrator(method="temperature") once fitted."""

    def __init__(self, temperature: float):
        self.temperature = float(temperature)

    def predict_proba(self, scores: np.ndarray) -> np.ndarray:
        return softmax(np.asarray(scores, dtype=np.float64) / self.temperature)


class LogisticCalibration:
    """A fitted multinomial (or binary) logistic regression on the scores, as scikit-learn predicts it:
    ScoreCalibrator(method="logistic") once fitted."""

    def __init__(self, coef: np.ndarray, intercept: np.ndarray, classes: np.ndarray, n_classes: int):
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.classes = np.asarray(classes, dtype=np.int64)
        self.n_classes = int(n_classes)

    def predict_proba(self, scores: np.ndarray) -> np.ndarray:
        decision = np.asarray(scores, dtype=np.float64) @ self.coef.T + self.intercept
        if len(self.classes) <= 2:  # scikit-learn's binary case: one logistic column
            p = 1.0 / (1.0 + np.exp(-decision[:, 0]))
            fitted = np.column_stack([1.0 - p, p])
        else:
            fitted = softmax(decision)
        proba = np.zeros((scores.shape[0], self.n_classes))
        proba[:, self.classes] = fitted
        return proba


class Predictor:
    """Message -> calibrated probabilities -> routing decision. Shared by the trained `TextClassifier`
    and its `CompiledClassifier`; needs config, features_, scorer_, calibrator_, untitled_calibrator_
    (optional), familiarity_ (optional), classes_, threshold and untitled_threshold (optional)."""

    config: dict
    classes_: np.ndarray
    threshold: float

    @property
    def labels(self) -> list[str]:
        return [str(label) for label in self.classes_]

    def predict_proba(self, titles: Sequence[str | None], bodies: Sequence[str | None]) -> np.ndarray:
        """Calibrated probabilities, one row per message, columns in the order of `labels`."""
        return self._chunked(titles, bodies, self._proba)

    def familiar(self, titles: Sequence[str | None], bodies: Sequence[str | None]) -> np.ndarray:
        """Whether each message is close enough to the training data to be dispatched without a person
        (novelty.py); always True for a model without a familiarity score (saved before it, or off)."""
        return self._chunked(titles, bodies, self._familiar)

    def _chunked(self, titles, bodies, compute) -> np.ndarray:
        """compute(features, untitled) over the messages, in chunks: n-gram arrays grow with the batch."""
        if len(titles) > _CHUNK:
            return np.concatenate(
                [self._chunked(titles[i : i + _CHUNK], bodies[i : i + _CHUNK], compute)
                 for i in range(0, len(titles), _CHUNK)]
            )
        return compute(*self._features(titles, bodies))

    def _features(self, titles: Sequence[str | None], bodies: Sequence[str | None]
                  ) -> tuple[sp.csr_matrix, np.ndarray]:
        X = self.features_.transform(as_docs(titles, bodies, self.config["max_body_chars"]))
        untitled = np.array([not (t and str(t).strip()) for t in titles], dtype=bool)
        return X, untitled

    def _proba(self, X: sp.csr_matrix, untitled: np.ndarray) -> np.ndarray:
        scores = self._scores(self.scorer_, X, self.classes_, untitled)
        proba = self.calibrator_.predict_proba(scores)
        untitled_calibrator = getattr(self, "untitled_calibrator_", None)  # models saved before it: one
        if untitled_calibrator is not None and untitled.any():
            proba[untitled] = untitled_calibrator.predict_proba(scores[untitled])
        return proba

    def _familiar(self, X: sp.csr_matrix, untitled: np.ndarray) -> np.ndarray:
        familiarity = getattr(self, "familiarity_", None)
        if familiarity is None:
            return np.ones(X.shape[0], dtype=bool)
        return familiarity.familiar(X, untitled)

    def _scores(
        self, scorer: LinearScores, X: sp.csr_matrix, classes: np.ndarray, untitled: np.ndarray
    ) -> np.ndarray:
        """Decision scores; with equal_intercepts "untitled", the untitled rows' scores use the mean
        intercept (class-prior correction where the text says least)."""
        scores = scorer.scores(X, classes)
        correct = self.config.get("equal_intercepts") == "untitled" and untitled.any()
        if correct and len(scorer.classes_) == len(classes):
            scores[untitled] += scorer.intercept_.mean() - scorer.intercept_
        return scores

    def threshold_for(self, title: str | None) -> float:
        """The auto-dispatch threshold for a message with this title: untitled messages (callers'
        words) have their own (models saved before it existed use the one threshold)."""
        if title and str(title).strip():
            return self.threshold
        return getattr(self, "untitled_threshold", self.threshold)

    def thresholds(self, titles: Sequence[str | None]) -> np.ndarray:
        return np.array([self.threshold_for(t) for t in titles], dtype=np.float64)

    def dispatch_thresholds(self, titles: Sequence[str | None], bodies: Sequence[str | None]) -> np.ndarray:
        """The threshold each message's probability must reach to be dispatched automatically: its
        kind's threshold, or one nothing reaches when the text is unfamiliar."""
        return np.where(self.familiar(titles, bodies), self.thresholds(titles), NOTHING_PASSES)

    def predict(self, titles: Sequence[str | None], bodies: Sequence[str | None]) -> list[str]:
        proba = self.predict_proba(titles, bodies)
        return [str(label) for label in self.classes_[proba.argmax(axis=1)]]

    def predict_batch(
        self, titles: Sequence[str | None], bodies: Sequence[str | None], k: int = 3
    ) -> list[list[tuple[str, float]]]:
        """Top-k (label, probability) for each message, best first."""
        proba = self.predict_proba(titles, bodies)
        k = max(1, min(k, len(self.classes_)))
        top = np.argsort(-proba, axis=1, kind="stable")[:, :k]
        return [
            [(str(self.classes_[j]), float(row[j])) for j in idx] for row, idx in zip(proba, top, strict=True)
        ]

    def predict_top_k(self, title: str | None, body: str | None, k: int = 3) -> list[tuple[str, float]]:
        return self.predict_batch([title], [body], k=k)[0]

    def route(self, title: str | None, body: str | None, k: int = 3) -> Prediction:
        """The routing decision for one ticket: its best label, and whether to dispatch it without a person
        (confident enough and familiar enough; an unfamiliar text keeps its suggestions)."""
        X, untitled = self._features([title], [body])
        proba = self._proba(X, untitled)[0]
        familiar = bool(self._familiar(X, untitled)[0])
        top = np.argsort(-proba, kind="stable")[: max(1, min(k, len(self.classes_)))]
        suggestions = [(str(self.classes_[j]), float(proba[j])) for j in top]
        label, probability = suggestions[0]
        return Prediction(label, probability, familiar and probability >= self.threshold_for(title), suggestions,
                          familiar)


# -- the arrays form ------------------------------------------------------------------------------

_FEATURE_PARAMS = ("title_repeat", "word_ngrams", "char_ngrams", "title_char_ngrams", "max_body_chars",
                   "word_body_chars", "min_df", "max_terms")


def _calibration_arrays(calibrator: Any, prefix: str) -> tuple[dict, dict]:
    """(JSON description, arrays) of a fitted ScoreCalibrator or one of the calibrations above."""
    if isinstance(calibrator, TemperatureCalibration):
        return {"method": "temperature", "temperature": calibrator.temperature}, {}
    if isinstance(calibrator, LogisticCalibration):
        return {"method": "logistic", "n_classes": calibrator.n_classes}, {
            f"{prefix}_coef": calibrator.coef, f"{prefix}_intercept": calibrator.intercept,
            f"{prefix}_classes": calibrator.classes}
    if calibrator.method == "temperature":
        return {"method": "temperature", "temperature": float(calibrator.temperature_)}, {}
    logistic = calibrator.logistic_
    return {"method": "logistic", "n_classes": int(calibrator.n_classes_)}, {
        f"{prefix}_coef": np.asarray(logistic.coef_, dtype=np.float64),
        f"{prefix}_intercept": np.asarray(logistic.intercept_, dtype=np.float64),
        f"{prefix}_classes": np.asarray(logistic.classes_, dtype=np.int64)}


def _calibration(description: Mapping, arrays: Mapping[str, np.ndarray], prefix: str):
    if description["method"] == "temperature":
        return TemperatureCalibration(description["temperature"])
    if description["method"] == "logistic":
        return LogisticCalibration(arrays[f"{prefix}_coef"], arrays[f"{prefix}_intercept"],
                                   arrays[f"{prefix}_classes"], description["n_classes"])
    raise ValueError(f"未知的校准方法 {description['method']!r}")


def _utf8_lines(words: Sequence[str]) -> np.ndarray:
    return np.frombuffer("\n".join(words).encode("utf-8"), dtype=np.uint8).copy()


def _from_utf8_lines(array: np.ndarray, count: int) -> list[str]:
    words = bytes(np.asarray(array, dtype=np.uint8)).decode("utf-8").split("\n") if count else []
    if len(words) != count:
        raise ValueError("模型文件中的词表已损坏")
    return words


def _familiarity(cutoffs: Mapping | None, arrays: Mapping[str, np.ndarray], n_features: int
                 ) -> Familiarity | None:
    """The familiarity score of the arrays form (None: a model saved without one)."""
    if cutoffs is None:
        return None
    shape = tuple(int(n) for n in arrays["familiarity_shape"])
    centroids = sp.csr_matrix((arrays["familiarity_data"], arrays["familiarity_indices"],
                               arrays["familiarity_indptr"]), shape=shape)
    if shape[1] != n_features:
        raise ValueError("模型文件中的熟悉度质心与特征数量不一致")
    return Familiarity(centroids, cutoffs["titled_cutoff"], cutoffs["untitled_cutoff"])


class CompiledClassifier(Predictor):
    """A trained TextClassifier as arrays: predicts the same probabilities, loads without scikit-learn."""

    FORMAT, KIND = INFERENCE_FORMAT, "classifier"  # written by to_arrays; checked by the store before from_arrays

    @classmethod
    def from_model(cls, model: Any) -> CompiledClassifier:
        """The arrays of a fitted TextClassifier (or a CompiledClassifier), sharing them, not copying."""
        compiled = cls()
        compiled.config = dict(model.config)
        compiled.classes_ = np.asarray(model.classes_)
        compiled.threshold = float(model.threshold)
        compiled.untitled_threshold = float(getattr(model, "untitled_threshold", model.threshold))
        compiled.features_ = model.features_
        compiled.tokenizer = model.features_.tokenizer or Tokenizer()
        scorer = LinearScores()
        scorer.classes_ = np.asarray(model.scorer_.classes_)
        scorer.weights_ = np.ascontiguousarray(model.scorer_.weights_, dtype=np.float16)  # exact
        scorer.intercept_ = np.asarray(model.scorer_.intercept_, dtype=np.float64)
        compiled.scorer_ = scorer
        compiled.calibrator_ = _calibration(*_calibration_arrays(model.calibrator_, "calibrator"), "calibrator")
        untitled = getattr(model, "untitled_calibrator_", None)
        compiled.untitled_calibrator_ = (
            None if untitled is None else _calibration(*_calibration_arrays(untitled, "untitled"), "untitled"))
        compiled.familiarity_ = getattr(model, "familiarity_", None)  # models saved before it: none
        return compiled

    def to_arrays(self) -> tuple[dict, dict[str, np.ndarray]]:
        """(JSON-able description, named arrays): what `from_arrays` needs, nothing that needs pickle."""
        features = self.features_
        words, chars, title_chars = features.blocks_
        tokenizer = self.tokenizer
        calibrator, calibrator_arrays = _calibration_arrays(self.calibrator_, "calibrator")
        untitled, untitled_arrays = (None, {}) if self.untitled_calibrator_ is None else _calibration_arrays(
            self.untitled_calibrator_, "untitled")
        word_terms = words.terms()
        familiarity = getattr(self, "familiarity_", None)
        description = {
            "format": self.FORMAT,
            "kind": self.KIND,
            "config": self.config,
            "threshold": self.threshold,
            "untitled_threshold": self.untitled_threshold,
            "features": {name: getattr(features, name) for name in _FEATURE_PARAMS},
            "blocks": [{"ngrams": list(b.ngrams), "sublinear": b.sublinear} for b in features.blocks_],
            "n_word_terms": len(word_terms),
            "tokenizer": {"user_words": list(tokenizer.user_words), "stopwords": sorted(tokenizer.stopwords),
                          "hmm": tokenizer.hmm},
            "calibrator": calibrator,
            "untitled_calibrator": untitled,
            "familiarity": None if familiarity is None else {
                "titled_cutoff": familiarity.titled_cutoff_, "untitled_cutoff": familiarity.untitled_cutoff_},
        }
        arrays = {
            "classes": np.asarray(self.labels, dtype=str),
            "scorer_classes": np.asarray([str(c) for c in self.scorer_.classes_], dtype=str),
            # Exact: the weights are float16 values already (LinearScorer rounds them when fitted).
            "weights": np.asarray(self.scorer_.weights_, dtype=np.float16),
            "intercept": np.asarray(self.scorer_.intercept_, dtype=np.float64),
            "word_terms_utf8": _utf8_lines(word_terms),
            "word_idf": np.asarray(words.idf_, dtype=np.float32),
            "char_codes": np.asarray(chars.codes_, dtype=np.int64),
            "char_idf": np.asarray(chars.idf_, dtype=np.float32),
            "title_codes": np.asarray(title_chars.codes_, dtype=np.int64),
            "title_idf": np.asarray(title_chars.idf_, dtype=np.float32),
            **calibrator_arrays,
            **untitled_arrays,
            **({} if familiarity is None else {
                "familiarity_data": familiarity.data_, "familiarity_indices": familiarity.indices_,
                "familiarity_indptr": familiarity.indptr_, "familiarity_shape": familiarity.shape_}),
        }
        return description, arrays

    @classmethod
    def from_arrays(cls, description: Mapping, arrays: Mapping[str, np.ndarray]) -> CompiledClassifier:
        compiled = cls()
        compiled.config = dict(description["config"])
        compiled.classes_ = np.asarray(arrays["classes"])
        compiled.threshold = float(description["threshold"])
        compiled.untitled_threshold = float(description["untitled_threshold"])
        tok = description["tokenizer"]
        compiled.tokenizer = Tokenizer(tok["user_words"], tok["stopwords"], hmm=tok["hmm"])
        params = dict(description["features"])
        for key in ("word_ngrams", "char_ngrams", "title_char_ngrams"):
            params[key] = tuple(params[key])
        features = TicketFeatures(tokenizer=compiled.tokenizer, **params)
        (word_spec, char_spec, title_spec) = description["blocks"]
        words = WordBlock(tuple(word_spec["ngrams"]), word_spec["sublinear"])
        terms = _from_utf8_lines(arrays["word_terms_utf8"], description["n_word_terms"])
        words.vocabulary_ = {t: i for i, t in enumerate(terms)}
        words.idf_ = np.asarray(arrays["word_idf"], dtype=np.float32)
        blocks = [words]
        for spec, name in ((char_spec, "char"), (title_spec, "title")):
            block = CharBlock(tuple(spec["ngrams"]), spec["sublinear"])
            block.codes_ = np.asarray(arrays[f"{name}_codes"], dtype=np.int64)
            block.idf_ = np.asarray(arrays[f"{name}_idf"], dtype=np.float32)
            blocks.append(block)
        if any(len(b.idf_) != b.n_features for b in blocks):
            raise ValueError("模型文件中的词表与其权重数量不一致")
        features.blocks_ = tuple(blocks)
        compiled.features_ = features
        scorer = LinearScores()
        scorer.classes_ = np.asarray(arrays["scorer_classes"])
        scorer.weights_ = np.ascontiguousarray(arrays["weights"], dtype=np.float16)
        scorer.intercept_ = np.asarray(arrays["intercept"], dtype=np.float64)
        if scorer.weights_.shape[0] != features.n_features:
            raise ValueError("模型文件中的权重与特征数量不一致")
        compiled.scorer_ = scorer
        compiled.calibrator_ = _calibration(description["calibrator"], arrays, "calibrator")
        untitled = description.get("untitled_calibrator")
        compiled.untitled_calibrator_ = None if untitled is None else _calibration(untitled, arrays, "untitled")
        compiled.familiarity_ = _familiarity(description.get("familiarity"), arrays, features.n_features)
        return compiled

    def __repr__(self) -> str:
        return f"CompiledClassifier({len(self.classes_)} labels, threshold {self.threshold:.3f})"


__all__ = ["CompiledClassifier", "LinearScores", "Prediction", "Predictor", "softmax"]
