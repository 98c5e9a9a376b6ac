"""flask workflow table: the transition table, as docs/workflow.md shows it."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from hotline.workflow.table import markdown_table

workflow_cli = AppGroup("workflow", help="工单流转规则。")


@workflow_cli.command("table")
def workflow_table():
    """打印流转规则表（谁在什么状态下可以执行什么操作）。"""
    click.echo(markdown_table())
