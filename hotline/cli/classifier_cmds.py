"""`flask classifier ...`: train, evaluate and run the complaint classifier from the command line.

Registered by the app factory with `app.cli.add_command(classifier_cli)`. Every command takes explicit
paths; with --json the last line of standard output is one JSON document (for predict: one JSON object
per input row and nothing else), progress and notes go to standard error.

Everything a person reads (help texts, progress, summaries, error messages) is in simplified Chinese;
the --json documents keep their English keys.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click
from flask.cli import AppGroup

# The model classes are reached as attributes of the `classifier` package, which loads scikit-learn and
# skops when a command first uses them, so that `flask --help` and the other commands start without them.
import classifier
from classifier.city import load_city_vocabulary
from classifier.data import DataError, prior_words, read_prior, read_texts, read_training_csv
from hotline.cli.errors import CommandError

_HELP_OPTION_TEXT = "显示本帮助并退出。"


class _Command(click.Command):
    """A click command whose --help option is described in Chinese."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = _HELP_OPTION_TEXT
        return option


class _Group(AppGroup):
    """The `classifier` group: Chinese --help text, and its commands are `_Command`s."""

    command_class = _Command

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = _HELP_OPTION_TEXT
        return option


classifier_cli = _Group("classifier", help="训练、评估和运行诉求分类模型。")

_prior_option = click.option(
    "--prior",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="类别关键词文件：城市的 categories.yaml、分类体系 .xlsx（类别、各级子类…）或 label,keyword 两列的 CSV。",
)
_city_option = click.option(
    "--city",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="城市目录（units/jurisdictions/categories 等 YAML）：提供分词用的自定义词和类别关键词。",
)
_json_option = click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="输出机器可读的 JSON：标准输出的最后一行（predict 为每条一行）。",
)


def _emit_json(document) -> None:
    click.echo(json.dumps(document, ensure_ascii=False, default=str))


def _note(message: str) -> None:
    click.echo(message, err=True)


def _vocabulary(prior_path: Path | None, city_dir: Path | None) -> tuple[dict | None, set[str]]:
    prior: dict[str, set[str]] = {}
    words: set[str] = set()
    if city_dir is not None:
        city = load_city_vocabulary(city_dir)
        prior.update(city.category_keywords)
        words |= city.words
    if prior_path is not None:
        for label, phrases in read_prior(prior_path).items():
            prior.setdefault(label, set()).update(phrases)
    words |= prior_words(prior)
    return (prior or None), words


@classifier_cli.command(
    "train",
    help="用 CSV 的全部行训练模型，并保存为一个新的模型版本。",
    short_help="训练模型并保存为新版本。",
)
@click.option(
    "--data",
    "data_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="训练用 CSV：title、body（或 text）列和 label（类别）列。",
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="模型目录（模型库）；新版本保存在其下。",
)
@_prior_option
@_city_option
@click.option("--seed", default=0, show_default=True, help="随机种子：数据和种子相同，训练出的模型就相同。")
@click.option("--promote/--no-promote", default=True, show_default=True, help="是否把新版本设为当前模型。")
@_json_option
def train_command(data_path, out_dir, prior, city, seed, promote, as_json):
    """Train a model on all rows of a CSV and save it as a new version."""
    try:
        model, store, version, seconds = _train_and_save(data_path, out_dir, prior, city, seed, promote)
    except (DataError, ValueError, classifier.ModelLoadError) as exc:
        raise CommandError(str(exc)) from exc
    summary = _training_summary(model, store, version, seconds)
    status = "已设为当前模型" if summary["promoted"] else "未设为当前模型"
    click.echo(
        f"已训练模型版本 {version}：{summary['n_train']} 条数据，{len(model.labels)} 个类别，"
        f"用时 {seconds:.1f} 秒；交叉验证（out-of-fold）宏 F1（macro-F1）{summary['oof_macro_f1']:.3f}，"
        f"自动派单阈值 {model.threshold:.3f}，覆盖率 {summary['oof_coverage']:.0%}；"
        f"已保存到 {store.root}，{status}"
    )
    if as_json:
        _emit_json(summary)


def _train_and_save(data_path: Path, out_dir: Path, prior: Path | None, city: Path | None, seed: int,
                    promote: bool) -> tuple:
    """(model, store, version, training seconds)."""
    data = read_training_csv(data_path)
    prior_keywords, words = _vocabulary(prior, city)
    started = time.perf_counter()
    model = classifier.TextClassifier(classifier.ModelConfig(seed=seed), user_words=words)
    model.fit(data.titles, data.bodies, data.labels, prior=prior_keywords)
    seconds = time.perf_counter() - started
    store = classifier.ModelStore(out_dir)
    metadata = {"source": "cli-train", "data_file": data_path.name, **data.training_record(),
                "n_seed": len(data), "n_labels": 0}
    return model, store, store.save(model, metadata, promote=promote), seconds


