"""Retraining from human decisions: when enough new labels exist, train a challenger on the city's seed
examples plus every category label people recorded (dispatch corrections, approved returns), compare it
with the current model on the same folds, and promote it only when it is not worse. The run and both
scores are stored (retraining_runs) and supervisors are notified.

The urgency model is retrained in the same run from its labelled base set, the city's ordinary
complaints and every urgency/referral label (an agent's urgency change at dispatch, a rejection
referred to 110/119/120/122): a person's correction replaces the base label of the same text and
counts three times (hotline.learning.service.retrain_urgency). That challenger replaces the current urgency
model only if it is not worse on the labelled base set (routing.urgency_challenger); the run's message
says which, with both models' live recall and false-alarm rate.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from hotline.database import session_factory
from hotline.learning.service import forget_model, model_store, retrain_urgency
from hotline.notifications.service import notify
from hotline.queue.toolkit import job
from models import Label, RetrainingRun, clock

log = logging.getLogger(__name__)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def new_labels(app: Flask) -> tuple[int, datetime]:
    """How many labels arrived since the last retraining run started."""
    with session_factory(app)() as session:
        since = session.scalar(select(func.max(RetrainingRun.started_at))) or EPOCH
        count = session.scalar(select(func.count()).select_from(Label).where(Label.created_at > since))
    return count, since


def retrain(app: Flask, force: bool = False) -> RetrainingRun | None:
    """Train and judge a challenger when at least RETRAIN_MIN_LABELS new labels exist (or `force`)."""
    count, _ = new_labels(app)
    if count < int(app.config["RETRAIN_MIN_LABELS"]) and not force:
        return None
    # Training needs scikit-learn (seconds to import, ~150 MB): loaded only when there is training to do,
    # not by the hourly check that finds too few labels.
    from classifier.data import read_training_csv
    from classifier.learning import train_challenger

    factory = session_factory(app)
    with factory() as session, session.begin():
        rows = list(session.scalars(select(Label).order_by(Label.id)))
        labels = [(row.title or "", row.text, row.category_code) for row in rows if row.category_code]
        urgency_labels = [(f"{row.title or ''} {row.text}".strip(), row.urgency, row.referral)
                          for row in rows if row.urgency]
        run = RetrainingRun(started_at=clock.now(), labels_used=len(rows))
        session.add(run)
    seed = read_training_csv(Path(app.config["DEMO_CITY_PATH"]) / "seed_examples.csv")
    try:
        result = train_challenger(model_store(app), seed, labels, folds=5, repeats=1, seed=0)
        outcome = {"champion_score": result.champion_score, "challenger_score": result.challenger_score,
                   "promoted": result.promoted, "version": result.challenger_version, "message": result.reason}
    except Exception as error:  # a failed training must be visible, not silent
        log.exception("retraining failed")
        outcome = {"promoted": False, "message": f"训练失败：{error}"}
    urgency_note = ""
    if urgency_labels:
        try:
            urgency = retrain_urgency(app, urgency_labels)
            if urgency.promoted:
                urgency_note = (f"；紧急程度模型已用 {len(urgency_labels)} 条人工判断重新训练（{urgency.version}，"
                                f"{urgency.reason}）")
            else:
                urgency_note = (f"；紧急程度新模型（{len(urgency_labels)} 条人工判断，{urgency.version}）未启用，"
                                f"保留当前紧急程度模型：{urgency.reason}")
        except Exception as error:
            log.exception("urgency retraining failed")
            urgency_note = f"；紧急程度模型训练失败：{error}"
    outcome["message"] = (outcome.get("message") or "") + urgency_note
    with factory() as session, session.begin():
        run = session.get(RetrainingRun, run.id)
        for name, value in outcome.items():
            setattr(run, name, value)
        run.finished_at = clock.now()
        verdict = "已启用新模型" if run.promoted else "保留当前模型"
        scores = (f"（新模型宏 F1 {run.challenger_score:.3f}，当前模型 {run.champion_score:.3f}）"
                  if run.challenger_score is not None and run.champion_score is not None else "")
        notify(session, audience="supervisor", kind="retraining", dedupe_key=f"retraining:{run.id}",
               message=f"【模型更新】用 {run.labels_used} 条人工标注重新训练分类模型：{verdict}{scores}"
                       f"{urgency_note}。")
    if run.promoted:
        forget_model(app)
    return run


@job
def retrain_job(app: Flask, _session) -> str:
    """RQ job run hourly by the cron process: does nothing until enough new labels exist."""
    run = retrain(app)
    return "not enough new labels" if run is None else f"run {run.id}: promoted={run.promoted}"
