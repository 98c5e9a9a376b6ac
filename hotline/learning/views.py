"""GET /api/v1/classifier — the current model and the retraining runs, for supervisors."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import select

from hotline.api.formats import iso
from hotline.auth import require
from hotline.database import db
from hotline.learning.service import model_store
from models import RetrainingRun
from models.enums import Role

bp = Blueprint("learning", __name__, url_prefix="/api/v1")


@bp.get("/classifier")
@require(Role.SUPERVISOR, Role.ADMIN)
def classifier_state():

    store = model_store(current_app)
    version = store.current_version()
    metadata = store.metadata(version) if version else {}
    runs = db().scalars(select(RetrainingRun).order_by(RetrainingRun.id.desc()).limit(20))
    return jsonify({
        "current": {"version": version, "created_at": metadata.get("created_at"),
                    "threshold": metadata.get("threshold"), "metrics": metadata.get("metrics"),
                    "labels": metadata.get("labels")},
        "runs": [{"id": run.id, "started_at": iso(run.started_at), "finished_at": iso(run.finished_at),
                  "labels_used": run.labels_used, "champion_score": run.champion_score,
                  "challenger_score": run.challenger_score, "promoted": run.promoted, "version": run.version,
                  "message": run.message} for run in runs],
    })
