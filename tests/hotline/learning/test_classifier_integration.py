"""The learned models inside the app: the bootstrap classifier and urgency model of `up`, routing with
them, labels from people's corrections, retraining from labels."""

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
    from hotline.learning.service import URGENCY_STORE_DIR, city_ordinary_examples
    from hotline.learning.store import UrgencyModelStore
    from routing.urgency_model import train_urgency_model
    from tests.conftest import URGENCY_TEST_EXAMPLES

    folder = tmp_path_factory.mktemp("models")
    city = Path(__file__).resolve().parents[3] / "hotline" / "demo_city"
    vocabulary = load_city_vocabulary(city)
    ensure_model(ModelStore(folder), city / "seed_examples.csv", vocabulary.words, vocabulary.category_keywords)
    UrgencyModelStore(folder / URGENCY_STORE_DIR).save(
        train_urgency_model(base=URGENCY_TEST_EXAMPLES, ordinary=city_ordinary_examples(city)), {"source": "test"},
        promote=True)
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


def test_routing__a_text_unlike_anything_the_model_learned_goes_to_a_person_saying_so(modelled_app, actors):
    from hotline.database import session_factory
    from models import Ticket, TicketEvent

    client = modelled_app.test_client()
    people = cast(actors)
    ticket = ok(client.post("/api/v1/tickets", headers=people.agent, json={
        "channel": "phone", "content": "lorem ipsum dolor sit amet, consectetur adipiscing elit",
        "address": "朝阳区望京西园三区"}))
    assert ticket["status"] == "triage"
    assert ticket["suggestions"]  # the model's suggestions are still shown to the person
    with session_factory(modelled_app)() as session:
        ticket_id = session.scalar(select(Ticket.id).where(Ticket.ticket_no == ticket["ticket_no"]))
        triage = session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id,
                                                          TicketEvent.action == "triage"))
    assert "文本与已知诉求差异较大" in triage.data["reason"]


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


def test_urgency_bootstrap__trains_once_and_keeps_the_version(make_app, tmp_path):
    from hotline.learning.service import current_urgency_model, ensure_urgency_model, urgency_store

    app = make_app(MODEL_DIR=str(tmp_path / "fresh-models"))
    assert current_urgency_model(app) is None  # no model yet: routing uses the rules alone
    version = ensure_urgency_model(app)
    assert ensure_urgency_model(app) == version
    meta = urgency_store(app).metadata(version)
    assert meta["n_city_ordinary"] > 500 and meta["threshold"] == current_urgency_model(app).threshold


def test_urgency_store__refuses_a_replaced_model_file(modelled_app, trained_store):
    from classifier.store import ModelLoadError
    from hotline.learning.service import URGENCY_STORE_DIR, urgency_store

    store = urgency_store(modelled_app)
    version = store.current_version()
    (store.versions_dir / version / "model.skops").write_bytes(
        (trained_store / "versions" / "v0001" / "model.skops").read_bytes())  # a classifier, not ours
    with pytest.raises(ModelLoadError):
        store.load(version)
    assert (Path(modelled_app.config["MODEL_DIR"]) / URGENCY_STORE_DIR).is_dir()


def test_serving__predicts_with_the_arrays_forms_of_both_models(modelled_app):
    from classifier.inference import CompiledClassifier
    from hotline.learning.service import current_model, current_urgency_model
    from routing.urgency_inference import CompiledUrgencyModel

    assert isinstance(current_model(modelled_app).model, CompiledClassifier)
    assert isinstance(current_urgency_model(modelled_app), CompiledUrgencyModel)


def test_up__writes_the_arrays_form_of_models_saved_before_it(modelled_app):
    """Versions saved with a skops file only still serve, and `up` (ensure_*) adds their arrays form."""
    import json

    from classifier.store import INFERENCE_FILES_KEY, METADATA_FILE
    from hotline.learning.service import (
        ensure_bootstrap_model,
        ensure_urgency_model,
        model_store,
        urgency_store,
    )

    app = modelled_app
    stores = (model_store(app), urgency_store(app))
    for store in stores:
        directory = store.versions_dir / store.current_version()
        meta = json.loads((directory / METADATA_FILE).read_text(encoding="utf-8"))
        del meta[INFERENCE_FILES_KEY]
        (directory / METADATA_FILE).write_text(json.dumps(meta), encoding="utf-8")
        for name in ("inference.npz", "inference.json"):
            (directory / name).unlink()
        assert store.load_inference()[0] is not None  # from the skops file
    versions = (ensure_bootstrap_model(app), ensure_urgency_model(app))
    for store, version in zip(stores, versions, strict=True):
        assert version == store.current_version()  # kept, not retrained
        assert set(store.metadata(version)[INFERENCE_FILES_KEY]) == {"inference.npz", "inference.json"}