def _training_summary(model, store, version: str, seconds: float) -> dict:
    report = model.training_report
    return {
        "version": version,
        "model_dir": str(store.root),
        "promoted": store.current_version() == version,
        "n_train": report["n_train"],
        "labels": model.labels,
        "threshold": model.threshold,
        "oof_macro_f1": report["oof_macro_f1"],
        "oof_accuracy": report["oof_accuracy"],
        "oof_coverage": report["threshold"]["coverage"],
        "oof_brier": report["oof_brier"],
        "train_seconds": round(seconds, 3),
    }


@classifier_cli.command(
    "evaluate",
    help="重复分层交叉验证：宏 F1（macro-F1）、各类别 F1、混淆矩阵、达到目标精确率时的阈值与覆盖率、"
    "校准和预测延迟。",
    short_help="交叉验证评估：宏 F1、阈值与覆盖率、校准、延迟。",
)
@click.option(
    "--data",
    "data_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="带类别的 CSV：title、body（或 text）列和 label（类别）列。",
)
@click.option("--folds", default=5, show_default=True, help="交叉验证的折数。")
@click.option("--repeats", default=5, show_default=True, help="交叉验证重复的次数（每次重新随机分折）。")
@click.option("--seed", default=0, show_default=True, help="随机种子（分折和训练）。")
@_prior_option
@_city_option
@click.option("--latency/--no-latency", default=True, show_default=True, help="是否同时测量预测耗时。")
@click.option(
    "--caller-set",
    "caller_paths",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="另写的来电措辞集 CSV（text、label 列，可选 split、author_style 列）：用全部 --data 训练的模型在其上评估，"
    "与交叉验证结果并列；可多次给出。",
)
@_json_option
def evaluate_command(data_path, folds, repeats, seed, prior, city, latency, caller_paths, as_json):
    """Repeated stratified cross-validation: macro-F1, per-class F1, confusion matrix, threshold and
    coverage at the target precision, calibration and prediction latency; with --caller-set, the same
    figures on texts written apart from the training data, beside the baseline."""
    try:
        report = _cross_validate(data_path, folds, repeats, seed, prior, city, latency)
        callers = _caller_reports(data_path, caller_paths, seed, prior, city)
    except (DataError, ValueError) as exc:
        raise CommandError(str(exc)) from exc
    report["data_file"] = data_path.name
    report["caller_sets"] = {path.name: caller for path, caller in callers}
    for line in _evaluation_lines(report, folds, repeats, latency):
        click.echo(line)
    _print_topk(report, folds, repeats, callers)
    if as_json:
        _emit_json(report)


def _cross_validate(data_path: Path, folds: int, repeats: int, seed: int, prior: Path | None,
                    city: Path | None, latency: bool) -> dict:
    # Cross-validation needs scikit-learn's model selection: imported when the command runs, so that the
    # other commands start without it (see the `classifier` import above).
    from classifier.evaluation import evaluate

    data = read_training_csv(data_path)
    prior_keywords, words = _vocabulary(prior, city)

    def progress(done, total, fold):
        _note(f"第 {done}/{total} 折：宏 F1 {fold['macro_f1']:.3f}，训练用时 {fold['fit_seconds']:.1f} 秒")

    return evaluate(data, folds=folds, repeats=repeats, seed=seed, config=classifier.ModelConfig(seed=seed),
                    prior=prior_keywords, user_words=words, latency=latency, progress=progress)


def _caller_reports(data_path: Path, caller_paths, seed: int, prior: Path | None,
                    city: Path | None) -> list[tuple[Path, dict]]:
    """Each caller set judged by a model trained on all of --data, beside the baseline."""
    if not caller_paths:
        return []
    from classifier.evaluation import evaluate_caller_set

    data = read_training_csv(data_path)
    prior_keywords, words = _vocabulary(prior, city)
    return [
        (path, evaluate_caller_set(data, read_training_csv(path), groups=_caller_columns(path),
                                   config=classifier.ModelConfig(seed=seed), prior=prior_keywords,
                                   user_words=words, seed=seed))
        for path in caller_paths
    ]


def _evaluation_lines(report: dict, folds: int, repeats: int, latency: bool) -> list[str]:
    """The evaluation report for people, line by line."""
    f1, sel, cal = report["macro_f1"], report["selective"], report["calibration"]
    lines = [
        f"{report['n_messages']} 条诉求，{len(report['labels'])} 个类别，{folds} 折 × {repeats} 次重复",
        f"宏 F1（macro-F1）{f1['mean']:.4f} ± {f1['std']:.4f}，准确率 {report['accuracy']['mean']:.4f}",
        f"自动派单（目标精确率 ≥ {sel['target_precision']:.0%}）：阈值 {sel['pooled_threshold']['mean']:.3f}，"
        f"覆盖率 {sel['pooled_coverage']['mean']:.1%}（交叉验证，out-of-fold）；"
        f"各折模型用各自的阈值预测未见过的折：覆盖率 {sel['heldout_pooled_coverage']:.1%}，"
        f"精确率 {sel['heldout_pooled_precision']:.1%}",
        f"校准：Brier {cal['brier']['mean']:.4f}，ECE {cal['ece']['mean']:.4f}",
    ]
    lines += [
        f"  {label}：F1 {scores['f1']:.3f}（精确率 {scores['precision']:.3f}，"
        f"召回率 {scores['recall']:.3f}，样本数 {scores['support']}）"
        for label, scores in report["per_class"].items()
    ]
    if latency:
        lat = report["latency"]
        lines.append(f"预测延迟：单条 p50 {lat['single_p50_ms']:.2f} 毫秒，p99 {lat['single_p99_ms']:.2f} 毫秒；"
                     f"批量每条 {lat['batch_ms_per_message']:.3f} 毫秒")
    return lines


