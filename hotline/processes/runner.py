"""`flask up`: everything for the zero-setup default in one command, and nothing left behind.

Order of start: migrate → demo city and users (empty database only) → embedded Redis → worker (with
scheduler) → cron (periodic sweep, nightly scores) → web server; the banner is printed once the web
server accepts connections. Each service is a child process in its own process group, so Ctrl-C reaches
only this supervisor, which then stops them in reverse order. A child that dies is started again with
backoff (1 s, 2 s, … 30 s) while the others keep running: the web keeps taking complaints whatever
happens to the worker, cron or Redis. The children also ask the kernel to SIGTERM them if this process
dies without cleaning up (Linux PR_SET_PDEATHSIG), so no orphans remain.
"""

from __future__ import annotations

import ctypes
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select

from hotline import database, migrate
from hotline.auth.accounts import create_user
from hotline.city.schema import read_city
from hotline.city.store import city_is_empty, load_city
from hotline.processes.resilience import Backoff
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
class Child:
    name: str
    args: list[str]
    process: subprocess.Popen
    started: float
    restarts: int = 0
    restart_at: float | None = None  # when a dead child is due to be started again
    backoff: Backoff = field(default_factory=lambda: Backoff(initial=1.0, maximum=RESTART_BACKOFF_MAX))


RESTART_BACKOFF_MAX = 30.0  # seconds between restarts of a child that keeps dying
HEALTHY_AFTER = 60.0  # a child that ran this long starts its backoff afresh when it dies


@dataclass
class Supervisor:
    """Starts the children, restarts any that dies (with backoff) while the others keep running, and
    stops them all in reverse order."""

    env: dict[str, str] = field(default_factory=dict)
    children: list[Child] = field(default_factory=list)
    embedded: EmbeddedRedis | None = None
    stopping: bool = False

    def spawn(self, name: str, args: list[str], env: dict[str, str] | None = None) -> Child:
        if env is not None:
            self.env = env
        child = Child(name, args, self._start(args), time.monotonic())
        self.children.append(child)
        click.echo(f"  已启动 {name}（pid {child.process.pid}）")
        return child

    def _start(self, args: list[str]) -> subprocess.Popen:
        return subprocess.Popen(args, cwd=PROJECT_ROOT, env=self.env, preexec_fn=_die_with_parent)

    def look_after(self, now: float | None = None) -> None:
        """One pass: notice dead children, restart those whose backoff is over (and the embedded Redis)."""
        now = time.monotonic() if now is None else now
        if self.embedded is not None and self.embedded.process is not None \
                and self.embedded.process.poll() is not None and not self.stopping:
            click.echo(f"内置 Redis 意外退出（退出码 {self.embedded.process.returncode}），正在重启 …", err=True)
            try:
                self.embedded.start(preexec_fn=_die_with_parent)
            except EmbeddedRedisError as error:
                click.echo(f"内置 Redis 重启失败：{error}；稍后重试。", err=True)
        for child in self.children:
            if self.stopping:
                return
            if child.restart_at is None:
                code = child.process.poll()
                if code is None:
                    continue
                if now - child.started >= HEALTHY_AFTER:
                    child.backoff.reset()
                wait = child.backoff.next()
                child.restart_at = now + wait
                click.echo(f"{child.name} 意外退出（退出码 {code}），{wait:.0f} 秒后重启；其他服务照常运行。", err=True)
            elif now >= child.restart_at:
                child.process = self._start(child.args)
                child.started, child.restart_at = now, None
                child.restarts += 1
                click.echo(f"  已重启 {child.name}（pid {child.process.pid}，第 {child.restarts} 次）", err=True)

    def stop_all(self, timeout: float = 15.0) -> None:
        for child in reversed(self.children):
            process = child.process
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout)
                except subprocess.TimeoutExpired:
                    click.echo(f"  {child.name} 未在 {timeout:.0f} 秒内退出，强制结束", err=True)
                    process.kill()
                    process.wait()
        if self.embedded is not None:
            self.embedded.stop()

    def wait_until_listening(self, web: Child, host: str, port: int, timeout: float = 180.0) -> bool:
        """True once the web server accepts connections (it loads the app first: tens of seconds)."""
        target = "127.0.0.1" if host in ("0.0.0.0", "") else ("::1" if host == "::" else host)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.stopping:
            try:
                with socket.create_connection((target, port), timeout=1):
                    return True
            except OSError:
                pass
            self.look_after()
            time.sleep(0.2)
        return False


def prepare_database(app: Flask) -> None:
    click.echo("迁移数据库 …")
    migrate.upgrade(database.engine(app))
    with database.session_factory(app)() as session, session.begin():
        if city_is_empty(session):
            click.echo(f"数据库为空，导入演示城市 {app.config['DEMO_CITY_PATH']} …")
            load_city(session, read_city(Path(app.config["DEMO_CITY_PATH"])))


def ensure_demo_users(app: Flask) -> list[tuple[str, str, str]]:
    """Create the demo accounts once, with random passwords kept in the instance folder."""
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
            ok, detail = ping(app)
            if not ok:
                click.echo(f"警告：暂时无法连接 Redis（{detail}）。Web 服务照常受理；任务进程等待 Redis 恢复后自动继续。",
                           err=True)
        click.echo("启动服务 …")
        if redis_ok:  # the worker and cron wait out an unreachable Redis by themselves
            supervisor.spawn("worker", [sys.executable, "-m", "hotline.processes.worker"], env)
            supervisor.spawn("cron", [sys.executable, "-m", "hotline.processes.cron"], env)
        web = supervisor.spawn("web", [sys.executable, "-m", "waitress", f"--host={host}", f"--port={port}",
                                       f"--threads={threads}", "wsgi:app"], env)
        if supervisor.wait_until_listening(web, host, port):
            _print_banner(host, port, logins)
        elif not supervisor.stopping:
            click.echo(f"Web 服务未能在端口 {port} 上启动（端口是否被占用？），正在停止。", err=True)
            return 1
        while not supervisor.stopping:
            supervisor.look_after()
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
