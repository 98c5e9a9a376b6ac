"""The classifier inside the app: the bootstrap model of `up`, routing with it, retraining from labels."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models import Label, Notification, RetrainingRun, clock
from tests.hotline.journeys import cast, ok


@pytest.fixture(scope="module")
def trained_store(tmp_path_factory) -> Path:
    """A model store holding the demo city's bootstrap model, trained once for this module."""
    from classifier.bootstrap import ensure_model
    from classifier.city import load_city_vocabulary
    from classifier.store import ModelStore

    folder = tmp_path_factory.mktemp("models")
    city = Path(__file__).resolve().parents[2] / "hotline" / "demo_city"
    vocabulary = load_city_vocabulary(city)
    ensure_model(ModelStore(folder), city / "seed_examples.csv", vocabulary.words, vocabulary.category_keywords)
    return folder


@pytest.fixture
def modelled_app(make_app, trained_store, tmp_path):
    models = tmp_path / "models"
    shutil.copytree(trained_store, models)
    return make_app(MODEL_DIR=str(models), RETRAIN_MIN_LABELS=5)


def test_bootstrap__trains_once_and_keeps_the_version(make_app, tmp_path):
    from hotline.learning.service import ensure_bootstrap_model

    app = make_app(MODEL_DIR=str(tmp_path / "fresh-models"))
    version = ensure_bootstrap_model(app)
    assert version
    assert ensure_bootstrap_model(app) == version  # an existing model is kept


def test_routing__a_clear_complaint_is_routed_by_the_model(modelled_app, actors):
    client = modelled_app.test_client()
    people = cast(actors)
    ticket = ok(client.post("/api/v1/tickets", headers=people.agent, json={
        "channel": "phone", "content": "我家楼下的饭馆每天晚上油烟直冲我家窗户，熏得没法开窗",
        "address": "朝阳区望京西园三区"}))
    assert ticket["suggestions"], ticket
    assert ticket["category"] is not None and ticket["category"]["probability"] > 0
    assert any(s["category"] == "ENV-FUME" for s in ticket["suggestions"])
    if ticket["status"] == "dispatched":
        assert ticket["category"]["code"] == "ENV-FUME"


def add_labels(app, count: int) -> None:
    from hotline.database import session_factory

    texts = ["小区门口的烧烤摊油烟太大", "饭店排风扇对着居民楼", "楼下餐馆油烟熏得不能开窗",
             "夜市摊位油烟弥漫", "烤串店没有油烟净化器", "餐厅后厨油烟直排"]
    with session_factory(app)() as session, session.begin():
        for i in range(count):
            session.add(Label(text=texts[i % len(texts)] + f"（第{i}次）", category_code="ENV-FUME",
                              predicted_code="CTY-VENDOR", source="dispatch", actor="user:agent",
                              created_at=clock.now()))


def test_retraining__waits_for_enough_new_labels(modelled_app):
    from hotline.learning.jobs import retrain

    add_labels(modelled_app, 3)
    assert retrain(modelled_app) is None


def test_retraining__judges_a_challenger_and_tells_supervisors(modelled_app, actors):
    from hotline.database import session_factory
    from hotline.learning.jobs import retrain

    add_labels(modelled_app, 6)
    run = retrain(modelled_app)
    assert run is not None and run.finished_at is not None
    assert run.labels_used == 6
    assert run.champion_score is not None and run.challenger_score is not None
    assert run.promoted == (run.challenger_score >= run.champion_score)
    with session_factory(modelled_app)() as session:
        assert session.scalar(select(func.count()).select_from(RetrainingRun)) == 1
        notice = session.scalar(select(Notification).where(Notification.kind == "retraining"))
        assert notice is not None and notice.audience == "supervisor"
    assert retrain(modelled_app) is None  # no new labels since that run

    client = modelled_app.test_client()
    state = ok(client.get("/api/v1/classifier", headers=actors.user("supervisor")))
    assert state["current"]["version"]
    assert state["runs"][0]["labels_used"] == 6
    assert client.get("/api/v1/classifier", headers=actors.user("agent")).status_code == 403
