import numpy as np
import pytest

from classifier.model import ModelConfig, TextClassifier, prior_rows


def test_model__predicts_the_category_of_new_phrasings(tiny_model):
    assert tiny_model.predict(["晚上楼下跳广场舞吵死了"], [""]) == ["ENV-NOISE"]
    assert tiny_model.predict([""], ["家里水龙头没水了，是不是停水了"]) == ["UTL-WATER"]
    assert tiny_model.predict(["等了半小时公交车都不来"], [""]) == ["TRA-BUS"]
    assert tiny_model.predict(["物业费又涨了"], ["物业公司不开业主大会就涨价"]) == ["HOU-PROPERTY"]


def test_predict_top_k__sorted_probabilities_that_sum_to_one(tiny_model):
    top = tiny_model.predict_top_k("小区停水", "从早上开始就没有自来水", k=4)
    assert [label for label, _ in top][0] == "UTL-WATER"
    probabilities = [p for _, p in top]
    assert probabilities == sorted(probabilities, reverse=True)
    assert sum(probabilities) == pytest.approx(1.0)
    assert len(tiny_model.predict_top_k("停水", "", k=10)) == 4  # never more than there are labels


def test_predict_batch__same_as_one_by_one(tiny_model):
    titles, bodies = ["停水", "", "公交车太挤"], ["三天没水", "楼上装修太吵", ""]
    batch = tiny_model.predict_batch(titles, bodies, k=2)
    single = [tiny_model.predict_top_k(t, b, k=2) for t, b in zip(titles, bodies, strict=True)]
    for a, b in zip(batch, single, strict=True):
        assert [x for x, _ in a] == [x for x, _ in b]
        np.testing.assert_allclose([p for _, p in a], [p for _, p in b])


def test_route__auto_only_at_or_above_the_threshold(tiny_model):
    decision = tiny_model.route("停水", "小区停水了")
    assert decision.auto == (decision.probability >= tiny_model.threshold)
    assert len(decision.suggestions) == 3 and decision.suggestions[0][0] == decision.label


def test_model__empty_and_odd_input_still_gets_an_answer(tiny_model):
    for title, body in [("", ""), (None, None), ("！！！", "？？"), ("x" * 10, "很" * 20000)]:
        label, probability = tiny_model.predict_top_k(title, body, k=1)[0]
        assert label in tiny_model.labels and 0.0 <= probability <= 1.0


def test_training_report__out_of_fold_figures_and_threshold(tiny_model):
    report = tiny_model.training_report
    assert report["n_train"] == 32 and report["n_prior_rows"] > 0
    assert 0.0 <= report["oof_macro_f1"] <= 1.0
    assert report["threshold"]["threshold"] == tiny_model.threshold
    assert 0.0 < tiny_model.threshold <= 1.0 + 1e-9


def test_training__same_seed_same_model(tiny_data, tiny_prior):
    def train(seed):
        return TextClassifier(ModelConfig(seed=seed)).fit(
            tiny_data.titles, tiny_data.bodies, tiny_data.labels, prior=tiny_prior
        )

    a, b = train(3), train(3)
    assert np.array_equal(a.scorer_.weights_, b.scorer_.weights_)
    assert a.threshold == b.threshold
    assert a.training_report["oof_macro_f1"] == b.training_report["oof_macro_f1"]
    probe = (["停水"], ["楼上太吵"])
    assert np.array_equal(a.predict_proba(*probe), b.predict_proba(*probe))


def test_training__refuses_a_label_with_a_single_example(tiny_data):
    with pytest.raises(ValueError, match="至少需要两条样本.*LONELY"):
        TextClassifier().fit(
            tiny_data.titles + ["路灯坏了"], tiny_data.bodies + [""], tiny_data.labels + ["LONELY"]
        )


def test_training__refuses_a_single_label():
    with pytest.raises(ValueError, match="两个不同的类别"):
        TextClassifier().fit(["a", "b"], ["", ""], ["X", "X"])


def test_training__works_without_titles(tiny_data):
    model = TextClassifier().fit([""] * len(tiny_data), tiny_data.bodies, tiny_data.labels)
    assert model.predict([""], ["小区停水了"]) == ["UTL-WATER"]


def test_prior_rows__one_row_per_keyword_for_known_labels_only():
    docs, labels = prior_rows({"A": ["停水", " 停水 ", ""], "B": ["噪音"], "C": ["没有样本"]}, ["A", "B"])
    assert docs == [("停水", ""), ("噪音", "")]
    assert labels == ["A", "B"]


def test_config__round_trips_and_rejects_unknown_settings():
    config = ModelConfig(C=0.5, char_ngrams=(2, 3))
    assert ModelConfig.from_dict(config.as_dict()) == config
    with pytest.raises(ValueError, match="unknown model settings: bogus"):
        ModelConfig.from_dict({"bogus": 1})
