"""Administration at /admin: the city's data, users and API keys — every change recorded (who, when, what).
The SLA policy and the scoring settings are edited at /admin/sla and /admin/scoring (admin_settings.py).

City data is edited file by file in the format of `city load` (units, jurisdictions, categories, the
dispatch catalogue, the knowledge base): an edit is checked together with the rest of the city by the
same validation (`read_city`) and written with the same `load_city`, in one transaction; nothing is
written when any check fails. The whole city can be exported and imported as a zip of those files.
"""

from __future__ import annotations

import difflib
import io
import tempfile
import zipfile
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from sqlalchemy import select

from hotline.auth import hash_api_key, hash_password, new_api_key
from hotline.auth.accounts import AccountError, create_user
from hotline.auth.keycache import forget_keys
from hotline.city.schema import CityError, read_city
from hotline.city.store import export_city, load_city
from hotline.database import db, write_transaction
from hotline.intake.routing import _city_cache
from hotline.scoring.service import GROUP_NAMES
from hotline.scoring.settings import scoring_settings
from hotline.settings import service as city_settings
from hotline.web import bp
from hotline.web.login import principal, staff_required
from hotline.web.queries import local
from hotline.workflow.sla import sla
from models import AdminChange, ApiKey, Unit, User, clock
from models.enums import CHINESE_NAMES, Channel, Role, values

CITY_FILES = {
    "units.yaml": "承办单位", "jurisdictions.yaml": "辖区（区、街道/乡镇）", "categories.yaml": "事项分类",
    "catalogue.yaml": "派单目录", "knowledge.yaml": "知识库",
}
CITY_FILE_MAX = 2 * 1024 * 1024


def record(kind: str, target: str, summary: str, detail: str | None = None) -> None:
    """The audit line of an admin change; written in the caller's transaction."""
    db().add(AdminChange(at=clock.now(), actor=principal().actor, kind=kind, target=target[:100],
                         summary=summary[:300], detail=detail))


@bp.get("/admin")
@staff_required(Role.ADMIN)
def admin_home():
    session = db()
    changes = session.scalars(select(AdminChange).order_by(AdminChange.at.desc(), AdminChange.id.desc()).limit(50))
    config = current_app.config
    return render_template("admin/home.html", files=CITY_FILES, changes=list(changes), local=local,
                           policy=sla().policy, scoring=scoring_settings(), group_names=GROUP_NAMES,
                           edited=city_settings.stored(current_app._get_current_object()).values,
                           warning=config["WARNING_FRACTION"], escalation=config["ESCALATION_DELAY_HOURS"])


def _export_text(session, name: str) -> str:
    with tempfile.TemporaryDirectory() as folder:
        export_city(session, Path(folder))
        return (Path(folder) / name).read_text(encoding="utf-8")


