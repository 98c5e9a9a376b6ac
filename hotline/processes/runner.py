"""`flask up`: everything for the zero-setup default in one command, and nothing left behind.

Order of start: migrate → demo city and users (empty database only) → embedded Redis → worker (with
scheduler) → cron (periodic sweep, nightly scores) → web server. Each service is a child process in its own process group, so Ctrl-C reaches
only this supervisor, which then stops them in reverse order. The children also ask the kernel to
SIGTERM them if this process dies without cleaning up (Linux PR_SET_PDEATHSIG), so no orphans remain.
"""

from __future__ import annotations

import ctypes
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select

from hotline import database, migrate
from hotline.city.schema import read_city
from hotline.city.store import city_is_empty, load_city
from hotline.redis_conn import EmbeddedRedis, EmbeddedRedisError, ping
from models import User

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Demo accounts made by `up` on an empty database: (username, role, unit code, display name).
DEMO_USERS = (
    ("agent", "agent", None, "坐席演示账号"),
    ("supervisor", "supervisor", None, "督办演示账号"),
    ("admin", "admin", None, "管理员演示账号"),
)


def _die_with_parent() -> None:
    """Runs in the child before exec: SIGTERM me when my parent dies (Linux only; elsewhere a no-op)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except OSError:
        pass
    os.setpgrp()  # own process group: the terminal's Ctrl-C goes to the supervisor only


@dataclass
class Supervisor:
    children: list[tuple[str, subprocess.Popen]] = field(default_factory=list)
    embedded: EmbeddedRedis | None = None
    stopping: bool = False

    def spawn(self, name: str, args: list[str], env: dict[str, str]) -> None:
        process = subprocess.Popen(args, cwd=PROJECT_ROOT, env=env, preexec_fn=_die_with_parent)
        self.children.append((name, process))
        click.echo(f"  已启动 {name}（pid {process.pid}）")

    def stop_all(self, timeout: float = 15.0) -> None:
        for name, process in reversed(self.children):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout)
                except subprocess.TimeoutExpired:
                    click.echo(f"  {name} 未在 {timeout:.0f} 秒内退出，强制结束", err=True)
                    process.kill()
                    process.wait()
        if self.embedded is not None:
            self.embedded.stop()

    def first_dead(self) -> tuple[str, int] | None:
        for name, process in self.children:
            if process.poll() is not None:
                return name, process.returncode
        return None


def prepare_database(app: Flask) -> None:
    click.echo("迁移数据库 …")
    migrate.upgrade(database.engine(app))
    with database.session_factory(app)() as session, session.begin():
        if city_is_empty(session):
            click.echo(f"数据库为空，导入演示城市 {app.config['DEMO_CITY_PATH']} …")
            load_city(session, read_city(Path(app.config["DEMO_CITY_PATH"])))


def ensure_demo_users(app: Flask) -> list[tuple[str, str, str]]:
    """Create the demo accounts once, with random passwords kept in the instance folder."""
    from hotline.cli.accounts import create_user

    logins_file = Path(app.config["INSTANCE_PATH"]) / "demo-logins.txt"
    with database.session_factory(app)() as session, session.begin():
        if session.scalar(select(User.id).limit(1)) is None:
            lines = []
            for username, role, unit, name in DEMO_USERS + _demo_unit_staff(session):
                password = secrets.token_urlsafe(9)
                create_user(session, username, password, role, unit, name)
                lines.append(f"{username}\t{password}\t{role}")
            logins_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
            logins_file.chmod(0o600)
    if not logins_file.exists():
        return []
    return [tuple(line.split("\t")) for line in logins_file.read_text(encoding="utf-8").splitlines() if line]


def _demo_unit_staff(session) -> tuple:
    """One account for the first street office and the first city department of the city."""
    from models import Unit

    accounts = []
    for group, username in (("street", "street"), ("department", "dept")):
        unit = session.scalar(select(Unit).where(Unit.unit_group == group).order_by(Unit.id).limit(1))
        if unit is not None:
            accounts.append((username, "unit_staff", unit.code, f"{unit.name}演示账号"))
    return tuple(accounts)


def run(app: Flask, host: str, port: int, threads: int = 8) -> int:
    prepare_database(app)
    logins = ensure_demo_users(app)
    click.echo("检查分类模型 …")
    from hotline.learning.service import ensure_bootstrap_model

    click.echo(f"分类模型版本：{ensure_bootstrap_model(app)}")
    supervisor = Supervisor()
    env = dict(os.environ, HOTLINE_INSTANCE_PATH=app.config["INSTANCE_PATH"],
               HOTLINE_DATABASE_URL=app.config["DATABASE_URL"], PYTHONUNBUFFERED="1")

    def on_signal(signum, _frame):
        supervisor.stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    redis_ok = True
    try:
        if app.config["REDIS_URL"] == "embedded":
            click.echo("启动内置 Redis …")
            supervisor.embedded = EmbeddedRedis(app.config["INSTANCE_PATH"])
            try:
                supervisor.embedded.start(preexec_fn=_die_with_parent)
            except EmbeddedRedisError as error:
                supervisor.embedded = None
                redis_ok = False
                click.echo(f"警告：{error}。Web 服务照常受理诉求，但定时任务暂停，直到 Redis 可用。", err=True)
        else:
            redis_ok, detail = ping(app)
            if not redis_ok:
                click.echo(f"警告：无法连接 Redis（{detail}）。Web 服务照常受理，定时任务暂停。", err=True)
        click.echo("启动服务 …")
        if redis_ok:
            supervisor.spawn("worker", [sys.executable, "-m", "hotline.processes.worker"], env)
            supervisor.spawn("cron", [sys.executable, "-m", "hotline.processes.cron"], env)
        supervisor.spawn("web", [sys.executable, "-m", "waitress", f"--host={host}", f"--port={port}",
                                 f"--threads={threads}", "wsgi:app"], env)
        _print_banner(host, port, logins)
        while not supervisor.stopping:
            dead = supervisor.first_dead()
            if dead is not None:
                click.echo(f"{dead[0]} 意外退出（退出码 {dead[1]}），正在停止全部服务", err=True)
                return 1
            time.sleep(0.3)
        click.echo("\n正在停止 …")
        return 0
    finally:
        supervisor.stop_all()
        click.echo("已全部停止。")


def _print_banner(host: str, port: int, logins: list[tuple[str, ...]]) -> None:
    shown = "localhost" if host in ("0.0.0.0", "127.0.0.1") else host
    click.echo(f"\nHotline 已启动：http://{shown}:{port}/   健康检查：http://{shown}:{port}/healthz")
    if logins:
        click.echo("演示账号（用户名 / 密码 / 角色）：")
        for username, password, role in logins:
            click.echo(f"  {username:<12} {password:<16} {role}")
    click.echo("按 Ctrl-C 停止。\n")
