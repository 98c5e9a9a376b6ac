"""Familiarity (classifier/novelty.py): how close a text is to the training data, and the auto-dispatch
it withholds from texts far from it — never changing the suggested category."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from classifier import NOTHING_PASSES
from classifier.model import ModelConfig, TextClassifier
from classifier.novelty import (
    ALWAYS_FAMILIAR,
    Familiarity,
    class_centroids,
    cutoff,
    fit_familiarity,
    out_of_fold_similarity,
    similarity,
)
from classifier.store import ModelStore

# Texts of the tiny fixture's categories (water, noise, bus, property) and texts of none of them.
FAMILIAR_TEXT = "楼下广场舞音响开得特别大，吵得孩子没法写作业"
UNRELATED_TEXTS = ["酒店订了房到了说没房", "彩票中奖了去领奖说过期了"]

# Four features; class 0 lives on features 0–1, class 1 on features 2–3.
X_TOY = sp.csr_matrix(np.array([[1.0, 1.0, 0, 0], [2.0, 1.0, 0, 0], [0, 0, 1.0, 1.0], [0, 0, 1.0, 3.0]]))
Y_TOY = np.array([0, 0, 1, 1])


def test_class_centroids__unit_length_mean_direction_of_each_class():
    centroids = class_centroids(X_TOY, Y_TOY, 2).toarray()
    np.testing.assert_allclose(np.linalg.norm(centroids, axis=1), 1.0)
    assert centroids[0, 2:].sum() == 0 and centroids[1, :2].sum() == 0
    assert centroids[0, 0] > centroids[0, 1]  # both rows of class 0 weigh feature 0 at least as much


def test_class_centroids__keeps_the_largest_entries_of_every_class():
    centroids = class_centroids(X_TOY, Y_TOY, 2, max_entries=2).toarray()
    assert (centroids != 0).sum() == 2
    np.testing.assert_allclose(np.linalg.norm(centroids, axis=1), 1.0)  # no class left empty
    assert centroids[0, 0] == 1.0 and centroids[1, 3] == 1.0  # each class's strongest feature


def test_similarity__cosine_to_the_nearest_centroid():
    centroids = class_centroids(X_TOY, Y_TOY, 2)
    texts = sp.csr_matrix(np.array([[3.0, 2.0, 0, 0], [0, 0, 0, 0], [1.0, 0, 1.0, 0]]))
    scores = similarity(texts, centroids)
    assert scores[0] > 0.95  # the direction of class 0
    assert scores[1] == 0.0  # nothing known: as far as can be
    assert 0 < scores[2] < scores[0]  # half in each class: close to neither


def test_out_of_fold_similarity__a_row_is_never_scored_against_itself():
    folds = [(np.array([1, 3]), np.array([0, 2])), (np.array([0, 2]), np.array([1, 3]))]
    oof = out_of_fold_similarity(X_TOY, Y_TOY, folds, 2)
    in_sample = similarity(X_TOY, class_centroids(X_TOY, Y_TOY, 2))
    assert not np.isnan(oof).any()
    assert (oof <= in_sample + 1e-12).all() and (oof < in_sample - 1e-6).any()


def test_cutoff__the_quantile_of_out_of_fold_scores():
    scores = np.linspace(0.0, 1.0, 101)
    assert cutoff(scores, 0.05) == pytest.approx(0.05)
    assert cutoff(np.array([np.nan]), 0.05) == ALWAYS_FAMILIAR


def test_fit_familiarity__untitled_cutoff_from_untitled_rows():
    folds = [(np.array([1, 3]), np.array([0, 2])), (np.array([0, 2]), np.array([1, 3]))]
    untitled = np.array([False, True, False, True])
    familiarity = fit_familiarity(X_TOY, Y_TOY, 2, folds, untitled, quantile=0.0)
    oof = out_of_fold_similarity(X_TOY, Y_TOY, folds, 2)
    assert familiarity.titled_cutoff_ == pytest.approx(oof[~untitled].min(), abs=1e-6)
    assert familiarity.untitled_cutoff_ == pytest.approx(oof[untitled].min(), abs=1e-6)
    np.testing.assert_array_equal(familiarity.cutoffs(untitled), np.where(
        untitled, familiarity.untitled_cutoff_, familiarity.titled_cutoff_))


def test_familiarity__scores_as_the_cosine_to_the_nearest_centroid():
    centroids = class_centroids(X_TOY, Y_TOY, 2)
    texts = sp.csr_matrix(np.array([[3.0, 2.0, 0, 0], [0, 0, 0, 0], [1.0, 0, 1.0, 0]]))
    familiarity = Familiarity(centroids, 0.1, 0.2)
    np.testing.assert_allclose(familiarity.scores(texts), similarity(texts, centroids), atol=1e-3)


def test_familiarity__saved_as_plain_arrays_only():
    familiarity = Familiarity(class_centroids(X_TOY, Y_TOY, 2), 0.1, 0.2)
    familiarity.scores(X_TOY)  # builds the sparse matrix it computes with, which is not saved
    for value in familiarity.__getstate__().values():
        assert isinstance(value, (np.ndarray, float))


# -- in the model ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def wary_model(tiny_data, tiny_prior) -> TextClassifier:
    """The tiny fixture's model with a quarter of training-like texts held back: on 32 rows the default
    5 % quantile is the least familiar training row itself, too little to tell texts apart in a test."""
    config = ModelConfig(seed=7, novelty_quantile=0.25)
    return TextClassifier(config, user_words=["广场舞", "物业费"]).fit(
        tiny_data.titles, tiny_data.bodies, tiny_data.labels, prior=tiny_prior)


def test_model__a_training_like_text_is_familiar_an_unrelated_one_is_not(wary_model):
    assert wary_model.familiar([""], [FAMILIAR_TEXT]).all()
    assert not wary_model.familiar([""] * len(UNRELATED_TEXTS), UNRELATED_TEXTS).any()


def test_route__an_unfamiliar_text_is_never_auto_dispatched_but_keeps_its_suggestions(wary_model):
    for text in UNRELATED_TEXTS:
        decision = wary_model.route("", text)
        assert not decision.familiar and not decision.auto
        # The suggestions are the model's as ever: familiarity never changes the top-1.
        assert [label for label, _ in decision.suggestions] == [
            label for label, _ in wary_model.predict_top_k("", text)]


def test_route__a_familiar_text_is_dispatched_by_its_probability_alone(wary_model):
    decision = wary_model.route("", FAMILIAR_TEXT)
    assert decision.familiar
    assert decision.auto == (decision.probability >= wary_model.untitled_threshold)


def test_dispatch_thresholds__nothing_passes_for_unfamiliar_texts(wary_model):
    bars = wary_model.dispatch_thresholds(["", ""], [FAMILIAR_TEXT, UNRELATED_TEXTS[0]])
    assert bars[0] == wary_model.untitled_threshold and bars[1] == NOTHING_PASSES


def test_model__familiarity_off_or_absent_means_every_text_is_familiar(tiny_data, tiny_prior, wary_model):
    off = TextClassifier(ModelConfig(seed=7, novelty_quantile=None), user_words=["广场舞", "物业费"]).fit(
        tiny_data.titles, tiny_data.bodies, tiny_data.labels, prior=tiny_prior)
    assert off.familiarity_ is None and off.familiar([""], [UNRELATED_TEXTS[0]]).all()
    # Same recipe otherwise: the same probabilities, so the same top-1, with or without the score.
    np.testing.assert_allclose(off.predict_proba([""] * 2, UNRELATED_TEXTS),
                               wary_model.predict_proba([""] * 2, UNRELATED_TEXTS))
    del off.familiarity_  # a model saved before the score existed
    assert off.familiar([""], [UNRELATED_TEXTS[0]]).all()


def test_model__familiarity_survives_the_model_store(wary_model, tmp_path):
    store = ModelStore(tmp_path)
    loaded, _ = store.load(store.save(wary_model))
    texts = [FAMILIAR_TEXT, *UNRELATED_TEXTS]
    np.testing.assert_array_equal(loaded.familiar([""] * 3, texts), wary_model.familiar([""] * 3, texts))
    assert loaded.training_report["familiarity_cutoffs"]["untitled"] == wary_model.familiarity_.untitled_cutoff_