@bp.route("/admin/city/<name>", methods=["GET", "POST"])
@staff_required(Role.ADMIN)
def admin_city_file(name: str):
    if name not in CITY_FILES:
        abort(404)
    session = db()
    current = _export_text(session, name)
    if request.method == "GET":
        return render_template("admin/city_file.html", name=name, title=CITY_FILES[name], text=current, problems=[])
    text = request.form.get("text", "").replace("\r\n", "\n")
    if len(text.encode()) > CITY_FILE_MAX:
        return render_template("admin/city_file.html", name=name, title=CITY_FILES[name], text=text,
                               problems=["文件过大（上限 2 MB）。"]), 422
    with tempfile.TemporaryDirectory() as folder:
        export_city(session, Path(folder))
        (Path(folder) / name).write_text(text, encoding="utf-8")
        session.rollback()
        try:
            city = read_city(Path(folder))
        except CityError as error:
            return render_template("admin/city_file.html", name=name, title=CITY_FILES[name], text=text,
                                   problems=error.problems), 422
    diff = "".join(difflib.unified_diff(current.splitlines(True), text.splitlines(True), f"{name}（原）", f"{name}（新）"))
    if not diff:
        flash(f"{CITY_FILES[name]}没有变化。", "info")
        return redirect(url_for("web.admin_city_file", name=name), 303)
    with write_transaction(session):
        report = load_city(session, city)
        changed = sum(1 for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---"))
        record("city", name, f"修改{CITY_FILES[name]}（{changed} 行变化）", diff)
    _city_cache.forget(current_app._get_current_object())
    flash(f"已保存{CITY_FILES[name]}：单位 {report.units}、街道/乡镇 {report.streets}、事项 {report.categories}、"
          f"派单目录 {report.catalogue}、知识库 {report.articles}。", "ok")
    return redirect(url_for("web.admin_city_file", name=name), 303)


@bp.get("/admin/city/export.zip")
@staff_required(Role.ADMIN)
def admin_city_export():
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as folder:
        export_city(db(), Path(folder))
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in CITY_FILES:
                archive.write(Path(folder) / name, name)
    buffer.seek(0)
    return send_file(buffer, mimetype="application/zip", as_attachment=True, download_name="city.zip")


@bp.post("/admin/city/import")
@staff_required(Role.ADMIN)
def admin_city_import():
    upload = request.files.get("archive")
    problems: list[str] = []
    session = db()
    if upload is None or not upload.filename:
        problems.append("请选择城市数据 zip 文件。")
    else:
        data = upload.read(CITY_FILE_MAX * 5 + 1)
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            names = set(archive.namelist())
        except zipfile.BadZipFile:
            problems.append("不是有效的 zip 文件。")
        else:
            with tempfile.TemporaryDirectory() as folder:
                for name in CITY_FILES:
                    if name in names:
                        info = archive.getinfo(name)
                        if info.file_size > CITY_FILE_MAX:
                            problems.append(f"{name} 过大。")
                            continue
                        (Path(folder) / name).write_bytes(archive.read(name))
                if not problems:
                    try:
                        city = read_city(Path(folder))
                    except CityError as error:
                        problems = error.problems
        if not problems:
            with write_transaction(session):
                report = load_city(session, city)
                record("city-import", upload.filename, f"导入城市数据：单位 {report.units}、事项 {report.categories}、"
                       f"知识库 {report.articles}" + (f"，停用单位 {report.deactivated_units}" if report.deactivated_units else ""))
            _city_cache.forget(current_app._get_current_object())
            flash("已导入城市数据。", "ok")
            return redirect(url_for("web.admin_home"), 303)
    for problem in problems[:30]:
        flash(problem, "error")
    return redirect(url_for("web.admin_home"), 303)


# --- users and API keys ---------------------------------------------------------------------------

@bp.get("/admin/users")
@staff_required(Role.ADMIN)
def admin_users():
    session = db()
    users = session.scalars(select(User).order_by(User.role, User.username))
    units = session.execute(select(Unit.code, Unit.name).where(Unit.active.is_(True)).order_by(Unit.unit_group, Unit.code)).all()
    keys = session.scalars(select(ApiKey).order_by(ApiKey.id))
    return render_template("admin/users.html", users=list(users), units=units, keys=list(keys),
                           roles=[(r, CHINESE_NAMES[r]) for r in values(Role)],
                           channels=[(c, CHINESE_NAMES[c]) for c in values(Channel)], local=local)


@bp.post("/admin/users")
@staff_required(Role.ADMIN)
def admin_user_create():
    form = {k: request.form.get(k, "").strip() for k in ("username", "display_name", "role", "unit", "password")}
    session = db()
    try:
        if form["role"] not in values(Role):
            raise AccountError("请选择角色")
        if not form["username"] or len(form["username"]) > 64:
            raise AccountError("用户名应为 1–64 个字符")
        with write_transaction(session):
            create_user(session, form["username"], form["password"], form["role"],
                        form["unit"] if form["role"] == Role.UNIT_STAFF else None, form["display_name"] or None)
            record("user", form["username"], f"新建用户 {form['username']}（{CHINESE_NAMES[form['role']]}"
                   + (f"，{form['unit']}" if form["role"] == Role.UNIT_STAFF else "") + "）")
    except AccountError as error:
        session.rollback()
        flash(f"未能创建用户：{error}", "error")
        return redirect(url_for("web.admin_users"), 303)
    flash(f"已创建用户 {form['username']}。", "ok")
    return redirect(url_for("web.admin_users"), 303)


@bp.post("/admin/users/<int:user_id>/<change>")
@staff_required(Role.ADMIN)
def admin_user_change(user_id: int, change: str):
    session = db()
    with write_transaction(session):
        user = session.get(User, user_id)
        if user is None or change not in ("deactivate", "activate", "password"):
            abort(404)
        if change == "password":
            password = request.form.get("password", "")
            if len(password) < 8:
                flash("密码至少 8 位。", "error")
                return redirect(url_for("web.admin_users"), 303)
            user.password_hash = hash_password(password)
            summary = f"重置 {user.username} 的密码"
        elif user.id == principal().id and change == "deactivate":
            flash("不能停用自己的账号。", "error")
            return redirect(url_for("web.admin_users"), 303)
        else:
            user.active = change == "activate"
            summary = f"{'启用' if user.active else '停用'}用户 {user.username}"
        record("user", user.username, summary)
    flash(summary + "。", "ok")
    return redirect(url_for("web.admin_users"), 303)


@bp.post("/admin/apikeys")
@staff_required(Role.ADMIN)
def admin_apikey_create():
    channel = request.form.get("channel", "")
    name = request.form.get("name", "").strip()
    if channel not in values(Channel) or not name or len(name) > 100:
        flash("请选择渠道并填写客户端名称（1–100 字）。", "error")
        return redirect(url_for("web.admin_users"), 303)
    session = db()
    if session.scalar(select(ApiKey.id).where(ApiKey.channel == channel, ApiKey.name == name)) is not None:
        flash(f"渠道 {CHINESE_NAMES[channel]} 已有名为“{name}”的密钥，请换一个名称。", "error")
        return redirect(url_for("web.admin_users"), 303)
    key, prefix = new_api_key()
    with write_transaction(session):
        session.add(ApiKey(name=name, channel=channel, prefix=prefix, key_hash=hash_api_key(key)))
        record("apikey", prefix, f"为渠道 {CHINESE_NAMES[channel]} 创建密钥“{name}”")
    return render_template("admin/new_key.html", key=key, name=name, channel=CHINESE_NAMES[channel])


@bp.post("/admin/apikeys/<int:key_id>/revoke")
@staff_required(Role.ADMIN)
def admin_apikey_revoke(key_id: int):
    session = db()
    with write_transaction(session):
        key = session.get(ApiKey, key_id)
        if key is None:
            abort(404)
        if key.revoked_at is None:
            key.revoked_at = clock.now()
            record("apikey", key.prefix, f"吊销密钥“{key.name}”")
    forget_keys(current_app)  # this process at once; the others within API_KEY_CACHE_SECONDS
    flash(f"已吊销密钥 {key.prefix}。", "ok")
    return redirect(url_for("web.admin_users"), 303)
