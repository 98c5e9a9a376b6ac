"""/admin/sla and /admin/scoring: the SLA policy and the scoring settings, edited in the browser.

What is shown is the effective value of every entry and where it comes from: the code's default, the
deployment's HOTLINE_* environment, or an administrator's edit (hotline.settings.service: the edit wins).
A save is checked with the parsers the environment goes through (routing.sla.SlaPolicy,
hotline.scoring.service.settings_from_config) — every wrong field gets its own Chinese message and nothing
is stored (422, the form shown again as typed). A valid save stores only the entries that differ from
the environment / default, records the change in admin_changes (who, when, each entry old → new) and
applies at once in this process, within hotline.settings.service.CACHE_SECONDS in the others.
"""

from __future__ import annotations

import math

from flask import current_app, flash, redirect, render_template, request, url_for

from hotline.config import Config
from hotline.database import db, write_transaction
from hotline.scoring.service import (
    DEFAULT_MIN_VOLUME,
    GROUP_NAMES,
    GROUP_ORDER,
    LEVEL_NAMES,
    RATE_NAMES,
    RATES,
    InvalidScoringSettings,
    ScoringSettings,
    settings_from_config,
)
from hotline.scoring.service import layered as scoring_layered
from hotline.scoring.settings import scoring_settings
from hotline.settings import service as city_settings
from hotline.settings.service import SATISFACTION_POINTS, SCORE_MIN_VOLUME, SCORE_WEIGHTS, SLA_POLICY
from hotline.web import bp
from hotline.web.admin import record
from hotline.web.login import principal, staff_required
from hotline.web.queries import local
from hotline.workflow.sla import build, environment_policy, sla
from models.enums import Role
from routing.sla import STAGE_NAMES, STAGES, URGENCIES, URGENCY_NAMES, Duration, InvalidSlaPolicy, cells

SOURCE_NAMES = {"default": "默认", "environment": "部署配置", "edited": "已修改"}
GROUPS = ("default", *GROUP_ORDER)
LEVELS = tuple(LEVEL_NAMES)


def _updated(key: str) -> tuple[str, str] | None:
    """Who last edited a setting and when (local time), for the page."""
    meta = city_settings.stored(current_app._get_current_object()).updated.get(key)
    return (meta[0].split(":", 1)[-1], local(meta[1], "%Y-%m-%d %H:%M")) if meta else None


# --- SLA policy -----------------------------------------------------------------------------------

def _sla_table(values: dict, edited: dict, errors: dict) -> list[dict]:
    config = current_app.config
    environment = cells(environment_policy(config))
    base = build(config).policy
    rows = []
    for stage in STAGES:
        row = {"stage": stage, "name": STAGE_NAMES[stage], "cells": []}
        for urgency in URGENCIES:
            source = ("edited" if urgency in edited.get(stage, {}) else
                      "environment" if urgency in environment.get(stage, {}) else "default")
            field = f"sla-{stage}-{urgency}"
            row["cells"].append({"field": field, "urgency": urgency, "value": values[field], "source": source,
                                 "base": str(base.duration(urgency, stage)), "error": errors.get(field)})
        rows.append(row)
    return rows


def _sla_page(values: dict, errors: dict, problems: list[str], status: int = 200):
    stored_edit = city_settings.stored(current_app._get_current_object()).get(SLA_POLICY) or {}
    ignored = None
    if stored_edit:
        try:
            build(current_app.config, stored_edit)
        except ValueError as error:
            ignored = str(error)
    return render_template(
        "admin/sla.html", rows=_sla_table(values, stored_edit, errors), urgencies=[(u, URGENCY_NAMES[u]) for u in URGENCIES],
        errors=errors, problems=problems, sources=SOURCE_NAMES, updated=_updated(SLA_POLICY), ignored=ignored,
        policy=sla().policy,
    ), status


def _effective_sla_values() -> dict:
    policy = sla().policy
    return {f"sla-{s}-{u}": str(policy.duration(u, s)) for s in STAGES for u in URGENCIES}


@bp.get("/admin/sla")
@staff_required(Role.ADMIN)
def admin_sla():
    return _sla_page(_effective_sla_values(), {}, [])


