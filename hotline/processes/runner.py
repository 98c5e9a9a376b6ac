"""`flask up`: everything for the zero-setup default in one command, and nothing left behind.

Order of start: preparation (hotline.processes.prepare, in a child process: migrate, demo city and users
on an empty database, bootstrap model) → embedded Redis → worker (with scheduler) → cron (periodic sweep,
nightly scores) → web server (hotline.processes.web, which loads the model before serving). Each service
is a child process in its own process group, so Ctrl-C reaches only this supervisor, which then stops
them in reverse order. A child that dies is started again with backoff (1 s, 2 s, … 30 s) while the
others keep running: the web keeps taking complaints whatever happens to the worker, cron or Redis. The
banner is printed once the web server accepts connections. The children also ask the kernel to SIGTERM them if this process dies without
cleaning up (Linux PR_SET_PDEATHSIG), so no orphans remain.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import click
from flask import Flask

from hotline.processes.prepare import demo_logins
from hotline.processes.resilience import Backoff
from hotline.redis_conn import EmbeddedRedis, EmbeddedRedisError, ping

PROJECT_ROOT = Path(__file__).resolve().parents[2]


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


def run(app: Flask, host: str, port: int, threads: int = 8) -> int:
    env = dict(os.environ, HOTLINE_INSTANCE_PATH=app.config["INSTANCE_PATH"],
               HOTLINE_DATABASE_URL=app.config["DATABASE_URL"], PYTHONUNBUFFERED="1")
    # In a child process: training the bootstrap model loads scikit-learn and jieba (~200 MB), which this
    # supervisor, running for as long as the services do, has no use for.
    if subprocess.run([sys.executable, "-m", "hotline.processes.prepare"], cwd=PROJECT_ROOT, env=env).returncode:
        click.echo("准备工作未完成（原因见上），未启动任何服务。", err=True)
        return 1
    logins = demo_logins(app)
    supervisor = Supervisor()

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
        supervisor.spawn("web", [sys.executable, "-m", "waitress", f"--host={host}", f"--port={port}",
                                 f"--threads={threads}", "hotline.processes.web:app"], env)
        if _wait_until_serving(supervisor, host, port):
            _print_banner(host, port, logins)
        while not supervisor.stopping:
            supervisor.look_after()
            time.sleep(0.3)
        click.echo("\n正在停止 …")
        return 0
    finally:
        supervisor.stop_all()
        click.echo("已全部停止。")


def _wait_until_serving(supervisor: Supervisor, host: str, port: int) -> bool:
    """Wait for the web server to accept connections (it loads the model first); False when asked to
    stop meanwhile."""
    address = ("127.0.0.1" if host in ("0.0.0.0", "") else host, port)
    while not supervisor.stopping:
        try:
            socket.create_connection(address, timeout=1).close()
            return True
        except OSError:
            supervisor.look_after()  # a child that dies meanwhile is started again
            time.sleep(0.3)
    return False


def _print_banner(host: str, port: int, logins: list[tuple[str, ...]]) -> None:
    shown = "localhost" if host in ("0.0.0.0", "127.0.0.1") else host
    click.echo(f"\nHotline 已启动：http://{shown}:{port}/   健康检查：http://{shown}:{port}/healthz")
    click.echo(f"工作人员登录：http://{shown}:{port}/login（坐席 /agent · 承办单位 /unit · 督办 /supervisor · 管理员 /admin）")
    click.echo(f"市民：网上反映 http://{shown}:{port}/complaint · 进度查询 http://{shown}:{port}/track")
    if logins:
        click.echo("演示账号（用户名 / 密码 / 角色）：")
        for username, password, role in logins:
            click.echo(f"  {username:<12} {password:<16} {role}")
    click.echo("按 Ctrl-C 停止。\n")