def _caller_columns(path: Path) -> dict[str, list[str]]:
    """The caller set's optional split and author_style columns, as groups to report on."""
    import csv

    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if (row.get("label") or "").strip()]
    return {column: [row.get(column) or "-" for row in rows] for column in ("split", "author_style")
            if rows and column in rows[0]}


def _topk_line(name: str, figures: dict) -> str:
    withheld = figures.get("withheld_unfamiliar")
    unfamiliar = (f"（另有 {withheld} 条因文本陌生转人工，其中 {figures['withheld_unfamiliar_wrong']} 条分错）"
                  if withheld else "")
    return (f"  {name:<22} top-1 {figures['top1']:.3f}  top-3 {figures['top3']:.3f}  "
            f"阈值 {figures['threshold']:.3f}：覆盖率 {figures['coverage']:.1%}，精确率 {figures['precision']:.1%}"
            + unfamiliar)


def _print_topk(report: dict, folds: int, repeats: int, callers: list) -> None:
    topk = report["topk"]
    click.echo(f"交叉验证（{folds} 折 × {repeats} 次，阈值取各次 out-of-fold 结果达到 95% 的最低值）：")
    click.echo(_topk_line("本模型", topk["ours"]))
    if "baseline" in topk:
        click.echo(_topk_line("基线（字符 n-gram + SVM）", topk["baseline"]))
    for path, caller in callers:
        click.echo(f"来电措辞集 {path.name}（{caller['n']} 条，模型用全部训练数据训练，阈值为模型自己的阈值）：")
        parts = [("全部", caller["all"])] + [
            (f"{value}（{figures['ours']['n']} 条）", figures)
            for value, figures in caller["groups"].get("split", {}).items()
        ]
        for name, figures in parts:
            click.echo(f" {name}")
            click.echo(_topk_line("本模型", figures["ours"]))
            click.echo(_topk_line("基线（字符 n-gram + SVM）", figures["baseline"]))
        styles = caller["groups"].get("author_style", {})
        if styles:
            click.echo(" 各写法 top-1（本模型 / 基线）：" + "，".join(
                f"{style} {f['ours']['top1']:.2f}/{f['baseline']['top1']:.2f}" for style, f in styles.items()))
        wrong = [e for e in caller["errors"] if e["auto"]]
        if wrong:
            _note("来电措辞集中被自动派错的：" + " | ".join(
                f"{e['text'][:30]}（{e['label']}→{e['predicted']} {e['probability']:.2f}）" for e in wrong))


@classifier_cli.command(
    "predict",
    help="对 CSV 的每一行分类：类别、概率、是否自动派单、前 k 个候选类别。",
    short_help="对 CSV 的每一行分类。",
)
@click.option(
    "--model",
    "model_dir",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="模型目录（`classifier train --out` 写入的目录）。",
)
@click.option("--version", default=None, help="模型版本，如 v0002（默认：当前模型）。")
@click.option(
    "--input",
    "input_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="待分类的 CSV：title/body 列，或一个 text 列。",
)
@click.option("--k", default=3, show_default=True, help="每条诉求给出的候选类别数。")
@_json_option
def predict_command(model_dir, version, input_path, k, as_json):
    """Classify every row of a CSV: label, probability, auto-dispatch or not, top-k suggestions."""
    try:
        model, meta = classifier.ModelStore(model_dir).load(version)
        titles, bodies = read_texts(input_path)
    except (DataError, classifier.ModelLoadError) as exc:
        raise CommandError(str(exc)) from exc
    results = model.predict_batch(titles, bodies, k=k) if titles else []
    # An unfamiliar text's bar is one nothing reaches (classifier/novelty.py).
    bars = model.dispatch_thresholds(titles, bodies) if titles else []
    for row, suggestions in enumerate(results, start=1):
        label, probability = suggestions[0]
        record = {
            "row": row,
            "label": label,
            "probability": round(probability, 6),
            "auto": bool(probability >= bars[row - 1]),
            "top_k": [{"label": lab, "probability": round(p, 6)} for lab, p in suggestions],
        }
        if as_json:
            _emit_json(record)
        else:
            others = "，".join(f"{lab} {p:.2f}" for lab, p in suggestions[1:])
            route = "自动派单" if record["auto"] else "转人工"
            click.echo(f"{row}\t{label}\t{probability:.3f}\t{route}\t{others}")
    _note(f"已用模型 {meta['version']} 分类 {len(results)} 行（自动派单阈值 {model.threshold:.3f}）")
    sys.stdout.flush()
