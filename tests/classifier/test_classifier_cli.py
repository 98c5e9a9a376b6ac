"""The `flask classifier ...` commands, run with click's test runner against a bare Flask app."""

import json

import flask
import pytest

from hotline.cli.classifier_cmds import classifier_cli


@pytest.fixture(scope="module")
def runner():
    app = flask.Flask(__name__)
    app.cli.add_command(classifier_cli)
    return app.test_cli_runner()


@pytest.fixture(scope="module")
def trained(runner, fixtures_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("models")
    result = runner.invoke(
        args=[
            "classifier",
            "train",
            "--data",
            str(fixtures_dir / "tiny_tickets.csv"),
            "--out",
            str(out),
            "--city",
            str(fixtures_dir),
            "--json",
        ]
    )
    assert result.exit_code == 0, result.output
    return out, json.loads(result.output.strip().splitlines()[-1])


def test_train__saves_a_promoted_version_and_reports_it_as_json(trained):
    out, summary = trained
    assert summary["version"] == "v0001" and summary["promoted"] is True
    assert summary["n_train"] == 32
    assert set(summary["labels"]) == {"ENV-NOISE", "UTL-WATER", "TRA-BUS", "HOU-PROPERTY"}
    assert 0 < summary["threshold"] <= 1.0 + 1e-9
    assert (out / "versions" / "v0001" / "model.skops").is_file()


def test_predict__one_json_object_per_row(runner, trained, tmp_path):
    out, _ = trained
    csv_path = tmp_path / "in.csv"
    csv_path.write_text("text\n楼下广场舞天天晚上吵到十点\n家里停水了一整天\n", encoding="utf-8")
    result = runner.invoke(
        args=["classifier", "predict", "--model", str(out), "--input", str(csv_path), "--json"]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert [r["row"] for r in rows] == [1, 2]
    assert [r["label"] for r in rows] == ["ENV-NOISE", "UTL-WATER"]
    for row in rows:
        assert 0 <= row["probability"] <= 1 and isinstance(row["auto"], bool)
        assert len(row["top_k"]) == 3 and row["top_k"][0]["label"] == row["label"]


def test_predict__title_and_body_columns(runner, trained, tmp_path):
    out, _ = trained
    csv_path = tmp_path / "in.csv"
    csv_path.write_text("title,body\n公交车不来,等了四十分钟\n", encoding="utf-8")
    result = runner.invoke(
        args=["classifier", "predict", "--model", str(out), "--input", str(csv_path), "--json"]
    )
    assert json.loads(result.stdout.strip().splitlines()[-1])["label"] == "TRA-BUS"


def test_evaluate__cross_validation_report_as_json(runner, fixtures_dir):
    result = runner.invoke(
        args=[
            "classifier",
            "evaluate",
            "--data",
            str(fixtures_dir / "tiny_tickets.csv"),
            "--folds",
            "4",
            "--repeats",
            "2",
            "--prior",
            str(fixtures_dir / "categories.yaml"),
            "--json",
        ]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["folds"] == 4 and report["repeats"] == 2 and report["n_messages"] == 32
    assert 0 <= report["macro_f1"]["mean"] <= 1 and report["macro_f1"]["std"] >= 0
    assert set(report["per_class"]) == {"ENV-NOISE", "UTL-WATER", "TRA-BUS", "HOU-PROPERTY"}
    matrix = report["confusion_matrix"]["rows_true_columns_predicted"]
    assert sum(map(sum, matrix)) == 32 * 2
    selective = report["selective"]
    assert {"pooled_threshold", "pooled_coverage", "heldout_pooled_precision"} <= set(selective)
    assert {"brier", "ece"} <= set(report["calibration"])
    assert report["latency"]["single_p50_ms"] > 0 and report["latency"]["batch_ms_per_message"] > 0


def test_errors__missing_columns_and_files_are_reported_clearly(runner, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("title,body\n停水,三天\n", encoding="utf-8")
    result = runner.invoke(args=["classifier", "train", "--data", str(bad), "--out", str(tmp_path / "m")])
    assert result.exit_code != 0 and "错误：" in result.output
    assert "bad.csv" in result.output and "缺少 'label' 列" in result.output
    nothing = tmp_path / "nothing.csv"
    nothing.write_text("label,other\nX,1\n", encoding="utf-8")
    result = runner.invoke(args=["classifier", "train", "--data", str(nothing), "--out", str(tmp_path / "m")])
    assert result.exit_code != 0 and "nothing.csv" in result.output
    assert "需要 'title' 和/或 'body' 列，或一个 'text' 列" in result.output
    result = runner.invoke(args=["classifier", "predict", "--model", str(tmp_path), "--input", str(bad)])
    assert (
        result.exit_code != 0
        and "没有当前模型" in result.output
        and "flask classifier train" in result.output
    )