@bp.post("/admin/sla")
@staff_required(Role.ADMIN)
def admin_sla_save():
    app = current_app._get_current_object()
    config = app.config
    base = build(config).policy
    before = sla().policy
    values, edited = {}, {}
    if request.form.get("action") != "reset":
        for stage in STAGES:
            for urgency in URGENCIES:
                field = f"sla-{stage}-{urgency}"
                text = request.form.get(field, "").strip()[:20]
                values[field] = text
                if not text:
                    continue  # blank: back to the environment / default
                try:
                    if Duration.parse(text) == base.duration(urgency, stage):
                        continue  # what the environment / default says already: nothing to store
                    text = str(Duration.parse(text))
                except ValueError:
                    pass  # the policy's own check below gives the message
                edited.setdefault(stage, {})[urgency] = text
    try:
        after = build(config, edited).policy
    except InvalidSlaPolicy as error:
        errors, problems = {}, []
        for problem in error.problems:
            if problem.stage and problem.urgency:
                errors.setdefault(f"sla-{problem.stage}-{problem.urgency}", problem.chinese)
            else:
                problems.append(problem.chinese)
        return _sla_page(values, errors, problems, 422)
    changes = [f"{URGENCY_NAMES[u]}·{STAGE_NAMES[s]}：{before.duration(u, s)} → {after.duration(u, s)}"
               for s in STAGES for u in URGENCIES if before.duration(u, s) != after.duration(u, s)]
    if edited == (city_settings.stored(app).get(SLA_POLICY) or {}) and not changes:
        flash("SLA 时限没有变化。", "info")
        return redirect(url_for("web.admin_sla"), 303)
    session = db()
    with write_transaction(session):
        city_settings.save(session, SLA_POLICY, edited or None, principal().actor)
        summary = ("恢复 SLA 时限为部署配置/默认值" if not edited else "修改 SLA 时限") + \
            (f"：{'；'.join(changes)}" if changes else "（生效值不变）")
        record("settings", SLA_POLICY, summary, "\n".join(changes) or None)
    city_settings.forget(app)
    flash(f"已保存 SLA 时限（{len(changes)} 项变化），新派单按新时限计算。", "ok")
    return redirect(url_for("web.admin_sla"), 303)


# --- scoring --------------------------------------------------------------------------------------

