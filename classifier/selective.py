"""Selective routing: above a confidence threshold a ticket is dispatched automatically, below it a
person decides with the top-3 suggestions.

The threshold is chosen on cross-validated predictions (each message scored by a model that did not see
it): the lowest confidence at which the auto-dispatched share is still at least `target_precision`
correct, which is the one with the largest coverage.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from classifier import NOTHING_PASSES


@dataclass(frozen=True)
class ThresholdChoice:
    threshold: float  # auto-dispatch when confidence >= threshold
    coverage: float  # share of messages at or above it
    precision: float  # share of those whose top label is right
    n: int  # messages the choice was made on
    target_precision: float

    def as_dict(self) -> dict:
        return asdict(self)


def wilson_lower_bound(successes: np.ndarray, trials: np.ndarray, z: float) -> np.ndarray:
    """Lower end of the Wilson score interval for a binomial proportion (z=0 gives the proportion)."""
    successes = np.asarray(successes, dtype=np.float64)
    trials = np.asarray(trials, dtype=np.float64)
    p = successes / trials
    if z == 0:
        return p
    z2 = z * z
    centre = p + z2 / (2 * trials)
    spread = z * np.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    return (centre - spread) / (1 + z2 / trials)


def choose_threshold(confidence, correct, target_precision: float = 0.95, z: float = 0.0) -> ThresholdChoice:
    """The lowest threshold whose accepted set is >= `target_precision` correct.

    Messages are accepted from the most confident down; a threshold can only fall between two distinct
    confidences (ties are accepted together). When no threshold reaches the target, nothing passes.
    With z > 0 the precision must clear the target by its Wilson lower bound: choosing the largest
    set that just reaches 95% on a few hundred messages is optimistic on new ones (the best of many
    noisy candidates), and the bound pays for that.
    """
    confidence = np.asarray(confidence, dtype=np.float64)
    correct = np.asarray(correct, dtype=bool)
    n = len(confidence)
    if n == 0:
        return ThresholdChoice(NOTHING_PASSES, 0.0, 0.0, 0, target_precision)
    order = np.argsort(-confidence, kind="stable")
    conf_sorted = confidence[order]
    hits = np.cumsum(correct[order])
    accepted = np.arange(1, n + 1)
    precision = hits / accepted
    bound = wilson_lower_bound(hits, accepted, z)
    # Only cut where the next confidence is strictly lower, so that ties fall on the same side.
    cut_allowed = np.append(conf_sorted[:-1] > conf_sorted[1:], True)
    ok = np.flatnonzero(cut_allowed & (bound >= target_precision - 1e-12))
    if len(ok) == 0:
        return ThresholdChoice(NOTHING_PASSES, 0.0, 0.0, n, target_precision)
    k = ok[-1]
    return ThresholdChoice(
        threshold=float(conf_sorted[k]),
        coverage=float(accepted[k] / n),
        precision=float(precision[k]),
        n=n,
        target_precision=target_precision,
    )


def coverage_at(confidence, correct, threshold: float) -> tuple[float, float]:
    """(coverage, precision) of auto-dispatching every message with confidence >= threshold.

    Precision is 1.0 by convention when nothing is accepted (no auto-dispatched ticket was wrong).
    """
    confidence = np.asarray(confidence, dtype=np.float64)
    correct = np.asarray(correct, dtype=bool)
    if len(confidence) == 0:
        return 0.0, 1.0
    accepted = confidence >= threshold
    if not accepted.any():
        return 0.0, 1.0
    return float(accepted.mean()), float(correct[accepted].mean())
