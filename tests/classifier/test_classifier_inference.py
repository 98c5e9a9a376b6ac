"""The arrays form of the classifier (classifier.inference) and how the store writes and loads it."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from classifier.bootstrap import ensure_model
from classifier.city import load_city_vocabulary
from classifier.data import read_training_csv
from classifier.inference import CompiledClassifier
from classifier.model import ModelConfig, TextClassifier
from classifier.store import (
    INFERENCE_ARRAYS_FILE,
    INFERENCE_DESCRIPTION_FILE,
    INFERENCE_FILES_KEY,
    METADATA_FILE,
    ModelLoadError,
    ModelStore,
    file_sha256,
)

ROOT = Path(__file__).resolve().parents[2]
DEMO_CITY = ROOT / "hotline" / "demo_city"


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory) -> tuple[ModelStore, str]:
    """The demo city's bootstrap model (its real seed messages), saved as `up` saves it."""
    vocabulary = load_city_vocabulary(DEMO_CITY)
    store = ModelStore(tmp_path_factory.mktemp("models"))
    version = ensure_model(store, DEMO_CITY / "seed_examples.csv", vocabulary.words, vocabulary.category_keywords)
    return store, version


@pytest.fixture(scope="module")
def demo_messages() -> tuple[list, list]:
    """The seed messages as written, and their bodies again as untitled callers' texts."""
    data = read_training_csv(DEMO_CITY / "seed_examples.csv")
    return list(data.titles) + [None] * 200, list(data.bodies) + list(data.bodies[:200])


def test_compiled__predicts_the_trained_models_probabilities(demo_store, demo_messages):
    """Within 1e-6: the arrays form multiplies its float16 weights (the same values) in float64."""
    store, version = demo_store
    model, _ = store.load(version)
    titles, bodies = demo_messages
    compiled = CompiledClassifier.from_model(model)
    np.testing.assert_allclose(compiled.predict_proba(titles, bodies), model.predict_proba(titles, bodies),
                               rtol=0, atol=1e-6)


def test_compiled__keeps_the_weights_in_float16(demo_store):
    store, version = demo_store
    model, _ = store.load(version)
    loaded, _ = store.load_inference(version)
    assert loaded.scorer_.weights_.dtype == np.float16
    np.testing.assert_array_equal(loaded.scorer_.weights_, model.scorer_.weights_)  # the same values


def test_store__arrays_form_saved_and_reloaded_predicts_the_same(demo_store, demo_messages):
    store, version = demo_store
    model, _ = store.load(version)
    loaded, meta = store.load_inference(version)
    np.testing.assert_array_equal(loaded.predict_proba(*demo_messages),
                                  CompiledClassifier.from_model(model).predict_proba(*demo_messages))
    titles, bodies = demo_messages
    assert isinstance(loaded, CompiledClassifier)
    assert set(meta[INFERENCE_FILES_KEY]) == {INFERENCE_ARRAYS_FILE, INFERENCE_DESCRIPTION_FILE}
    np.testing.assert_allclose(loaded.predict_proba(titles, bodies), model.predict_proba(titles, bodies),
                               rtol=0, atol=1e-6)
    assert [loaded.route(t, b)[::2] for t, b in zip(titles, bodies, strict=True)] == [
        model.route(t, b)[::2] for t, b in zip(titles, bodies, strict=True)]  # (label, auto)
    assert loaded.thresholds([None, "标题"]).tolist() == model.thresholds([None, "标题"]).tolist()


