"""The supervisor dashboard (督办) at /supervisor: live counts and lists, approvals, 三率 rankings,
charts (ECharts, fed by /supervisor/charts.json), the classifier's health, search and CSV export."""

from __future__ import annotations

import csv
import io

from flask import Response, abort, current_app, jsonify, render_template, request

from hotline.database import db
from hotline.learning.service import current_model, model_store
from hotline.scoring.service import (
    GROUP_ORDER,
    InvalidPeriod,
    Report,
    compute_period,
    current_month,
    parse_period,
    report,
)
from hotline.scoring.settings import scoring_settings
from hotline.web import bp, queries
from hotline.web.login import principal, staff_required
from hotline.web.present import citizen_view
from hotline.web.tickets import action_choices
from hotline.web.workflow_bridge import ACTION_NAMES, allowed_actions
from models import clock
from models.enums import CHINESE_NAMES, Role

WATCH = (Role.SUPERVISOR, Role.ADMIN)
# The model's own out-of-fold scores from its training record (classifier.model), shown on the dashboard.
SCORE_LABELS = {"oof_macro_f1": "宏平均 F1", "oof_accuracy": "准确率", "oof_ece": "校准误差 ECE"}
SOURCE_NAMES = {"bootstrap": "演示城市种子样本", "retrained": "重训", "challenger": "挑战者"}


@bp.get("/supervisor")
@staff_required(*WATCH)
def supervisor_dashboard():
    session = db()
    now = clock.now()
    overdue = [(t, queries.current_due(t, now)) for t in queries.overdue_list(session)]
    near = [(t, queries.current_due(t, now)) for t in queries.near_due_list(session)]
    return render_template(
        "supervisor/dashboard.html", counts=queries.live_counts(session), overdue=overdue, near=near,
        returns=len(queries.returns_waiting(session)), extensions=len(queries.extensions_waiting(session)),
        health=queries.classifier_health(session), model=_model_facts(), local=queries.local)


def _model_facts() -> dict:
    app = current_app._get_current_object()
    loaded = current_model(app)
    facts = {"version": loaded.version, "threshold": loaded.threshold, "scores": []}
    if loaded.version:
        try:
            metadata = model_store(app).metadata(loaded.version)
        except Exception:  # a model without readable metadata still answers
            metadata = {}
        training = metadata.get("training") or {}
        for key, label in SCORE_LABELS.items():
            if isinstance(training.get(key), int | float):
                facts["scores"].append((label, training[key]))
        facts["source"] = SOURCE_NAMES.get(metadata.get("source"), metadata.get("source") or "")
        facts["trained_on"] = training.get("n_train")
        facts["trained_at"] = metadata.get("created_at") or metadata.get("trained_at")
    return facts


@bp.get("/supervisor/approvals")
@staff_required(*WATCH)
def supervisor_approvals():
    session = db()
    me = principal()
    returns = [(t, a, allowed_actions(me, t)) for t, a in queries.returns_waiting(session)]
    extensions = [(e, t, unit, allowed_actions(me, t)) for e, t, unit in queries.extensions_waiting(session)]
    return render_template("supervisor/approvals.html", returns=returns, extensions=extensions,
                           action_names=ACTION_NAMES, local=queries.local, back=request.path, articles=[],
                           **action_choices())


def _period() -> tuple[str, str | None]:
    raw = request.args.get("period") or current_month(current_app.config["TIMEZONE"])
    try:
        return parse_period(raw).key, None
    except InvalidPeriod as error:
        return current_month(current_app.config["TIMEZONE"]), str(error)


def rankings(period: str) -> Report:
    """The current month live (it is still moving); a past period as stored by the nightly rollup."""
    settings = scoring_settings()
    if period == current_month(settings.timezone):
        return Report(period, "live", clock.now(), compute_period(db(), period, settings))
    return report(db(), period, settings)


@bp.get("/supervisor/rankings")
@staff_required(*WATCH)
def supervisor_rankings():
    period, problem = _period()
    result = rankings(period)
    groups = [(g, CHINESE_NAMES.get(g, g), result.group(g)) for g in GROUP_ORDER]
    return render_template("supervisor/rankings.html", period=period, problem=problem, result=result,
                           groups=[g for g in groups if g[2]], local=queries.local)


@bp.get("/supervisor/charts")
@staff_required(*WATCH)
def supervisor_charts():
    return render_template("supervisor/charts.html", heat=queries.street_heat(db()))


@bp.get("/supervisor/charts.json")
@staff_required(*WATCH)
def supervisor_charts_data():
    session = db()
    return jsonify({"volume": queries.volume_by_channel(session), "categories": queries.top_categories(session),
                    "on_time": queries.on_time_rates(session), "satisfaction": queries.satisfaction_trend(session)})


