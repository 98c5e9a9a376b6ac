import time
from pathlib import Path

import pytest

from classifier.bootstrap import ensure_model
from classifier.city import load_city_vocabulary
from classifier.store import MODEL_FILE, ModelStore

DEMO_CITY = Path(__file__).resolve().parents[2] / "hotline" / "demo_city"


def test_city_vocabulary__names_aliases_landmarks_and_category_keywords(fixtures_dir):
    city = load_city_vocabulary(fixtures_dir)
    assert {"朝阳区", "朝阳", "望京街道", "望京SOHO", "望京街道办事处", "市自来水集团"} <= city.words
    assert {"噪声扰民", "广场舞", "夜间施工"} <= city.category_keywords["ENV-NOISE"]
    assert "停水" in city.category_keywords["UTL-WATER"]
    assert "噪声扰民" in city.words  # category names go into the dictionary too


def test_ensure_model__trains_and_promotes_when_the_store_is_empty(tmp_path, fixtures_dir):
    store = ModelStore(tmp_path)
    city = load_city_vocabulary(fixtures_dir)
    version = ensure_model(store, fixtures_dir / "tiny_tickets.csv", city.words, city.category_keywords)
    assert store.current_version() == version
    model, meta = store.load()
    assert meta["source"] == "bootstrap" and meta["n_seed"] == 32
    assert model.predict([""], ["望京西园楼下广场舞太吵了"]) == ["ENV-NOISE"]
    assert "望京西园" in model.tokenizer.user_words


def test_ensure_model__keeps_an_existing_model(tmp_path, fixtures_dir):
    store = ModelStore(tmp_path)
    first = ensure_model(store, fixtures_dir / "tiny_tickets.csv")
    assert ensure_model(store, fixtures_dir / "tiny_tickets.csv") == first
    assert store.list_versions() == [first]


def test_ensure_model__replaces_a_current_model_that_fails_its_check(tmp_path, fixtures_dir):
    store = ModelStore(tmp_path)
    first = ensure_model(store, fixtures_dir / "tiny_tickets.csv")
    (store.root / "versions" / first / MODEL_FILE).write_bytes(b"tampered")
    second = ensure_model(store, fixtures_dir / "tiny_tickets.csv")
    assert second != first and store.current_version() == second
    store.load()  # loads fine


def test_ensure_model__demo_city_in_a_few_seconds(tmp_path):
    seed = DEMO_CITY / "seed_examples.csv"
    if not seed.is_file():
        pytest.skip(f"demo city seed examples not found at {seed}")
    city = load_city_vocabulary(DEMO_CITY)
    store = ModelStore(tmp_path)
    started = time.perf_counter()
    ensure_model(store, seed, city.words, city.category_keywords)
    seconds = time.perf_counter() - started
    model, meta = store.load()
    assert seconds < 30, f"bootstrap took {seconds:.1f}s"
    assert meta["model_bytes"] < 20_000_000
    assert set(model.labels) <= set(city.category_keywords)
    assert meta["training"]["oof_macro_f1"] > 0.7