def test_store__arrays_form_keeps_the_familiarity_check(demo_store, demo_messages):
    """The centroids and cut-offs travel in the arrays: the same texts are held back as unfamiliar, and a
    text from outside the city's matters (a lottery prize, a hotel booking) is among them."""
    store, version = demo_store
    model, _ = store.load(version)
    loaded, _ = store.load_inference(version)
    assert model.familiarity_ is not None and loaded.familiarity_ is not None
    titles = list(demo_messages[0]) + [None, None]
    bodies = list(demo_messages[1]) + ["酒店订了房到了说没房，前台让我们自己想办法", "asdf qwer zxcv 1234"]
    np.testing.assert_array_equal(loaded.familiar(titles, bodies), model.familiar(titles, bodies))
    unfamiliar = loaded.route(None, "asdf qwer zxcv 1234")
    assert not unfamiliar.familiar and not unfamiliar.auto


@pytest.mark.parametrize("settings", [
    {"calibration": "logistic"},
    {"separate_calibration": True, "equal_intercepts": "untitled"},
], ids=["logistic-calibration", "separate-calibration"])
def test_store__arrays_form_of_other_recipes_predicts_the_same(tmp_path, tiny_data, tiny_prior, settings):
    model = TextClassifier(ModelConfig(seed=3, **settings), user_words=["广场舞", "物业费"]).fit(
        tiny_data.titles, tiny_data.bodies, tiny_data.labels, prior=tiny_prior)
    store = ModelStore(tmp_path)
    loaded, _ = store.load_inference(store.save(model))
    titles = list(tiny_data.titles) + [None] * len(tiny_data.bodies)
    bodies = list(tiny_data.bodies) * 2
    np.testing.assert_allclose(loaded.predict_proba(titles, bodies), model.predict_proba(titles, bodies),
                               rtol=0, atol=1e-6)


def _copy_version(store: ModelStore, version: str, tmp_path: Path) -> tuple[ModelStore, Path]:
    """A copy of the store to spoil, and the version's directory in it."""
    target = tmp_path / "models"
    shutil.copytree(store.root, target)
    return ModelStore(target), target / "versions" / version


