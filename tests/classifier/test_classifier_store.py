import json
import pickle

import numpy as np
import pytest
import skops.io as skio

from classifier.store import METADATA_FILE, MODEL_FILE, ModelLoadError, ModelStore, file_sha256


class Intruder:
    """A type no model file should contain."""


def _files(store: ModelStore, version: str):
    directory = store.root / "versions" / version
    return directory / MODEL_FILE, directory / METADATA_FILE


def _rewrite_hash(store: ModelStore, version: str) -> None:
    """What an attacker who can write the model directory would also do: fix up the recorded hash."""
    model_path, meta_path = _files(store, version)
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["model_sha256"] = file_sha256(model_path)
    meta_path.write_text(json.dumps(meta), encoding="utf-8")


def test_store__save_load_round_trip_gives_the_same_predictions(tmp_path, tiny_model):
    store = ModelStore(tmp_path / "models")
    version = store.save(tiny_model, {"note": "test"})
    loaded, meta = store.load(version)
    titles, bodies = ["停水", "", "公交车"], ["三天没水", "楼上装修太吵", "不按时"]
    np.testing.assert_array_equal(
        loaded.predict_proba(titles, bodies), tiny_model.predict_proba(titles, bodies)
    )
    assert loaded.threshold == tiny_model.threshold
    assert loaded.tokenizer == tiny_model.tokenizer


def test_store__metadata_records_what_the_model_is(tmp_path, tiny_model):
    store = ModelStore(tmp_path)
    version = store.save(tiny_model, {"training_data_hash": "abc", "note": "seed"})
    meta = store.metadata(version)
    assert meta["labels"] == tiny_model.labels
    assert meta["training_data_hash"] == "abc" and meta["note"] == "seed"
    assert meta["threshold"] == tiny_model.threshold
    assert meta["training"]["oof_macro_f1"] == tiny_model.training_report["oof_macro_f1"]
    assert {"python", "scikit-learn", "numpy", "scipy", "jieba", "skops"} <= set(meta["libraries"])
    assert meta["created_at"].endswith("+00:00")
    assert meta["model_sha256"] == file_sha256(_files(store, version)[0])


def test_store__versions_and_promotion(tmp_path, tiny_model):
    store = ModelStore(tmp_path)
    assert store.list_versions() == [] and store.current_version() is None
    first = store.save(tiny_model)  # the first model becomes current by itself
    second = store.save(tiny_model)  # later ones only when asked
    assert (first, second) == ("v0001", "v0002")
    assert store.list_versions() == ["v0001", "v0002"]
    assert store.current_version() == "v0001"
    assert store.load()[1]["version"] == "v0001"
    store.promote(second, reason="better")
    assert store.load()[1]["version"] == "v0002"
    assert [d["version"] for d in store.decisions() if d["event"] == "promote"] == ["v0001", "v0002"]


def test_store__model_is_small(tmp_path, tiny_model):
    store = ModelStore(tmp_path)
    version = store.save(tiny_model)
    assert store.metadata(version)["model_bytes"] < 1_000_000


def test_store__refuses_tampered_file(tmp_path, tiny_model):
    store = ModelStore(tmp_path)
    version = store.save(tiny_model)
    model_path, _ = _files(store, version)
    data = bytearray(model_path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model_path.write_bytes(bytes(data))
    with pytest.raises(ModelLoadError, match="完整性校验失败.*修改或替换"):
        store.load(version)


def test_store__refuses_foreign_types_even_with_a_matching_hash(tmp_path, tiny_model):
    store = ModelStore(tmp_path)
    version = store.save(tiny_model)
    model_path, _ = _files(store, version)
    tiny_model.__dict__["payload"] = Intruder()
    try:
        skio.dump(tiny_model, model_path)
    finally:
        del tiny_model.__dict__["payload"]
    _rewrite_hash(store, version)
    with pytest.raises(ModelLoadError, match="不受信任的类型：.*Intruder"):
        store.load(version)


def test_store__refuses_a_pickle_in_place_of_the_model(tmp_path, tiny_model):
    store = ModelStore(tmp_path)
    version = store.save(tiny_model)
    model_path, _ = _files(store, version)
    model_path.write_bytes(pickle.dumps({"not": "a model"}))
    _rewrite_hash(store, version)
    with pytest.raises(ModelLoadError, match="不是 skops 模型文件"):
        store.load(version)


def test_store__refuses_a_skops_file_that_is_not_a_classifier(tmp_path, tiny_model):
    store = ModelStore(tmp_path)
    version = store.save(tiny_model)
    model_path, _ = _files(store, version)
    skio.dump({"weights": np.zeros(3)}, model_path)
    _rewrite_hash(store, version)
    with pytest.raises(ModelLoadError, match="不是 TextClassifier"):
        store.load(version)


@pytest.mark.parametrize("version", ["../v0001", "v0001/../../etc", "latest", "", "v1"])
def test_store__refuses_version_names_that_are_not_its_own(tmp_path, tiny_model, version):
    store = ModelStore(tmp_path)
    store.save(tiny_model)
    with pytest.raises(ModelLoadError, match="不是有效的模型版本名"):
        store.load(version)


def test_store__refuses_a_version_that_links_outside_the_model_directory(tmp_path, tiny_model):
    outside = ModelStore(tmp_path / "elsewhere")
    outside.save(tiny_model)
    store = ModelStore(tmp_path / "models")
    store.save(tiny_model)
    (store.root / "versions" / "v0002").symlink_to(
        outside.root / "versions" / "v0001", target_is_directory=True
    )
    with pytest.raises(ModelLoadError, match="不在模型目录"):
        store.load("v0002")


def test_store__refuses_a_model_without_a_recorded_hash(tmp_path, tiny_model):
    store = ModelStore(tmp_path)
    version = store.save(tiny_model)
    _, meta_path = _files(store, version)
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    del meta["model_sha256"]
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelLoadError, match="没有 SHA-256"):
        store.load(version)


def test_store__clear_errors_for_missing_models(tmp_path):
    store = ModelStore(tmp_path)
    with pytest.raises(ModelLoadError, match="没有当前模型"):
        store.load()
    with pytest.raises(ModelLoadError, match="没有模型版本 v0007"):
        store.load("v0007")


def test_store__only_saves_fitted_classifiers(tmp_path):
    with pytest.raises(TypeError, match="fitted"):
        ModelStore(tmp_path).save({"weights": [1, 2]})
