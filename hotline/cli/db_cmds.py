"""flask db upgrade|downgrade|current|revision — Alembic migrations of the app's database."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from hotline import database, migrate

db_cli = AppGroup("db", help="数据库迁移（Alembic）。")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade(revision: str):
    """升级数据库到指定版本（默认最新）。"""
    migrate.upgrade(database.engine(), revision)
    click.echo(f"数据库已升级到 {migrate.current_revision(database.engine())}")


@db_cli.command("downgrade")
@click.argument("revision")
def downgrade(revision: str):
    """降级数据库到指定版本（base 为清空）。"""
    migrate.downgrade(database.engine(), revision)
    click.echo(f"数据库已降级到 {migrate.current_revision(database.engine()) or 'base'}")


@db_cli.command("current")
def current():
    """显示数据库当前版本。"""
    click.echo(migrate.current_revision(database.engine()) or "base")


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def revision(message: str):
    """根据模型变化生成新的迁移脚本（需先升级到最新）。"""
    if not migrate.is_current(database.engine()):
        raise click.ClickException("数据库不是最新版本，无法比较模型变化：先运行 flask --app wsgi db upgrade")
    migrate.revision(database.engine(), message)
