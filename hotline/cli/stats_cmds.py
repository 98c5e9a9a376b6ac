"""flask stats --period YYYY-MM [--group G] [--json] [--store] — the units' three rates and ranks."""

from __future__ import annotations

import json
import unicodedata
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext

from hotline.database import session_factory
from hotline.scoring import service as scoring
from models.enums import CHINESE_NAMES, UnitGroup, values

HEADERS = ("排名", "单位编码", "单位名称", "派单", "按时响应", "响应率", "评价", "解决", "解决率", "满意率", "综合得分")
NUMERIC = {0, 3, 4, 5, 6, 7, 8, 9, 10}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - _width(text))
    return gap + text if right else text + gap


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.2f}%"


def _cells(row: scoring.UnitScoreRow) -> tuple[str, ...]:
    return (
        str(row.rank) if row.ranked else "—", row.unit_code, row.unit_name, str(row.dispatched),
        str(row.responded_in_time), percent(row.response_rate), str(row.rated), str(row.resolved),
        percent(row.resolution_rate), percent(row.satisfaction_rate),
        "—" if row.composite is None else f"{row.composite:.2f}",
    )


def table(rows: list[scoring.UnitScoreRow]) -> list[str]:
    lines = [HEADERS, *(_cells(row) for row in rows)]
    widths = [max(_width(line[i]) for line in lines) for i in range(len(HEADERS))]
    return ["  ".join(_pad(cell, widths[i], i in NUMERIC) for i, cell in enumerate(line)).rstrip()
            for line in lines]


def render(result: scoring.Report, group: str | None, min_volume: int, timezone: str) -> str:
    when = result.computed_at.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")
    source = "已存储的考评结果" if result.source == "stored" else "实时计算，未存储"
    out = [f"考评周期 {result.period}（{source}，计算于 {when}）"]
    for name in [group] if group else values(UnitGroup):
        rows = result.group(name)
        if not rows:
            continue
        out += ["", f"【{CHINESE_NAMES.get(name, name)}】", *table(rows)]
        unranked = sum(1 for row in rows if not row.ranked)
        if unranked:
            out.append(f"（“—”：派单不足 {min_volume} 件或尚无数据，列出但不参与排名，共 {unranked} 个单位）")
    return "\n".join(out)


@click.command("stats")
@click.option("--period", default=None, help="统计周期 YYYY-MM（默认本月；也可 YYYY-Qn、YYYY）")
@click.option("--group", type=click.Choice(values(UnitGroup)), default=None, help="只看一类单位")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.option("--store", is_flag=True, help="重新计算并保存该周期的考评结果")
@with_appcontext
def stats_command(period: str | None, group: str | None, as_json: bool, store: bool):
    """考评：各单位响应率、解决率、满意率、综合得分与组内排名。"""
    config = current_app.config
    settings = scoring.settings_from_config(config)
    try:
        chosen = scoring.parse_period(period or scoring.current_month(settings.timezone))
    except scoring.InvalidPeriod as error:
        raise click.BadParameter(str(error), param_hint="--period") from None
    with session_factory()() as session:
        if store:
            stored = scoring.store_period(session, chosen, settings)
        result = scoring.report(session, chosen, settings)
    if as_json:
        payload = {"period": result.period, "source": result.source,
                   "computed_at": result.computed_at.isoformat(timespec="seconds"),
                   "min_volume": settings.min_volume, "units": [row.to_dict() for row in result.group(group)]}
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    if store:
        click.echo(f"已保存 {result.period} 的考评结果（{len(stored)} 个单位）。")
    click.echo(render(result, group, settings.min_volume, settings.timezone))
    if not result.group(group):
        click.echo("没有可考评的单位：先导入城市数据（flask --app wsgi city load PATH，或运行 up）。", err=True)
