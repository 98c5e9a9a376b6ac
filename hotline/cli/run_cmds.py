"""flask up — run everything; flask worker — one RQ worker with its scheduler."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from hotline.cli.errors import require_current_database
from hotline.processes import runner, worker


@click.command("up")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址")
@click.option("--port", default=5000, show_default=True, type=int, help="监听端口")
@click.option("--threads", default=8, show_default=True, type=int, help="Web 工作线程数")
@with_appcontext
def up_command(host: str, port: int, threads: int):
    """一键启动：迁移数据库、导入演示城市、启动内置 Redis、任务进程和 Web 服务。Ctrl-C 全部停止。"""
    raise SystemExit(runner.run(current_app._get_current_object(), host, port, threads))


@click.command("worker")
@click.option("--burst", is_flag=True, help="处理完队列中的任务后退出")
@with_appcontext
def worker_command(burst: bool):
    """启动一个 RQ 任务进程（含定时调度器）。"""
    app = current_app._get_current_object()
    require_current_database(app)
    raise SystemExit(worker.run(app, burst))
