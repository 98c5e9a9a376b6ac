"""flask simulate — drive the city through days of complaints on a moving clock."""

from __future__ import annotations

from datetime import date, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext

from hotline.database import session_factory
from hotline.processes.prepare import prepare_instance
from hotline.redis_conn import EmbeddedRedis, ping
from hotline.scoring import service as scoring
from hotline.simulation.service import Simulation


@click.command("simulate")
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 120), help="模拟天数")
@click.option("--per-day", default=200, show_default=True, type=click.IntRange(1, 20000), help="每天诉求量")
@click.option("--seed", default=1, show_default=True, type=int, help="随机种子（相同种子、相同空库结果相同）")
@click.option("--start", default=None, help="开始日期 YYYY-MM-DD（默认：今天往前 DAYS 天）")
@with_appcontext
def simulate_command(days: int, per_day: int, seed: int, start: str | None):
    """用真实的受理、派单、办理流程和真实的定时任务模拟一座城市的若干天，然后保存考评结果。

    新实例上先做 up 所做的准备：迁移数据库、导入演示城市和演示账号、训练初始分类模型。"""
    app = current_app._get_current_object()
    first = None
    if start:
        try:
            first = date.fromisoformat(start)
        except ValueError:
            raise click.BadParameter("应为 YYYY-MM-DD", param_hint="--start") from None
    prepare_instance(app)
    embedded = None
    if not ping(app)[0]:
        if app.config["REDIS_URL"] != "embedded":
            raise click.ClickException("无法连接 Redis：模拟需要 Redis 来运行定时任务。")
        embedded = EmbeddedRedis(app.config["INSTANCE_PATH"])
        embedded.start()
    try:
        click.echo(f"模拟 {days} 天，每天 {per_day} 件（种子 {seed}）…")
        report = Simulation(app, days, per_day, seed, first, echo=click.echo).run()
    finally:
        if embedded is not None:
            embedded.stop()
    click.echo(f"共受理 {report.tickets} 件，运行定时任务 {report.jobs_run} 个。")
    click.echo("状态：" + "，".join(f"{k} {v}" for k, v in sorted(report.statuses.items())))
    click.echo("操作：" + "，".join(f"{k} {v}" for k, v in sorted(report.actions.items())))
    if report.refused:
        click.echo("因状态变化未执行：" + "，".join(f"{k} {v}" for k, v in sorted(report.refused.items())))
    settings = scoring.settings_from_config(app.config)
    months = sorted({scoring.month_of(report.start + timedelta(days=offset), settings.timezone)
                     for offset in range(days + 1)})
    with session_factory(app)() as session:
        for month in months:
            with session.begin():
                scoring.store_period(session, month, settings)
    click.echo(f"已保存考评结果：{'、'.join(months)}。查看：flask --app wsgi stats --period {months[-1]}")
