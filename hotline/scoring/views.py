"""Statistics: the units' three rates (三率), composite scores and ranks for a period (docs/scoring.md)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from hotline.api.formats import iso
from hotline.auth import require
from hotline.database import db
from hotline.errors import Unprocessable
from hotline.scoring import service as scoring
from models.enums import UnitGroup, values

bp = Blueprint("scoring", __name__, url_prefix="/api/v1")


def _period() -> scoring.Period:
    raw = request.args.get("period")
    if raw is None or not raw.strip():
        return scoring.parse_period(scoring.current_month(current_app.config["TIMEZONE"]))
    try:
        return scoring.parse_period(raw)
    except scoring.InvalidPeriod as error:
        raise Unprocessable(str(error), fields={"period": "格式应为 YYYY-MM"}) from None


def _group() -> str | None:
    group = (request.args.get("group") or "").strip() or None
    if group is not None and group not in values(UnitGroup):
        raise Unprocessable(f"未知的单位类别：{group}（可选：{'、'.join(values(UnitGroup))}）。",
                            fields={"group": "取值无效"})
    return group


@bp.get("/stats/units")
@require()  # every staff role: rankings are public inside the centre; channel keys are refused (403)
def unit_stats():
    """GET /api/v1/stats/units?period=YYYY-MM[&group=street] — the stored rollup, or computed now."""
    period, group = _period(), _group()
    settings = scoring.settings_from_config(current_app.config)
    result = scoring.report(db(), period, settings)
    return jsonify({
        "period": result.period,
        "source": result.source,
        "computed_at": iso(result.computed_at),
        "min_volume": settings.min_volume,
        "units": [row.to_dict() for row in result.group(group)],
    })