def test_routing__an_emergency_in_unforeseen_words_goes_to_triage_for_review(modelled_app, actors):
    client = modelled_app.test_client()
    people = cast(actors)
    text = "小区门口有个人捂着胸口蹲在地上，脸色发白，满头大汗"  # no cue word or scene of the rules
    ticket = ok(client.post("/api/v1/tickets", headers=people.agent, json={
        "channel": "phone", "content": text, "address": "朝阳区望京西园三区"}))
    assert ticket["status"] == "triage", ticket
    assert ticket["urgency"] == "emergency"
    assert "模型判断" in ticket["routing_reason"] and "请坐席立即确认" in ticket["routing_reason"]
    assert ticket["referral"] == "120"  # the service the model suggests, for the agent to confirm
    ordinary = ok(client.post("/api/v1/tickets", headers=people.agent, json={
        "channel": "phone", "content": "共享单车把盲道全占了，走路都没地方走", "address": "朝阳区望京西园三区"}))
    assert ordinary["urgency"] != "emergency", ordinary


def urgency_labels(app) -> list[Label]:
    from hotline.database import session_factory

    with session_factory(app)() as session:
        return list(session.scalars(select(Label).where(Label.urgency.is_not(None)).order_by(Label.id)))


def test_urgency_correction__dispatch_with_another_urgency_is_a_label(modelled_app, actors):
    client = modelled_app.test_client()
    people = cast(actors)
    text = "有个老大爷在菜场门口突然倒地，脸发紫"
    ticket = ok(client.post("/api/v1/tickets", headers=people.agent, json={
        "channel": "phone", "content": text, "address": "朝阳区望京西园三区"}))
    assert ticket["urgency"] == "emergency"
    dispatched = ok(client.post(f"/api/v1/tickets/{ticket['ticket_no']}/dispatch", headers=people.agent,
                                json={"unit": "CY-WJ", "category": "CIV-ELDER", "urgency": "normal"}))
    assert dispatched["urgency"] == "normal"
    [label] = urgency_labels(modelled_app)
    assert (label.urgency, label.referral, label.predicted_urgency) == ("normal", None, "emergency")
    assert label.source == "dispatch" and label.text == text and label.actor.startswith("user:agent")
    # Unchanged urgency on an ordinary ticket: no urgency label.
    other = ok(client.post("/api/v1/tickets", headers=people.agent, json={"channel": "phone",
                                                                          "content": "我想反映一个情况，说不清楚归谁管。"}))
    ok(client.post(f"/api/v1/tickets/{other['ticket_no']}/dispatch", headers=people.agent,
                   json={"unit": "CY-WJ", "urgency": other["urgency"] or "normal"}))
    assert len(urgency_labels(modelled_app)) == 1
    bad = client.post(f"/api/v1/tickets/{other['ticket_no']}/dispatch", headers=people.agent,
                      json={"unit": "CY-WJ", "urgency": "urgent"})
    assert bad.status_code in (409, 422)


def test_urgency_correction__reject_with_a_referral_is_a_label(modelled_app, actors):
    client = modelled_app.test_client()
    people = cast(actors)
    text = "我家楼下的饭馆每天晚上油烟直冲我家窗户，熏得没法开窗"
    ticket = ok(client.post("/api/v1/tickets", headers=people.agent, json={"channel": "phone", "content": text}))
    ok(client.post(f"/api/v1/tickets/{ticket['ticket_no']}/reject", headers=people.agent,
                   json={"reason": "来电者说店里已经起火，已转119", "referral": "119"}))
    [label] = urgency_labels(modelled_app)
    assert (label.urgency, label.referral, label.source, label.category_code) == ("emergency", "119", "reject", None)
    legal = ok(client.post("/api/v1/tickets", headers=people.agent, json={"channel": "phone", "content": "房产纠纷要打官司"}))
    ok(client.post(f"/api/v1/tickets/{legal['ticket_no']}/reject", headers=people.agent,
                   json={"reason": "属于司法程序处理范围", "referral": "legal"}))
    assert len(urgency_labels(modelled_app)) == 1  # a legal referral says nothing about urgency


def test_retraining__urgency_labels_retrain_the_urgency_model(modelled_app):
    from hotline.database import session_factory
    from hotline.learning.jobs import retrain
    from hotline.learning.service import current_urgency_model, urgency_store

    text = "楼下王大妈家的鹦鹉飞走了，她急得直哭"
    before_version = urgency_store(modelled_app).current_version()
    before = current_urgency_model(modelled_app).live(text)[0]
    add_labels(modelled_app, 5)
    with session_factory(modelled_app)() as session, session.begin():
        session.add(Label(text=text, urgency="emergency", referral="110", predicted_urgency="normal",
                          source="reject", actor="user:agent", created_at=clock.now()))
    run = retrain(modelled_app)
    assert run is not None and run.labels_used == 6
    assert "紧急程度模型已用 1 条人工判断重新训练" in run.message
    assert urgency_store(modelled_app).current_version() != before_version
    assert current_urgency_model(modelled_app).live(text)[0] > before


