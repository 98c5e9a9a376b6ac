"""Turning linear decision scores into probabilities that mean what they say, and measuring it.

The calibrator is fitted on out-of-fold decision scores (scores of rows the SVM did not see), the same
idea as scikit-learn's `CalibratedClassifierCV(ensemble=False)`. It is done by hand here for two reasons:
the taxonomy keyword rows must help train every fold's SVM but must never be scored as calibration
data (`cross_val_predict` insists that the test folds cover every row), and the out-of-fold scores are
needed again to choose the auto-dispatch threshold.

Temperature scaling (softmax(scores / T), one parameter, multi-class by construction) is the default:
with a few hundred rows it cannot over-fit, and it never changes which label comes first.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression

_LOG_T_BOUNDS = (-6.0, 4.0)  # temperature between 0.0025 and 55: wide enough for any linear SVM


class ScoreCalibrator(BaseEstimator):
    """Maps decision scores (n, k) to probabilities (n, k).

    method="temperature": softmax(scores / T), T minimising the log loss.
    method="logistic": a multinomial logistic regression on the scores (per-class scales and biases).
    Classes are the column indices 0..k-1.
    """

    def __init__(self, method: str = "temperature"):
        self.method = method

    def fit(self, scores: np.ndarray, y_index: np.ndarray) -> ScoreCalibrator:
        scores = np.asarray(scores, dtype=np.float64)
        y_index = np.asarray(y_index, dtype=np.int64)
        self.n_classes_ = scores.shape[1]
        if self.method == "temperature":
            rows = np.arange(len(y_index))

            def nll(log_t: float) -> float:
                return -log_softmax(scores / np.exp(log_t), axis=1)[rows, y_index].mean()

            result = minimize_scalar(nll, bounds=_LOG_T_BOUNDS, method="bounded")
            self.temperature_ = float(np.exp(result.x))
        elif self.method == "logistic":
            model = LogisticRegression(C=1.0, max_iter=1000)
            model.fit(scores, y_index)
            self.logistic_ = model
        else:
            raise ValueError(f"unknown calibration method {self.method!r} (temperature or logistic)")
        return self

    def predict_proba(self, scores: np.ndarray) -> np.ndarray:
        scores = np.asarray(scores, dtype=np.float64)
        if self.method == "temperature":
            return softmax(scores / self.temperature_, axis=1)
        proba = np.zeros((scores.shape[0], self.n_classes_))
        proba[:, self.logistic_.classes_] = self.logistic_.predict_proba(scores)
        return proba


def brier_score(proba: np.ndarray, y_index: np.ndarray) -> float:
    """Multi-class Brier score: mean squared distance to the one-hot truth (0 is perfect, 2 the worst)."""
    proba = np.asarray(proba, dtype=np.float64)
    truth = np.zeros_like(proba)
    truth[np.arange(len(y_index)), y_index] = 1.0
    return float(((proba - truth) ** 2).sum(axis=1).mean())


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, n_bins: int = 10) -> float:
    """Top-label ECE: |accuracy - confidence| averaged over equal-width confidence bins, weighted by size."""
    confidence = np.asarray(confidence, dtype=np.float64)
    correct = np.asarray(correct, dtype=np.float64)
    if len(confidence) == 0:
        return 0.0
    bins = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    error = 0.0
    for b in range(n_bins):
        in_bin = bins == b
        if in_bin.any():
            error += in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return float(error)