def _number_text(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _form_number(text: str):
    """A number typed in the form, or the text itself for the parser to refuse with its message."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return text
    return value if math.isfinite(value) else text


def _environment_scoring() -> tuple[dict, ScoringSettings]:
    config = current_app.config
    return scoring_layered(config), settings_from_config(config)


def _scoring_values(settings: ScoringSettings, environment_raw: dict, edited: dict) -> dict:
    own_groups = set(environment_raw["SCORE_WEIGHTS"]) | set(edited.get(SCORE_WEIGHTS) or {}) | {"default"}
    values = {}
    for group in GROUPS:
        for rate in RATES:
            weights = settings.weights.get(group) if group in own_groups else None
            values[f"w-{group}-{rate}"] = _number_text(weights[rate] if weights else None)
    for level in LEVELS:
        values[f"points-{level}"] = _number_text(settings.satisfaction_points[level])
    values["min_volume"] = str(settings.min_volume)
    return values


def _source(edited: bool, environment: bool) -> str:
    return "edited" if edited else "environment" if environment else "default"


def _scoring_page(values: dict, errors: dict, problems: list[str], status: int = 200):
    config = current_app.config
    edited = _stored_scoring()
    environment_raw, _ = _environment_scoring()
    edited_weights = edited.get(SCORE_WEIGHTS) or {}
    edited_points = edited.get(SATISFACTION_POINTS) or {}
    groups = []
    for group in GROUPS:
        fields = [(f"w-{group}-{rate}", RATE_NAMES[rate]) for rate in RATES]
        numbers = [_form_number(values[f]) for f, _ in fields]
        numeric = all(isinstance(n, int | float) for n in numbers)
        total = sum(numbers) if numeric else 0
        shares = [f"{100 * n / total:.0f}%" for n in numbers] if total > 0 else None
        groups.append({"group": group, "name": GROUP_NAMES[group], "fields": fields, "shares": shares,
                       "error": errors.get(f"w-{group}"),
                       "source": _source(group in edited_weights, group in environment_raw["SCORE_WEIGHTS"])})
    levels = [{"field": f"points-{level}", "name": LEVEL_NAMES[level],
               "source": _source(level in edited_points, level in environment_raw["SATISFACTION_POINTS"])}
              for level in LEVELS]
    volume_source = _source(SCORE_MIN_VOLUME in edited,
                            int(config.get(SCORE_MIN_VOLUME, DEFAULT_MIN_VOLUME)) != Config.SCORE_MIN_VOLUME)
    stored_edit = city_settings.stored(current_app._get_current_object()).values
    ignored = None
    if any(key in stored_edit for key in (SCORE_WEIGHTS, SATISFACTION_POINTS, SCORE_MIN_VOLUME)):
        try:
            settings_from_config(config, stored_edit)
        except InvalidScoringSettings as error:
            ignored = str(error)
    updated = [_updated(key) for key in (SCORE_WEIGHTS, SATISFACTION_POINTS, SCORE_MIN_VOLUME)]
    updated = max((u for u in updated if u), key=lambda u: u[1], default=None)
    return render_template("admin/scoring.html", groups=groups, levels=levels, values=values, errors=errors,
                           problems=problems, volume_source=volume_source, sources=SOURCE_NAMES,
                           updated=updated, ignored=ignored), status


def _stored_scoring() -> dict:
    values = city_settings.stored(current_app._get_current_object()).values
    return {key: values[key] for key in (SCORE_WEIGHTS, SATISFACTION_POINTS, SCORE_MIN_VOLUME) if key in values}


@bp.get("/admin/scoring")
@staff_required(Role.ADMIN)
def admin_scoring():
    edited = _stored_scoring()
    environment_raw, _ = _environment_scoring()
    return _scoring_page(_scoring_values(scoring_settings(), environment_raw, edited), {}, [])


def _describe(settings: ScoringSettings) -> dict[str, str]:
    lines = {}
    for group in GROUPS:
        if group in settings.weights:
            weights = settings.weights[group]
            lines[f"{GROUP_NAMES[group]}权重"] = "/".join(_number_text(weights[r]) for r in RATES)
        else:
            lines[f"{GROUP_NAMES[group]}权重"] = "同默认"
    for level in LEVELS:
        lines[f"“{LEVEL_NAMES[level]}”分值"] = _number_text(settings.satisfaction_points[level])
    lines["排名最低派单量"] = str(settings.min_volume)
    return lines


@bp.post("/admin/scoring")
@staff_required(Role.ADMIN)
def admin_scoring_save():
    app = current_app._get_current_object()
    config = app.config
    environment_raw, environment = _environment_scoring()
    before = scoring_settings(app)
    values, weights, points, min_volume = {}, {}, {}, None
    if request.form.get("action") != "reset":
        for group in GROUPS:
            texts = {rate: request.form.get(f"w-{group}-{rate}", "").strip()[:20] for rate in RATES}
            values.update({f"w-{group}-{rate}": text for rate, text in texts.items()})
            if not any(texts.values()):
                continue  # the environment's weights of the group, else the default row's
            spec = {rate: _form_number(text) for rate, text in texts.items()}
            if group in environment.weights and spec == environment.weights[group]:
                continue
            weights[group] = spec
        for level in LEVELS:
            text = request.form.get(f"points-{level}", "").strip()[:20]
            values[f"points-{level}"] = text
            if text and _form_number(text) != environment.satisfaction_points[level]:
                points[level] = _form_number(text)
        text = request.form.get("min_volume", "").strip()[:20]
        values["min_volume"] = text
        if text and text != str(environment.min_volume):
            number = _form_number(text)
            min_volume = number if isinstance(number, int) else text
    edited = {key: value for key, value in ((SCORE_WEIGHTS, weights), (SATISFACTION_POINTS, points),
                                             (SCORE_MIN_VOLUME, min_volume)) if value not in (None, {})}
    try:
        after = settings_from_config(config, edited)
    except InvalidScoringSettings as error:
        errors, problems = {}, []
        for problem in error.problems:
            head, _, rate = problem.field.partition(".")
            if head in GROUP_NAMES:
                errors.setdefault(f"w-{head}-{rate}" if rate else f"w-{head}", problem.chinese)
            elif head in LEVEL_NAMES:
                errors.setdefault(f"points-{head}", problem.chinese)
            elif head == "min_volume":
                errors.setdefault("min_volume", problem.chinese)
            else:
                problems.append(problem.chinese)
        return _scoring_page(values, errors, problems, 422)
    old, new = _describe(before), _describe(after)
    changes = [f"{name}：{old[name]} → {new[name]}" for name in old if old[name] != new[name]]
    if edited == _stored_scoring() and not changes:
        flash("考评参数没有变化。", "info")
        return redirect(url_for("web.admin_scoring"), 303)
    session = db()
    with write_transaction(session):
        for key in (SCORE_WEIGHTS, SATISFACTION_POINTS, SCORE_MIN_VOLUME):
            city_settings.save(session, key, edited.get(key), principal().actor)
        summary = ("恢复考评参数为部署配置/默认值" if not edited else "修改考评参数") + \
            (f"：{'；'.join(changes)}" if changes else "（生效值不变）")
        record("settings", "考评参数", summary, "\n".join(changes) or None)
    city_settings.forget(app)
    flash(f"已保存考评参数（{len(changes)} 项变化），本月排名按新参数计算；已保存的往期结果在重新计算后更新。", "ok")
    return redirect(url_for("web.admin_scoring"), 303)
