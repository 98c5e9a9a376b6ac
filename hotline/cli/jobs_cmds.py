"""flask sla due — a deadline, for people and tests; flask sweep — one pass of the periodic sweep."""

from __future__ import annotations

from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from hotline.jobs.sweep import sweep
from hotline.workflow.sla import sla
from routing.sla import STAGES
from routing.urgency import URGENCIES

sla_cli = AppGroup("sla", help="时限（SLA）。")


def _aware(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"无法识别的时间：{text}（示例：2026-09-30T10:00+08:00）") from None
    if value.tzinfo is None:  # a time without offset is the city's local time
        from zoneinfo import ZoneInfo

        value = value.replace(tzinfo=ZoneInfo(current_app.config["TIMEZONE"]))
    return value


@sla_cli.command("due")
@click.option("--start", required=True, help="开始时间（ISO 8601，不带时区按本市时间）")
@click.option("--urgency", required=True, type=click.Choice(URGENCIES))
@click.option("--stage", required=True, type=click.Choice([stage.value for stage in STAGES]))
@click.option("--extend-days", type=int, default=0, help="批准延期的工作日数")
def due(start: str, urgency: str, stage: str, extend_days: int):
    """打印某环节的到期时间（按工作日历：节假日与调休上班日）。"""
    current = sla()
    deadline = current.due(_aware(start), urgency, stage)
    if extend_days:
        deadline = current.extend(deadline, extend_days)
    click.echo(deadline.isoformat(timespec="seconds"))


@click.command("sweep")
@with_appcontext
def sweep_command():
    """立即执行一次巡检：补排欠下的任务、处理已到期未标记的环节、重建丢失的任务。"""

    click.echo(str(sweep(current_app._get_current_object())))
