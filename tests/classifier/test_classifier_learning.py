import pytest

from classifier.data import Dataset
from classifier.learning import promotion_decision, train_challenger
from classifier.model import ModelConfig, TextClassifier
from classifier.store import ModelStore

ODOUR = [
    ("楼道里有臭味", "楼道里一直有一股臭味，不知道哪里来的"),
    ("垃圾站臭气熏天", "小区垃圾站臭气熏天，夏天根本不敢开窗"),
    ("化粪池反味", "楼下化粪池返味，整栋楼都是臭味"),
    ("下水道有异味", "卫生间下水道有很大异味，邻居家也一样"),
    ("饭店油烟味大", "饭店排出来的油烟味特别大，家里全是油烟味"),
    ("养殖场臭味", "村边养殖场的臭味飘到小区里来了"),
    ("河道发臭", "小区旁边的河道发黑发臭，气味难闻"),
    ("工厂刺鼻气味", "附近工厂晚上排放刺鼻的气味，闻着头晕"),
    ("垃圾桶异味", "单元门口的垃圾桶没人清理，异味很重"),
    ("污水井冒臭气", "路边污水井一直往外冒臭气"),
]


@pytest.mark.parametrize(
    ("champion", "challenger", "tolerance", "promoted"),
    [(0.80, 0.81, 0.0, True), (0.80, 0.80, 0.0, True), (0.80, 0.79, 0.0, False), (0.80, 0.79, 0.02, True)],
)
def test_promotion_decision__promotes_when_not_worse(champion, challenger, tolerance, promoted):
    assert promotion_decision(champion, challenger, tolerance)[0] is promoted


def _store_with_champion(tmp_path, seed: Dataset, prior) -> ModelStore:
    store = ModelStore(tmp_path)
    model = TextClassifier(ModelConfig(seed=1)).fit(seed.titles, seed.bodies, seed.labels, prior=prior)
    store.save(model, {"training_rows": seed.row_keys()}, promote=True)
    return store


def test_challenger__promoted_when_people_taught_it_a_new_category(tmp_path, tiny_data, tiny_prior):
    store = _store_with_champion(tmp_path, tiny_data, tiny_prior)
    labels = Dataset.from_rows([(t, b, "ENV-ODOUR") for t, b in ODOUR])
    result = train_challenger(store, tiny_data, labels)
    assert result.promoted
    assert result.challenger_score > result.champion_score
    assert store.current_version() == result.challenger_version == "v0002"
    model, meta = store.load()
    assert "ENV-ODOUR" in model.labels
    assert model.predict(["楼下垃圾站臭味太大"], [""]) == ["ENV-ODOUR"]
    assert meta["challenge"]["champion_score"] == result.champion_score
    assert meta["n_labels"] == len(ODOUR)


def test_challenger__not_promoted_when_worse_and_the_decision_is_recorded(tmp_path, tiny_data, tiny_prior):
    store = _store_with_champion(tmp_path, tiny_data, tiny_prior)
    # all but constant (with the intercepts left as fitted, the largest class wins everywhere)
    hopeless = ModelConfig(C=1e-6, class_weight=None, prior_weight=0.0, equal_intercepts="none")
    result = train_challenger(store, tiny_data, [], config=hopeless)
    assert not result.promoted
    assert result.challenger_score < result.champion_score
    assert store.current_version() == "v0001"
    assert result.challenger_version in store.list_versions()  # kept for inspection, not promoted
    decision = [d for d in store.decisions() if d["event"] == "challenge"][-1]
    assert decision["promoted"] is False
    assert decision["champion_score"] == result.champion_score
    assert decision["challenger_score"] == result.challenger_score
    assert len(decision["champion_fold_scores"]) == len(decision["challenger_fold_scores"]) == 5


def test_challenger__with_nothing_new_ties_and_is_promoted(tmp_path, tiny_data, tiny_prior):
    store = _store_with_champion(tmp_path, tiny_data, tiny_prior)
    result = train_challenger(store, tiny_data, [], config=ModelConfig(seed=1))
    assert result.champion_score == pytest.approx(result.challenger_score)
    assert result.promoted


def test_challenger__human_label_overrides_the_seed_label_for_the_same_text(tmp_path, tiny_data, tiny_prior):
    store = _store_with_champion(tmp_path, tiny_data, tiny_prior)
    title, body = tiny_data.titles[0], tiny_data.bodies[0]
    result = train_challenger(store, tiny_data, [{"title": title, "body": body, "label": "ENV-NOISE"}])
    assert result.n_train == len(tiny_data)  # the duplicate counted once


def test_challenger__first_model_of_an_empty_store_is_promoted(tmp_path, tiny_data, tiny_prior):
    store = ModelStore(tmp_path)
    result = train_challenger(store, tiny_data, [], prior=tiny_prior)
    assert result.promoted and result.champion_version is None
    assert store.current_version() == result.challenger_version


def test_challenger__a_label_used_once_waits_for_a_second_example(tmp_path, tiny_data, tiny_prior):
    store = _store_with_champion(tmp_path, tiny_data, tiny_prior)
    result = train_challenger(store, tiny_data, [("路灯不亮", "小区路灯坏了一个月", "CTY-LAMP")])
    assert result.labels_waiting == ["CTY-LAMP"]
    assert result.n_train == len(tiny_data)
    assert result.champion_score is not None  # the comparison still ran
