"""Every command on a fresh instance, on a migrated but empty database and with wrong arguments: one
Chinese line saying what is wrong and what to run — never a traceback (hotline.cli.errors)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline import create_app, migrate
from hotline.database import engine

ROOT = Path(__file__).resolve().parents[3]
DEMO = str(ROOT / "hotline" / "demo_city")
CHINESE = re.compile(r"[\u4e00-\u9fff]")
RUN_UPGRADE = "db upgrade"

# (arguments, what the output must say). {tmp} is the test's temporary folder.
FRESH_FAILURES = [
    (["city", "load", DEMO], RUN_UPGRADE),
    (["city", "export", "{tmp}/export"], RUN_UPGRADE),
    (["user", "create", "--username", "u1", "--password", "long-enough", "--role", "agent"], RUN_UPGRADE),
    (["user", "list"], RUN_UPGRADE),
    (["user", "deactivate", "--username", "u1"], RUN_UPGRADE),
    (["apikey", "create", "--channel", "web", "--name", "门户"], RUN_UPGRADE),
    (["apikey", "revoke", "abcd1234"], RUN_UPGRADE),
    (["apikey", "list"], RUN_UPGRADE),
    (["worker", "--burst"], RUN_UPGRADE),
    (["sweep"], RUN_UPGRADE),
    (["stats"], RUN_UPGRADE),
    (["stats", "--store", "--period", "2026-10"], RUN_UPGRADE),
    (["db", "revision", "-m", "x"], RUN_UPGRADE),
    (["db", "upgrade", "nope"], "没有迁移版本 nope"),
    (["classifier", "predict", "--model", "{tmp}", "--input", "{tmp}/none.csv"], "没有当前模型"),
    (["classifier", "train", "--data", "{tmp}/none.csv", "--out", "{tmp}/models"], "找不到文件"),
    (["classifier", "evaluate", "--data", "{tmp}/none.csv"], "找不到文件"),
]
EMPTY_FAILURES = [
    (["city", "export", "{tmp}/export"], "city load"),
    (["user", "create", "--username", "s1", "--password", "long-enough", "--role", "unit_staff", "--unit", "NOPE"],
     "city load"),
    (["user", "deactivate", "--username", "nobody"], "不存在"),
    (["apikey", "revoke", "abcd1234"], "没有前缀为 abcd1234 的密钥"),
    (["db", "downgrade", "nope"], "没有迁移版本 nope"),
]
EMPTY_HINTS = [  # succeed, and say what is missing
    (["user", "list"], "user create"),
    (["apikey", "list"], "apikey create"),
    (["stats"], "city load"),
]
WRONG_ARGUMENTS = [
    (["user", "create", "--username", "u1", "--password", "short", "--role", "agent"], "密码至少 8 位"),
    (["sla", "due", "--start", "someday", "--urgency", "normal", "--stage", "reply"], "无法识别的时间"),
    (["stats", "--period", "2026-13"], "统计周期"),
    (["simulate", "--start", "2026-99-01", "--days", "1", "--per-day", "1"], "YYYY-MM-DD"),
    (["city", "load", "{tmp}/no-such-city"], "目录不存在"),
    (["classifier", "evaluate", "--data", "{tmp}/bad.csv"], "label"),
    (["urgency", "evaluate", "--data", "{tmp}/bad.csv", "--folds", "0"], "缺少列 urgency"),
    (["urgency", "evaluate", "--by-file", "--data", "{tmp}/bad.csv"], "至少需要两个标注文件"),
]


@pytest.fixture
def database_url(tmp_path) -> Iterator[str]:
    """An empty database: a new SQLite file, or a scratch PostgreSQL database."""
    server = os.environ.get("HOTLINE_TEST_DATABASE_URL")
    if not server:
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    from tests.conftest import new_postgres_database

    with new_postgres_database(server) as url:
        yield url


@pytest.fixture
def instance(tmp_path, database_url, redis_url):
    made = []

    def build(migrated: bool, redis: str | None = None):
        app = create_app(DATABASE_URL=database_url, REDIS_URL=redis or redis_url, SECRET_KEY="cli-test",
                         INSTANCE_PATH=str(tmp_path / "instance"), LOG_LEVEL="ERROR")
        made.append(app)
        if migrated:
            migrate.upgrade(engine(app))
        return app

    yield build
    for app in made:
        engine(app).dispose()


def run(app, args: list[str], tmp_path: Path):
    (tmp_path / "bad.csv").write_text("title,text\n路灯,路灯不亮\n", encoding="utf-8")
    return app.test_cli_runner().invoke(args=[arg.replace("{tmp}", str(tmp_path)) for arg in args])


def assert_one_chinese_line(result, expected: str) -> None:
    assert result.exit_code != 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    problem = [line for line in result.output.splitlines() if expected in line]
    assert problem, result.output
    assert CHINESE.search(problem[0]), problem[0]


@pytest.mark.parametrize(("args", "expected"), FRESH_FAILURES, ids=[" ".join(a[:2]) for a, _ in FRESH_FAILURES])
def test_fresh_instance__command_says_in_one_line_what_to_run(instance, tmp_path, args, expected):
    assert_one_chinese_line(run(instance(migrated=False), args, tmp_path), expected)


@pytest.mark.parametrize(("args", "expected"), EMPTY_FAILURES, ids=[" ".join(a[:2]) for a, _ in EMPTY_FAILURES])
def test_empty_database__command_says_in_one_line_what_is_missing(instance, tmp_path, args, expected):
    assert_one_chinese_line(run(instance(migrated=True), args, tmp_path), expected)


@pytest.mark.parametrize(("args", "expected"), EMPTY_HINTS, ids=[" ".join(a[:2]) for a, _ in EMPTY_HINTS])
def test_empty_database__listing_nothing_says_how_to_add_it(instance, tmp_path, args, expected):
    result = run(instance(migrated=True), args, tmp_path)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert any(expected in line and CHINESE.search(line) for line in result.output.splitlines()), result.output


@pytest.mark.parametrize(("args", "expected"), WRONG_ARGUMENTS, ids=[" ".join(a[:3]) for a, _ in WRONG_ARGUMENTS])
def test_wrong_arguments__say_what_is_wrong_in_chinese(instance, tmp_path, args, expected):
    assert_one_chinese_line(run(instance(migrated=True), args, tmp_path), expected)


def test_fresh_instance__commands_that_need_nothing_work(instance, tmp_path):
    app = instance(migrated=False)
    assert run(app, ["db", "current"], tmp_path).output.strip() == "base"
    due = run(app, ["sla", "due", "--start", "2026-11-20T10:00", "--urgency", "normal", "--stage", "reply"], tmp_path)
    assert due.exit_code == 0 and due.output.startswith("2026-")
    table = run(app, ["workflow", "table"], tmp_path)
    assert table.exit_code == 0 and "dispatch" in table.output


def test_unreachable_redis__worker_says_so(instance, tmp_path):
    app = instance(migrated=True, redis=f"unix://{tmp_path}/no-redis.sock")
    assert_one_chinese_line(run(app, ["worker", "--burst"], tmp_path), "无法连接 Redis")


def test_unexpected_failure__is_named_in_one_line_not_a_traceback(instance, tmp_path, monkeypatch):
    import hotline.cli.jobs_cmds

    def broken(app):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(hotline.cli.jobs_cmds, "sweep", broken)
    result = run(instance(migrated=True), ["sweep"], tmp_path)
    assert_one_chinese_line(result, "命令执行失败")
    assert "RuntimeError" in result.output and "disk on fire" in result.output


def with_setting(tmp_path, name: str, value: str, *command: str) -> subprocess.CompletedProcess:
    """`flask --app wsgi <command>` in a fresh process with one HOTLINE_* setting and no other."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update(HOTLINE_INSTANCE_PATH=str(tmp_path / "instance"), **{name: value})
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *command], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("setting", ["HOTLINE_PAGE_SIZE=many", "HOTLINE_DATABASE_URL=nonsense",
                                     "HOTLINE_SLA_POLICY={broken", "HOTLINE_TIMEZONE=Mars/Olympus"])
def test_wrong_setting__one_line_naming_it(tmp_path, setting):
    name, value = setting.split("=", 1)
    result = with_setting(tmp_path, name, value, "user", "list")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("配置错误：") and len(result.stderr.strip().splitlines()) == 1
    assert name.removeprefix("HOTLINE_") in result.stderr


def test_wrong_setting__read_by_the_command_is_one_line_naming_it(tmp_path):
    result = with_setting(tmp_path, "HOTLINE_URGENCY_EXAMPLES", "no-such-calls.csv", "urgency", "evaluate", "--folds", "0")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == "错误：HOTLINE_URGENCY_EXAMPLES 中的文件不存在：no-such-calls.csv"
