import numpy as np
import pytest

from classifier.selective import NOTHING_PASSES, choose_threshold, coverage_at, wilson_lower_bound


def test_choose_threshold__hand_made_case():
    confidence = [0.99, 0.98, 0.97, 0.96, 0.95, 0.90, 0.80, 0.70, 0.60, 0.50]
    correct = [True, True, True, True, True, True, False, True, False, False]
    choice = choose_threshold(confidence, correct, 0.80)
    # top-8 has 7/8 = 0.875 right, top-9 7/9 = 0.78: the threshold is 0.70, covering 80%.
    assert choice.threshold == pytest.approx(0.70)
    assert choice.coverage == pytest.approx(0.8)
    assert choice.precision == pytest.approx(7 / 8)


def test_choose_threshold__ties_are_accepted_or_refused_together():
    confidence = [0.9, 0.8, 0.8, 0.8]
    correct = [True, True, False, False]
    choice = choose_threshold(confidence, correct, 0.9)
    assert choice.threshold == pytest.approx(0.9) and choice.coverage == pytest.approx(0.25)


def test_choose_threshold__nothing_passes_when_the_target_is_never_reached():
    choice = choose_threshold([0.9, 0.8], [False, True], 0.95)
    assert choice.threshold == NOTHING_PASSES > 1.0
    assert choice.coverage == 0.0
    assert coverage_at([0.999999, 1.0], [True, True], choice.threshold) == (0.0, 1.0)


def test_choose_threshold__wilson_bound_makes_it_more_careful():
    rng = np.random.default_rng(0)
    confidence = rng.random(400)
    correct = rng.random(400) < 0.5 + 0.5 * confidence  # more confident, more often right
    plain = choose_threshold(confidence, correct, 0.95)
    careful = choose_threshold(confidence, correct, 0.95, z=1.5)
    assert careful.threshold >= plain.threshold
    assert careful.coverage <= plain.coverage


def test_wilson_lower_bound__is_below_the_proportion_and_tightens_with_n():
    low_small = wilson_lower_bound(19, 20, 1.5)
    low_large = wilson_lower_bound(950, 1000, 1.5)
    assert low_small < low_large < 0.95
    assert wilson_lower_bound(19, 20, 0.0) == pytest.approx(0.95)


def test_coverage_at__share_and_precision_above_the_threshold():
    assert coverage_at([0.9, 0.8, 0.7, 0.6], [True, False, True, True], 0.75) == (0.5, 0.5)
