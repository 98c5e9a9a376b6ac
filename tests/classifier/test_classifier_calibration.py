import numpy as np
import pytest

from classifier.calibration import ScoreCalibrator, brier_score, expected_calibration_error


def _overconfident_scores(n=600, seed=0):
    """Scores whose argmax is right 70% of the time but whose softmax says ~100%."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    predicted = np.where(rng.random(n) < 0.7, y, (y + 1) % 3)
    scores = rng.normal(0, 0.1, (n, 3))
    scores[np.arange(n), predicted] += 20.0
    return scores, y


@pytest.mark.parametrize("method", ["temperature", "logistic"])
def test_calibrator__makes_overconfident_scores_honest(method):
    scores, y = _overconfident_scores()
    raw = np.exp(scores - scores.max(axis=1, keepdims=True))
    raw /= raw.sum(axis=1, keepdims=True)
    proba = ScoreCalibrator(method).fit(scores, y).predict_proba(scores)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert proba.max(axis=1).mean() == pytest.approx(0.7, abs=0.05)
    correct = proba.argmax(axis=1) == y
    assert expected_calibration_error(proba.max(axis=1), correct) < expected_calibration_error(
        raw.max(axis=1), correct
    )
    assert brier_score(proba, y) < brier_score(raw, y)


def test_temperature_scaling__never_changes_the_ranking():
    scores, y = _overconfident_scores()
    proba = ScoreCalibrator("temperature").fit(scores, y).predict_proba(scores)
    assert (proba.argmax(axis=1) == scores.argmax(axis=1)).all()


def test_brier_and_ece__hand_made_values():
    proba = np.array([[1.0, 0.0], [0.5, 0.5]])
    assert brier_score(proba, np.array([0, 1])) == pytest.approx((0 + 0.5) / 2)
    assert expected_calibration_error([0.95, 0.95], [True, False]) == pytest.approx(0.45)
    assert expected_calibration_error([0.75, 0.75, 0.75, 0.75], [True, True, True, False]) == pytest.approx(
        0.0
    )


def test_unknown_calibration_method_is_refused():
    with pytest.raises(ValueError, match="unknown calibration"):
        ScoreCalibrator("magic").fit(np.zeros((4, 2)), np.array([0, 1, 0, 1]))