def _flip_a_byte(path: Path) -> None:
    """Spoil a file as a bad disk or a tamperer would: one byte in its middle changed."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_load_inference__refuses_a_tampered_arrays_file(demo_store, tmp_path):
    store, version_dir = _copy_version(*demo_store, tmp_path)
    _flip_a_byte(version_dir / INFERENCE_ARRAYS_FILE)
    with pytest.raises(ModelLoadError, match="完整性校验失败"):
        store.load_inference(version_dir.name)


def test_load_inference__refuses_a_pickled_array_even_with_a_matching_hash(demo_store, tmp_path):
    """allow_pickle=False: an object array in the archive is refused, not unpickled."""
    store, version_dir = _copy_version(*demo_store, tmp_path)
    arrays = version_dir / INFERENCE_ARRAYS_FILE
    with np.load(arrays) as archive:
        content = {key: archive[key] for key in archive.files}
    content["classes"] = np.array([object()] * len(content["classes"]), dtype=object)
    with arrays.open("wb") as handle:
        np.savez(handle, **content)
    meta = json.loads((version_dir / METADATA_FILE).read_text(encoding="utf-8"))
    meta[INFERENCE_FILES_KEY][INFERENCE_ARRAYS_FILE] = file_sha256(arrays)
    (version_dir / METADATA_FILE).write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelLoadError, match="推理文件无法加载"):
        store.load_inference(version_dir.name)


@pytest.mark.parametrize("field, value", [("format", 99), ("kind", "urgency")])
def test_load_inference__refuses_a_description_of_another_format_or_kind(demo_store, tmp_path, field, value):
    store, version_dir = _copy_version(*demo_store, tmp_path)
    described = version_dir / INFERENCE_DESCRIPTION_FILE
    description = json.loads(described.read_text(encoding="utf-8"))
    described.write_text(json.dumps({**description, field: value}), encoding="utf-8")
    meta = json.loads((version_dir / METADATA_FILE).read_text(encoding="utf-8"))
    meta[INFERENCE_FILES_KEY][INFERENCE_DESCRIPTION_FILE] = file_sha256(described)
    (version_dir / METADATA_FILE).write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelLoadError, match="无法识别的推理文件格式"):
        store.load_inference(version_dir.name)


def test_load_inference__version_saved_before_the_arrays_form_still_loads_and_up_adds_it(
        demo_store, demo_messages, tmp_path):
    store, version_dir = _copy_version(*demo_store, tmp_path)
    meta = json.loads((version_dir / METADATA_FILE).read_text(encoding="utf-8"))
    del meta[INFERENCE_FILES_KEY]
    (version_dir / METADATA_FILE).write_text(json.dumps(meta), encoding="utf-8")
    (version_dir / INFERENCE_ARRAYS_FILE).unlink()
    (version_dir / INFERENCE_DESCRIPTION_FILE).unlink()
    titles, bodies = demo_messages
    expected = store.load(version_dir.name)[0].predict_proba(titles, bodies)

    converted, _ = store.load_inference(version_dir.name)  # from the skops file
    np.testing.assert_allclose(converted.predict_proba(titles, bodies), expected, rtol=0, atol=1e-6)
    assert store.add_inference_files(version_dir.name) is True
    assert store.add_inference_files(version_dir.name) is False
    assert (version_dir / INFERENCE_ARRAYS_FILE).is_file()
    loaded, meta = store.load_inference(version_dir.name)
    np.testing.assert_allclose(loaded.predict_proba(titles, bodies), expected, rtol=0, atol=1e-6)
    store.update_metadata(version_dir.name, {INFERENCE_FILES_KEY: {}})  # integrity fields are the store's
    assert store.metadata(version_dir.name)[INFERENCE_FILES_KEY] == meta[INFERENCE_FILES_KEY]


def test_load_inference__in_a_fresh_interpreter_imports_no_scikit_learn_skops_or_scipy_stats(demo_store):
    store, version = demo_store
    probe = (
        "import sys; from classifier.store import ModelStore; "
        f"model, _ = ModelStore({str(store.root)!r}).load_inference({version!r}); "
        "assert model.predict_top_k('路灯不亮', '小区门口的路灯坏了')[0][1] > 0; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'skops', 'pandas') "
        "or m.startswith(('scipy.stats', 'scipy.optimize'))))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert ast.literal_eval(result.stdout.strip().splitlines()[-1]) == []


@pytest.mark.parametrize("block_entries", [1, 7, 1 << 15])
def test_sparse_dense_product__equals_the_dense_product_with_empty_rows_and_any_block_size(
        monkeypatch, block_entries):
    import scipy.sparse as sp

    import classifier.inference as inference

    monkeypatch.setattr(inference, "_GATHER_ENTRIES", block_entries)
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(300, 5)).astype(np.float16)
    X = sp.random(40, 300, density=0.05, format="csr", random_state=1)
    X = sp.csr_matrix(X.multiply(np.repeat([[1.0], [0.0]], 20, axis=0)))  # the second half of the rows empty
    X.eliminate_zeros()
    assert (np.diff(X.indptr) == 0).any()
    expected = X.toarray() @ weights.astype(np.float64)
    np.testing.assert_allclose(inference.sparse_dense_product(X, weights), expected, rtol=0, atol=1e-12)


def test_loadable_version__refuses_a_spoiled_arrays_file__and_up_trains_a_replacement(demo_store, tmp_path):
    store, version_dir = _copy_version(*demo_store, tmp_path)
    _flip_a_byte(version_dir / INFERENCE_ARRAYS_FILE)
    assert store.load(version_dir.name)  # the skops file alone is sound
    current, refused = store.loadable_version()
    assert current is None and isinstance(refused, ModelLoadError) and "完整性校验失败" in str(refused)
    vocabulary = load_city_vocabulary(DEMO_CITY)
    replacement = ensure_model(store, DEMO_CITY / "seed_examples.csv", vocabulary.words,
                               vocabulary.category_keywords)
    assert replacement != version_dir.name and store.current_version() == replacement
    assert store.load_inference(replacement)[0] is not None
