"""`flask up`: everything for the zero-setup default in one command, and nothing left behind.

Order of start: preparation (hotline.processes.prepare, in a child process: migrate, demo city and users
on an empty database, bootstrap model) → embedded Redis → worker (with scheduler) → cron (periodic sweep,
nightly scores) → web server (hotline.processes.web, which loads the model before serving). Each service
is a child process in its own process group, so Ctrl-C reaches only this supervisor, which then stops
them in reverse order. The children also ask the kernel to SIGTERM them if this process dies without
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
            redis_ok, detail = ping(app)
            if not redis_ok:
                click.echo(f"警告：无法连接 Redis（{detail}）。Web 服务照常受理，定时任务暂停。", err=True)
        click.echo("启动服务 …")
        if redis_ok:
            supervisor.spawn("worker", [sys.executable, "-m", "hotline.processes.worker"], env)
            supervisor.spawn("cron", [sys.executable, "-m", "hotline.processes.cron"], env)
        supervisor.spawn("web", [sys.executable, "-m", "waitress", f"--host={host}", f"--port={port}",
                                 f"--threads={threads}", "hotline.processes.web:app"], env)
        if _wait_until_serving(supervisor, host, port):
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


def _wait_until_serving(supervisor: Supervisor, host: str, port: int) -> bool:
    """Wait for the web server to accept connections (it loads the model first); False when a service
    died meanwhile or we were asked to stop."""
    address = ("127.0.0.1" if host in ("0.0.0.0", "") else host, port)
    while not supervisor.stopping and supervisor.first_dead() is None:
        try:
            socket.create_connection(address, timeout=1).close()
            return True
        except OSError:
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