@bp.get("/supervisor/search")
@staff_required(*WATCH)
def supervisor_search():
    q = request.args.get("q", "").strip()
    me = principal()
    rows = [(t, citizen_view(t, me)) for t in queries.search(db(), me, q)] if q else []
    return render_template("supervisor/search.html", q=q, rows=rows, local=queries.local)


# --- exports: CSV (UTF-8 with BOM, so that Excel opens the Chinese correctly) or Excel (xlsx) ---------

EXPORT_FORMATS = ("csv", "xlsx")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Percent(float):
    """A rate (0-1): "73.3%" in a CSV, a number formatted as a percentage in Excel."""


class Score(float):
    """A composite score: two decimals in a CSV and in Excel."""


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value) -> object:
    if value is None:
        return ""
    if isinstance(value, Percent):
        return f"{100 * value:.1f}%"
    if isinstance(value, Score):
        return f"{value:.2f}"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        # A citizen's text opened in a spreadsheet must stay text, never run as a formula (CSV injection).
        return "'" + value
    return value


def _csv(name: str, header: list[str], rows) -> Response:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([_csv_cell(value) for value in row] for row in rows)
    return Response(buffer.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={name}.csv"})


def _xlsx(name: str, header: list[str], rows) -> Response:
    """One sheet: a bold, frozen header row, numbers as numbers, rates as percentages. Text is always
    written as text (never a formula or a link, whatever a citizen typed)."""
    import xlsxwriter  # only when exporting: the app starts without it

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False, "strings_to_numbers": False})
    sheet = workbook.add_worksheet(name[:31])
    bold, percent = workbook.add_format({"bold": True}), workbook.add_format({"num_format": "0.0%"})
    score = workbook.add_format({"num_format": "0.00"})
    sheet.write_row(0, 0, header, bold)
    sheet.freeze_panes(1, 0)
    widths = [len(title) * 2 + 2 for title in header]
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, Percent | Score):
                sheet.write_number(r, c, float(value), percent if isinstance(value, Percent) else score)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
            widths[c] = max(widths[c], 8 if isinstance(value, float) else min(60, len(str(value)) * 2))
    for c, width in enumerate(widths):
        sheet.set_column(c, c, width)
    workbook.close()
    return Response(buffer.getvalue(), mimetype=XLSX_MIMETYPE,
                    headers={"Content-Disposition": f"attachment; filename={name}.xlsx"})


def _export(fmt: str, name: str, header: list[str], rows) -> Response:
    if fmt not in EXPORT_FORMATS:
        abort(404)
    return (_xlsx if fmt == "xlsx" else _csv)(name, header, rows)


def _rate(value) -> Percent | None:
    return None if value is None else Percent(value)


@bp.get("/supervisor/export/rankings.<fmt>")
@staff_required(*WATCH)
def export_rankings(fmt: str):
    period, _ = _period()
    result = rankings(period)
    return _export(fmt, f"rankings-{period}", ["周期", "单位分组", "单位编码", "单位", "派单量", "按时响应", "回访数",
                                              "响应率", "解决率", "满意率", "综合得分", "排名"],
                   ([period, CHINESE_NAMES.get(r.unit_group, r.unit_group), r.unit_code, r.unit_name, r.dispatched,
                     r.responded_in_time, r.rated, _rate(r.response_rate), _rate(r.resolution_rate),
                     _rate(r.satisfaction_rate), None if r.composite is None else Score(r.composite), r.rank]
                    for r in result.rows))


@bp.get("/supervisor/export/<which>.<fmt>")
@staff_required(*WATCH)
def export_list(which: str, fmt: str):
    session = db()
    lists = {"overdue": queries.overdue_list, "near-due": queries.near_due_list}
    if which == "search":
        tickets = queries.search(session, principal(), request.args.get("q", ""), limit=1000)
    elif which in lists:
        tickets = lists[which](session)
    else:
        abort(404)
    now = clock.now()
    return _export(fmt, which, ["工单号", "状态", "受理时间", "主办单位", "事项分类", "街道", "当前环节", "时限", "剩余",
                                "督办级别", "诉求"],
                   ([t.ticket_no, CHINESE_NAMES.get(t.status, t.status), queries.local(t.received_at, "%Y-%m-%d %H:%M"),
                     t.lead_unit.name if t.lead_unit else "", t.category.name if t.category else "",
                     t.street.name if t.street else "", (d := queries.current_due(t, now)).stage,
                     queries.local(d.at, "%Y-%m-%d %H:%M"), d.text, t.escalation_level, t.content] for t in tickets))
