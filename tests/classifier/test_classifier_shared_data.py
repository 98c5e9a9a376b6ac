"""The classifier on the real citizen messages in ../shared/data (skipped where they are absent).

Targets from the issue: 5x5 repeated stratified CV macro-F1 >= 0.80 on the 493 gold messages, and
>= 55% of messages auto-routed at >= 95% precision. The prior is the contest's own taxonomy
(sub-category names of each label), prior knowledge the issue allows; it is never message data.
"""

import csv
import time

import numpy as np
import pytest

from classifier.data import prior_words, read_texts
from classifier.evaluation import evaluate
from classifier.model import TextClassifier
from classifier.store import ModelStore


@pytest.fixture(scope="module")
def full_model(shared_messages, shared_prior) -> TextClassifier:
    data = shared_messages
    model = TextClassifier(user_words=prior_words(shared_prior))
    return model.fit(data.titles, data.bodies, data.labels, prior=shared_prior)


# 25 fits, each choosing its thresholds over 5 inner fold splits (below 1,000 rows): ≈ 4 min on a quiet
# 2-core machine, more beside a second xdist worker; the suite's 300 s default is too tight for it.
@pytest.mark.timeout(900)
def test_shared_data__5x5_cross_validation_meets_the_targets(shared_messages, shared_prior):
    if shared_prior is None:
        pytest.skip("the taxonomy spreadsheet (raw/teddycup2020C_attachment1_taxonomy.xlsx) is missing")
    report = evaluate(
        shared_messages,
        folds=5,
        repeats=5,
        prior=shared_prior,
        user_words=prior_words(shared_prior),
        latency=False,
    )
    assert report["n_messages"] == 493 and len(report["labels"]) == 7
    assert report["macro_f1"]["mean"] >= 0.80, report["macro_f1"]
    selective = report["selective"]
    assert selective["pooled_coverage"]["mean"] >= 0.55, selective
    assert selective["pooled_precision"]["mean"] >= 0.95
    # The threshold each model chose for itself holds on messages it never saw (within noise).
    assert selective["heldout_pooled_precision"] >= 0.93, selective
    assert report["calibration"]["ece"]["mean"] < 0.10


def test_shared_data__model_on_all_493_understands_callers(full_model, fixtures_dir):
    """Complaints written the way callers speak (no title, spoken style), hand-labelled for this test."""
    path = fixtures_dir / "caller_phrased.csv"
    titles, bodies = read_texts(path)
    with path.open(encoding="utf-8") as handle:
        truth = [row["label"] for row in csv.DictReader(handle)]
    top3 = full_model.predict_batch(titles, bodies, k=3)
    top1_accuracy = np.mean([s[0][0] == t for s, t in zip(top3, truth, strict=True)])
    top3_accuracy = np.mean([t in [label for label, _ in s] for s, t in zip(top3, truth, strict=True)])
    assert top1_accuracy >= 0.80, top1_accuracy
    assert top3_accuracy >= 0.94, top3_accuracy


def test_shared_data__model_is_small_and_fast(full_model, shared_messages, tmp_path):
    meta = ModelStore(tmp_path).load(ModelStore(tmp_path).save(full_model))[1]
    assert meta["model_bytes"] <= 20_000_000
    full_model.predict_batch(shared_messages.titles[:10], shared_messages.bodies[:10])
    started = time.perf_counter()
    full_model.predict_batch(shared_messages.titles, shared_messages.bodies)
    per_message_ms = (time.perf_counter() - started) / len(shared_messages) * 1e3
    assert (
        per_message_ms < 5.0
    )  # the target (0.5 ms) is measured by bench/classifier.py; this catches regressions


def test_shared_data__caller_sets_top1_above_the_baseline_and_auto_dispatch_precise(
    full_model, shared_messages, shared_prior, fixtures_dir
):
    """210 + 70 complaints in callers' words (7 labels, six authors' styles), written apart from the
    shared data; the 70 of split "holdout" after the method was frozen (docs/classifier.md)."""
    from classifier.data import read_training_csv
    from classifier.evaluation import evaluate_caller_set

    path = fixtures_dir / "caller_shared_labels.csv"
    with path.open(encoding="utf-8") as handle:
        split = [row["split"] for row in csv.DictReader(handle)]
    report = evaluate_caller_set(shared_messages, read_training_csv(path), groups={"split": split},
                                 model=full_model)
    ours, baseline = report["all"]["ours"], report["all"]["baseline"]
    assert report["n"] >= 7 * 40
    assert ours["top1"] > baseline["top1"] and ours["top3"] >= 0.94, (ours, baseline)
    # The familiarity check holds back texts unlike the training data: 41.8 % -> 38.6 % dispatched,
    # 96.6 % -> 98.1 % of them right (docs/classifier.md, "Familiarity"; the held-out split is lower).
    assert ours["coverage"] >= 0.38, ours
    assert ours["precision"] >= 0.95, ours


def test_shared_data__a_confident_text_unlike_the_training_data_goes_to_a_person(full_model):
    """The issue's known failure: a terse hotel-booking dispute (商贸旅游 in the caller set) was sent to
    城乡建设 at p = 1.00 — the character 房 ties it to housing. The model is still that sure of it; the
    text is far from every category's training messages, so a person decides (classifier/novelty.py)."""
    text = "酒店订了房到了说没房"
    decision = full_model.route("", text)
    assert decision.probability >= full_model.threshold_for("")  # confident as ever ...
    assert not decision.familiar and not decision.auto  # ... but not dispatched alone
    assert decision.label == full_model.predict([""], [text])[0]  # and the suggestion is unchanged


def test_shared_data__a_typical_callers_complaint_is_familiar_and_dispatched(full_model):
    decision = full_model.route("", "老板拖欠我三个月工资不给，劳动监察能不能管一管")
    assert decision.familiar and decision.auto and decision.label == "劳动和社会保障"
