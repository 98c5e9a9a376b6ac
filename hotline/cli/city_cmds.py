"""flask city load|export — the city's units, gazetteer, categories, catalogue and knowledge base."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from hotline.city.schema import CityError, read_city
from hotline.city.store import city_is_empty, export_city, load_city
from hotline.database import session_factory

city_cli = AppGroup("city", help="城市数据：单位、辖区、事项分类、派单目录、知识库。")


@city_cli.command("load")
@click.argument("path", type=click.Path(path_type=Path))
def load(path: Path):
    """校验并导入（或更新）PATH 目录中的城市数据；有任何错误则不导入任何内容。"""
    try:
        city = read_city(path)
    except CityError as error:
        click.echo(f"城市数据有 {len(error.problems)} 处错误，未导入任何内容：", err=True)
        for problem in error.problems:
            click.echo(f"  - {problem}", err=True)
        raise SystemExit(1) from None
    with session_factory()() as session, session.begin():
        report = load_city(session, city)
    click.echo(
        f"已导入：单位 {report.units} 个，区 {report.districts} 个，街道/乡镇 {report.streets} 个，"
        f"事项 {report.categories} 类，派单目录 {report.catalogue} 条，知识库 {report.articles} 篇"
        + (f"；停用单位 {report.deactivated_units} 个" if report.deactivated_units else "")
    )


@city_cli.command("export")
@click.argument("path", type=click.Path(path_type=Path))
def export(path: Path):
    """把当前城市数据导出为 PATH 目录中的 YAML 文件（格式同 city load）。"""
    with session_factory()() as session:
        if city_is_empty(session):
            raise click.ClickException("数据库里还没有城市数据，无可导出：先运行 flask --app wsgi city load PATH（或 up）")
        export_city(session, path)
    click.echo(f"已导出到 {path}")
