"""Callers' words: the caller-like copies, the class-prior correction, the untitled threshold, and the
demo city's matter types on texts written apart from its seed examples (tests/classifier/fixtures/
caller_demo_city.csv, 5 per matter type, several authors' styles)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from classifier.city import load_city_vocabulary
from classifier.data import read_training_csv
from classifier.evaluation import evaluate_caller_set
from classifier.model import ModelConfig, TextClassifier

DEMO_CITY = Path(__file__).resolve().parents[2] / "hotline" / "demo_city"


def test_callers__titled_rows_train_caller_like_copies_with_their_own_threshold(tiny_model, tiny_data):
    report = tiny_model.training_report
    titled = sum(1 for t in tiny_data.titles if t.strip())
    assert report["n_caller_copies"] == titled
    assert "untitled_threshold" in report and 0 < tiny_model.untitled_threshold <= 1.0 + 1e-9
    assert tiny_model.threshold_for("标题") == tiny_model.threshold
    assert tiny_model.threshold_for("") == tiny_model.threshold_for(None) == tiny_model.untitled_threshold
    decision = tiny_model.route("", "小区旁边的工地半夜打桩")
    assert decision.auto == (decision.familiar and decision.probability >= tiny_model.untitled_threshold)


def test_callers__intercepts_are_equal_after_the_class_prior_correction(tiny_model):
    intercepts = tiny_model.scorer_.intercept_
    assert np.allclose(intercepts, intercepts.mean())


def test_callers__the_old_recipe_is_still_available(tiny_data, tiny_prior):
    config = ModelConfig(seed=7, caller_copy_chars=None, equal_intercepts="none")
    model = TextClassifier(config).fit(tiny_data.titles, tiny_data.bodies, tiny_data.labels, prior=tiny_prior)
    assert model.training_report["n_caller_copies"] == 0
    assert not np.allclose(model.scorer_.intercept_, model.scorer_.intercept_.mean())


def test_callers__a_model_saved_before_the_untitled_threshold_uses_its_one_threshold(tiny_data):
    model = TextClassifier(ModelConfig(seed=1)).fit(tiny_data.titles, tiny_data.bodies, tiny_data.labels)
    del model.untitled_threshold, model.untitled_calibrator_
    assert model.threshold_for("") == model.threshold
    assert model.predict_proba([""], ["楼下广场舞太吵"]).shape == (1, len(model.labels))


@pytest.fixture(scope="module")
def demo_report():
    seed = DEMO_CITY / "seed_examples.csv"
    if not seed.is_file():
        pytest.skip(f"demo city seed examples {seed} are absent")
    city = load_city_vocabulary(DEMO_CITY)
    caller = read_training_csv(Path(__file__).resolve().parent / "fixtures" / "caller_demo_city.csv")
    return evaluate_caller_set(read_training_csv(seed), caller, prior=city.category_keywords, user_words=city.words)


def test_callers__demo_city_matter_types_on_callers_words(demo_report):
    ours, baseline = demo_report["all"]["ours"], demo_report["all"]["baseline"]
    assert demo_report["n"] >= 5 * 59
    assert ours["top1"] >= 0.90 and ours["top3"] >= 0.97, ours
    assert ours["precision"] >= 0.95 and ours["coverage"] >= 0.70, ours
    assert ours["top3"] >= baseline["top3"] - 0.01, (ours, baseline)
