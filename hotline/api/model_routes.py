"""GET /api/v1/classifier — the current model and the retraining runs, for supervisors."""

from __future__ import annotations

from flask import current_app, jsonify
from sqlalchemy import select

from models import RetrainingRun
from models.enums import Role

from ..auth import require
from ..database import db
from ..serialize import iso
from . import bp


@bp.get("/classifier")
@require(Role.SUPERVISOR, Role.ADMIN)
def classifier_state():
    from ..classifier_service import model_store

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