def test_retraining__urgency_challenger_worse_on_the_labelled_set_is_not_promoted(modelled_app):
    from hotline.database import session_factory
    from hotline.learning.jobs import retrain
    from hotline.learning.service import urgency_examples, urgency_store
    from routing.urgency import assess
    from routing.urgency_model import read_examples

    # Wrong corrections: the labelled set's everyday complaints (the ones no rule explains) marked as
    # live emergencies. A model trained on them raises those complaints: more false alarms.
    everyday = [e.text for e in read_examples(urgency_examples(modelled_app))
                if not e.live and assess(e.text, e.hint).urgency == "normal" and not e.hint][:120]
    store = urgency_store(modelled_app)
    before_version = store.current_version()
    with session_factory(modelled_app)() as session, session.begin():
        for text in everyday:
            session.add(Label(text=text, urgency="emergency", referral="110", predicted_urgency="normal",
                              source="reject", actor="user:agent", created_at=clock.now()))
    run = retrain(modelled_app)
    assert run is not None
    assert "保留当前紧急程度模型" in run.message and "误报更多" in run.message, run.message
    assert store.current_version() == before_version
    [challenger] = [v for v in store.list_versions() if v != before_version]
    promotion = store.metadata(challenger)["promotion"]
    assert promotion["promoted"] is False and promotion["champion"] == before_version
    assert promotion["challenger_figures"]["false_alarm_rate"] > promotion["champion_figures"]["false_alarm_rate"]


def test_urgency_examples__the_model_is_trained_on_the_configured_labelled_set(make_app, tmp_path):
    from hotline.learning.service import ensure_urgency_model, urgency_examples, urgency_store
    from routing.urgency_model import DEFAULT_EXAMPLES, read_examples

    labelled = DEFAULT_EXAMPLES[0]
    app = make_app(MODEL_DIR=str(tmp_path / "models"), URGENCY_EXAMPLES=f" {labelled} ,")
    assert urgency_examples(app) == (labelled,)
    store = urgency_store(app)
    version = ensure_urgency_model(app)
    model, meta = store.load(version)
    assert model.n_examples_ == len(read_examples(labelled)) + meta["n_city_ordinary"]
    assert urgency_examples(make_app(URGENCY_EXAMPLES="")) == DEFAULT_EXAMPLES  # empty: the package's set


def test_urgency_examples__a_missing_file_is_a_configuration_error_naming_it(make_app, tmp_path):
    from hotline.config import ConfigError
    from hotline.learning.service import urgency_examples

    app = make_app(URGENCY_EXAMPLES=str(tmp_path / "calls.csv"))
    with pytest.raises(ConfigError, match="HOTLINE_URGENCY_EXAMPLES.*calls.csv"):
        urgency_examples(app)


def test_routing__cue_words_the_model_is_sure_are_no_emergency_go_to_triage_without_a_service(modelled_app, actors):
    client = modelled_app.test_client()
    people = cast(actors)
    text = ("我在城中村租房住，签合同的时候房东加了一条，说屋里着火了租客全赔，我想问问租客能不能买火灾险，"
            "万一哪天着火把房东的东西烧了，是不是真要我全赔")
    ticket = ok(client.post("/api/v1/tickets", headers=people.agent, json={
        "channel": "phone", "content": text, "address": "朝阳区望京西园三区"}))
    assert ticket["status"] == "triage", ticket  # a person decides: never dispatched on cue words
    assert ticket["urgency"] != "emergency" and ticket["referral"] is None, ticket
    assert "模型判断不像正在发生的紧急情况" in ticket["routing_reason"]
    assert "如属实应转火警（119）" in ticket["routing_reason"]


def test_urgency_store__a_spoiled_arrays_file_is_replaced_by_up(modelled_app):
    from classifier.store import INFERENCE_ARRAYS_FILE
    from hotline.learning.service import current_urgency_model, ensure_urgency_model, urgency_store

    app = modelled_app
    store = urgency_store(app)
    spoiled = store.current_version()
    arrays = store.versions_dir / spoiled / INFERENCE_ARRAYS_FILE
    arrays.write_bytes(arrays.read_bytes()[:-100])  # cut short, as by a full disk
    assert store.loadable_version()[0] is None
    version = ensure_urgency_model(app)
    assert version != spoiled and current_urgency_model(app) is not None
