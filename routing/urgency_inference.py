"""The urgency model's prediction without scikit-learn: the fitted ``routing.urgency_model.UrgencyModel``
as arrays, run with NumPy and mmh3.

The model hashes a text's character 1–3-grams (scikit-learn's HashingVectorizer: MurmurHash3 of each
n-gram's UTF-8 bytes, seed 0, |hash| mod 2^16), weighs them by sublinear TF-IDF, normalises to unit
length, and applies two logistic regressions (live emergency or not; which service). Each step is a few
lines here; mmh3 is the same MurmurHash3 (x86, 32-bit) scikit-learn ships. Loading scikit-learn for
this costs every web process ≈ 90 MB (docs/benchmarks.md); tests hold the two equal on real texts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import mmh3
import numpy as np

from routing.text import normalize
from routing.urgency import REFERRALS

INFERENCE_FORMAT = 1
_WHITE_SPACES = re.compile(r"\s\s+")  # as scikit-learn's analyzers collapse them


def char_ngrams(text: str, low: int, high: int) -> list[str]:
    """scikit-learn's char analyzer: lower-cased, runs of white space collapsed, n-grams low..high."""
    text = _WHITE_SPACES.sub(" ", text.lower())
    return [text[i : i + n] for n in range(low, high + 1) for i in range(len(text) - n + 1)]


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class CompiledUrgencyModel:
    """P(live emergency) and the likeliest referral, as UrgencyModel.live computes them."""

    FORMAT, KIND = INFERENCE_FORMAT, "urgency"  # written by to_arrays; checked by the store before from_arrays

    @classmethod
    def from_model(cls, model: Any) -> CompiledUrgencyModel:
        """The arrays of a fitted UrgencyModel; refuses one whose features this module does not reproduce."""
        from routing.urgency_model import _vectorizer  # only where a model is trained: scikit-learn is there

        vectorizer, tfidf = _vectorizer(), model.tfidf_
        reproduced = (vectorizer.analyzer == "char" and vectorizer.lowercase and not vectorizer.alternate_sign
                      and vectorizer.norm is None and vectorizer.preprocessor is None
                      and vectorizer.strip_accents is None and tfidf.sublinear_tf and tfidf.use_idf
                      and tfidf.norm == "l2")
        if not reproduced:
            raise ValueError("urgency features changed: routing.urgency_inference must reproduce them first")
        compiled = cls()
        compiled.threshold = float(model.threshold)
        compiled.n_features = int(vectorizer.n_features)
        compiled.ngrams = tuple(int(n) for n in vectorizer.ngram_range)
        compiled.idf = np.asarray(model.tfidf_.idf_, dtype=np.float64)
        live_column = list(model.live_.classes_).index(True)
        sign = 1.0 if live_column == 1 else -1.0  # binary: the decision favours classes_[1]
        compiled.live_coef = sign * np.asarray(model.live_.coef_[0], dtype=np.float64)
        compiled.live_intercept = sign * float(model.live_.intercept_[0])
        if model.referral_ is None:
            compiled.referral_classes = np.zeros(0, dtype=str)
            compiled.referral_coef = np.zeros((0, compiled.n_features))
            compiled.referral_intercept = np.zeros(0)
        else:
            estimators = model.referral_.estimators_
            compiled.referral_classes = np.asarray([str(c) for c in model.referral_.classes_], dtype=str)
            compiled.referral_coef = np.vstack([np.asarray(e.coef_[0], dtype=np.float64) for e in estimators])
            compiled.referral_intercept = np.asarray([float(e.intercept_[0]) for e in estimators])
        return compiled

    @property
    def fitted(self) -> bool:
        return hasattr(self, "live_coef")

    def _features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(columns, values) of the text's unit-length sublinear TF-IDF vector."""
        counts: Counter = Counter()
        for gram in char_ngrams(normalize(text), *self.ngrams):  # as UrgencyModel._features
            counts[abs(mmh3.hash(gram.encode("utf-8"), 0, signed=True)) % self.n_features] += 1
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        columns = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        values = (np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts))) + 1.0) * self.idf[columns]
        return columns, values / np.sqrt((values * values).sum())

    def live_probability(self, texts: Sequence[str]) -> np.ndarray:
        return np.array([self.live(text)[0] for text in texts])

    def live(self, text: str) -> tuple[float, str | None]:
        """(P(live emergency), the likeliest service or None)."""
        columns, values = self._features(text)
        p = float(_expit(np.array([values @ self.live_coef[columns] + self.live_intercept]))[0])
        referral = None
        if len(self.referral_intercept):
            proba = _expit(self.referral_coef[:, columns] @ values + self.referral_intercept)
            if len(proba) == 1:  # one estimator: a two-class referral
                proba = np.array([1.0 - proba[0], proba[0]])
            proba = proba / proba.sum()
            best = str(self.referral_classes[int(proba.argmax())])
            referral = best if best in REFERRALS and proba.max() >= 0.5 else None
        return p, referral

    def to_arrays(self) -> tuple[dict, dict[str, np.ndarray]]:
        description = {"format": self.FORMAT, "kind": self.KIND, "threshold": self.threshold,
                       "n_features": self.n_features, "ngrams": list(self.ngrams),
                       "live_intercept": self.live_intercept}
        arrays = {"idf": self.idf, "live_coef": self.live_coef, "referral_classes": self.referral_classes,
                  "referral_coef": self.referral_coef, "referral_intercept": self.referral_intercept}
        return description, arrays

    @classmethod
    def from_arrays(cls, description: Mapping, arrays: Mapping[str, np.ndarray]) -> CompiledUrgencyModel:
        compiled = cls()
        compiled.threshold = float(description["threshold"])
        compiled.n_features = int(description["n_features"])
        compiled.ngrams = tuple(description["ngrams"])
        compiled.live_intercept = float(description["live_intercept"])
        compiled.idf = np.asarray(arrays["idf"], dtype=np.float64)
        compiled.live_coef = np.asarray(arrays["live_coef"], dtype=np.float64)
        compiled.referral_classes = np.asarray(arrays["referral_classes"])
        compiled.referral_coef = np.asarray(arrays["referral_coef"], dtype=np.float64)
        compiled.referral_intercept = np.asarray(arrays["referral_intercept"], dtype=np.float64)
        if len(compiled.idf) != compiled.n_features or len(compiled.live_coef) != compiled.n_features:
            raise ValueError("推理文件中的数组与特征数量不一致")
        return compiled

    def __repr__(self) -> str:
        return f"CompiledUrgencyModel(threshold {self.threshold:.3f})"
