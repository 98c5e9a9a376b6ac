"""`flask urgency evaluate`: live-emergency recall and false-alarm rate of the urgency judgement.

Pure measurement over routing.urgency and routing.urgency_model (no database): the rules on every
labelled text, and rules + the learned model in cross-validation (each text judged by a model that
did not see it). With --holdout, the model is trained on --data and judged on the held-out texts.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from hotline.learning.service import city_ordinary_examples
from routing.urgency import assess

# The model's module loads scikit-learn: imported when the command runs, so that every other flask
# command (and the `up` supervisor) starts without it.
DEFAULT_THRESHOLD = 0.3  # routing.urgency_model.DEFAULT_THRESHOLD (a test keeps them equal)

urgency_cli = AppGroup("urgency", help="评估紧急程度与转接（110/119/120/122）判断。")


def _line(name: str, score: dict) -> str:
    return (
        f"{name}：正在发生的紧急情况召回率 {score['live_recall']:.1%}，"
        f"误报率 {score['false_alarm_rate']:.1%}，转接正确率 {score['referral_accuracy']:.1%}，"
        f"非紧急被标记复核 {score['review_rate_not_live']:.1%}"
        + (f"，水电气热召回率 {score['utility_recall']:.1%}" if "utility_recall" in score else "")
    )


@urgency_cli.command("evaluate", help="在标注集上评估紧急程度判断：召回率、误报率、转接正确率。")
@click.option(
    "--data",
    "data_paths",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="标注 CSV：text、urgency、referral（可选 group、hint）列；可多次给出。默认：应用训练所用的全部标注文件。",
)
@click.option(
    "--holdout",
    "holdout_paths",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="另写的留出集：模型只用 --data 训练，在此集上评估。",
)
@click.option("--folds", default=5, show_default=True, help="交叉验证折数。")
@click.option("--repeats", default=3, show_default=True, help="交叉验证重复次数。")
@click.option(
    "--city",
    "city_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="城市目录：其 seed_examples.csv 中非紧急类别的普通诉求作为非紧急样本一并训练（应用中即如此）。",
)
@click.option("--threshold", default=DEFAULT_THRESHOLD, show_default=True,
              help="模型把文本提为紧急（待复核）的概率阈值。")
@click.option("--by-file", is_flag=True,
              help="按文件交叉验证：--data 与 --holdout 的每个文件轮流留出，模型用其余文件训练（每个文件出自不同作者）。")
@click.option("--json", "as_json", is_flag=True, help="输出机器可读的 JSON（标准输出最后一行）。")
def evaluate_command(data_paths, holdout_paths, folds, repeats, city_dir, threshold, by_file, as_json):
    from hotline.learning.service import urgency_examples
    from routing.urgency_model import read_examples

    labelled = data_paths or urgency_examples(current_app)
    try:  # a labelled file with a missing column or an unknown label: one line naming the file and row
        if by_file:
            _evaluate_by_file([*labelled, *holdout_paths], city_dir, threshold, as_json)
            return
        _evaluate(read_examples(labelled), holdout_paths, folds, repeats, city_dir, threshold, as_json)
    except ValueError as error:
        raise click.ClickException(str(error)) from None


def _evaluate_by_file(paths, city_dir, threshold, as_json):
    from routing.urgency_model import evaluate_by_file, read_examples

    if len(paths) < 2:
        raise click.ClickException("按文件交叉验证至少需要两个标注文件（--data 与 --holdout 合计）。")
    ordinary = city_ordinary_examples(city_dir) if city_dir else []
    files = {Path(path).name: read_examples(path) for path in paths}
    report = evaluate_by_file(files, extra_train=ordinary, threshold=threshold)
    click.echo(f"按文件交叉验证：{len(files)} 个标注文件，每个由其余文件训练的模型判断"
               + (f"；另有城市普通诉求 {len(ordinary)} 条仅用于训练" if ordinary else ""))
    for name, score in report["files"].items():
        click.echo(_line(f"  {name}（{score['n']} 条，紧急 {score['n_live']} 条）规则 + 模型", score))
    click.echo(_line("合计 规则 + 模型", report["pooled"]))
    if report["pooled"]["live_missed"]:
        click.echo("漏判：" + " | ".join(report["pooled"]["live_missed"][:10]), err=True)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))


def _evaluate(examples, holdout_paths, folds, repeats, city_dir, threshold, as_json):
    from routing.urgency_model import UrgencyModel, _score, evaluate_urgency, read_examples

    ordinary = city_ordinary_examples(city_dir) if city_dir else []
    report = evaluate_urgency(examples, folds=folds, repeats=repeats, threshold=threshold,
                              extra_train=ordinary)
    report["n"] = len(examples)
    report["n_city_ordinary"] = len(ordinary)
    click.echo(f"{len(examples)} 条标注文本（其中正在发生的紧急情况 {report['rules']['n_live']} 条）"
               + (f"；另有城市普通诉求 {len(ordinary)} 条仅用于训练" if ordinary else ""))
    click.echo(_line("规则（样本内）", report["rules"]))
    if "rules_model_cv" in report:
        click.echo(_line(f"规则 + 模型（{folds} 折 × {repeats} 次交叉验证）", report["rules_model_cv"]))
    if holdout_paths:
        held = read_examples(holdout_paths)
        model = UrgencyModel(threshold=threshold).fit([*examples, *ordinary])
        report["holdout_rules"] = _score(held, [assess(e.text, e.hint) for e in held])
        report["holdout_rules_model"] = _score(held, [assess(e.text, e.hint, model=model) for e in held])
        click.echo(f"留出集 {len(held)} 条（紧急 {report['holdout_rules']['n_live']} 条）：")
        click.echo(_line("  规则", report["holdout_rules"]))
        click.echo(_line("  规则 + 模型", report["holdout_rules_model"]))
    for key in ("rules", "rules_model_cv", "holdout_rules_model"):
        if report.get(key, {}).get("live_missed"):
            click.echo(f"{key} 漏判：" + " | ".join(report[key]["live_missed"][:10]), err=True)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
