"""Staff sign-in for the pages: Flask-Login sessions, Flask-WTF CSRF, rate-limited /login, POST /logout.

The session remembers the user's id and a fingerprint of the password hash: changing a password (or
deactivating the account) ends that person's sessions. Pages check roles with `staff_required`; the
workflow receives the same `Principal` the API builds from a token.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from urllib.parse import urlsplit

from flask import Flask, abort, flash, redirect, render_template, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError, CSRFProtect
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from hotline.auth import Principal, authenticate_password, lockout, principal_for_user
from hotline.database import db
from hotline.extensions import rate_limited
from hotline.web import bp
from hotline.web.queries import unread_count
from models import User
from models.enums import CHINESE_NAMES, Role

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "web.login"
login_manager.login_message = "请先登录。"
login_manager.session_protection = "strong"

# Where each role starts after signing in.
HOME_OF_ROLE = {Role.AGENT: "web.agent_console", Role.UNIT_STAFF: "web.unit_queue",
                Role.SUPERVISOR: "web.supervisor_dashboard", Role.ADMIN: "web.admin_home"}
CSRF_EXEMPT = {"web.survey"}  # the survey link's signed token is the capability


class StaffUser(UserMixin):
    """What a page knows about the signed-in person (loaded once per request)."""

    def __init__(self, user: User):
        self.id = user.id
        self.username = user.username
        self.name = user.display_name or user.username
        self.role = user.role
        self.role_name = CHINESE_NAMES.get(user.role, user.role)
        self.unit_id = user.unit_id
        self.unit_name = user.unit.name if user.unit is not None else None
        self.principal: Principal = principal_for_user(user)
        self._session_id = f"{user.id}:{_fingerprint(user)}"

    def get_id(self) -> str:
        return self._session_id


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:12]


@login_manager.user_loader
def _load_user(session_id: str) -> StaffUser | None:
    user_id, _, fingerprint = session_id.partition(":")
    user = db().get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.active or _fingerprint(user) != fingerprint:
        return None
    return StaffUser(user)


def init_app(app: Flask) -> None:
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=int(app.config["PERMANENT_SESSION_LIFETIME"]))
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # only the pages are checked (see _csrf)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # bound to the session, which expires itself
    app.config.setdefault("WTF_CSRF_SSL_STRICT", False)  # SameSite cookies + the token; no Referer is sent
    csrf.init_app(app)
    login_manager.init_app(app)


@bp.before_request
def _csrf():
    if request.method == "POST" and request.endpoint not in CSRF_EXEMPT:
        csrf.protect()


def principal() -> Principal:
    return current_user.principal


def staff_required(*roles: str) -> Callable:
    """Pages for signed-in staff with one of `roles`: others are sent to /login, the wrong role gets 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=64)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=200)])


def _safe_next(target: str | None) -> str | None:
    """Only paths of this site (never //host or http://…): no open redirect after login."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def home_of(user) -> str:
    return url_for(HOME_OF_ROLE.get(user.role, "web.home"))


@bp.get("/login")
def login():
    if current_user.is_authenticated:
        return redirect(home_of(current_user))
    return render_template("login/login.html", form=LoginForm(), next=_safe_next(request.args.get("next")))


@bp.post("/login")
@rate_limited("RATELIMIT_LOGIN")
def login_submit():
    form = LoginForm()
    target = _safe_next(request.args.get("next"))
    if form.validate_on_submit():
        username = form.username.data.strip()
        try:
            lockout.check(username)  # as the API's token route: per account and per address
        except lockout.LockedOut as locked:
            form.password.errors.append(locked.message)
            return render_template("login/login.html", form=form, next=target), 429, {
                "Retry-After": str(locked.retry_after)}
        user = authenticate_password(db(), username, form.password.data)
        if user is not None:
            session.clear()  # a fresh session on sign-in (no fixation)
            session.permanent = True
            login_user(StaffUser(user))
            return redirect(target or home_of(user))
        lockout.failed(username)
        form.password.errors.append("用户名或密码错误，或账号已停用。")
    return render_template("login/login.html", form=form, next=target), 401 if form.is_submitted() else 200


@bp.post("/logout")
def logout():
    logout_user()
    session.clear()
    flash("您已退出登录。", "ok")
    return redirect(url_for("web.login"))


NAV = {
    Role.AGENT: [("web.agent_console", "受理"), ("web.agent_triage", "待分拨"), ("web.agent_callbacks", "电话回访")],
    Role.UNIT_STAFF: [("web.unit_queue", "待办工单")],
    Role.SUPERVISOR: [("web.supervisor_dashboard", "督办总览"), ("web.supervisor_approvals", "审批"),
                      ("web.supervisor_rankings", "三率考评"), ("web.supervisor_charts", "统计图表"),
                      ("web.supervisor_search", "工单查询"), ("web.agent_triage", "待分拨")],
    Role.ADMIN: [("web.admin_home", "系统管理"), ("web.admin_users", "账号与密钥"),
                 ("web.supervisor_dashboard", "督办总览"), ("web.supervisor_rankings", "三率考评")],
}


def _nav_items() -> list[tuple[str, str]]:
    return NAV.get(current_user.role, []) if current_user.is_authenticated else []


def _unread_count() -> int | None:
    if not current_user.is_authenticated:
        return None

    return unread_count(db(), current_user.principal)


@bp.app_context_processor
def _staff_context():
    return {"me": current_user if current_user.is_authenticated else None, "role_names": CHINESE_NAMES,
            "nav_items": _nav_items, "unread_count": _unread_count}


@bp.errorhandler(CSRFError)
def _csrf_error(error):
    return render_template("errors/error.html", title="页面已过期",
                           message="表单已过期或来源不明（CSRF 校验未通过），请刷新页面后重试。"), 400


@bp.errorhandler(403)
def _forbidden(error):
    return render_template("errors/error.html", title="无权访问",
                           message="当前账号的角色无权打开此页面。如需权限，请联系管理员。"), 403


@bp.errorhandler(404)
def _not_found(error):
    return render_template("errors/error.html", title="未找到", message="请求的页面或工单不存在，或您无权查看。"), 404


@bp.errorhandler(429)
def _too_many(error):
    return render_template("errors/error.html", title="操作过于频繁",
                           message="请求过于频繁，请稍后再试。"), 429
