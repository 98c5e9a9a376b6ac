"""Failures of the `flask --app wsgi …` commands as one Chinese line on standard error, never a traceback.

`guard` wraps every command of the app once, when the commands are registered: click's own usage errors
(a missing option, a bad choice) stay as click prints them; a `CommandError` (or any other
`click.ClickException`) is printed as "错误：<message>"; everything else a command raises is explained
by `explain` — a database that is not there or not migrated, a Redis that cannot be reached, a missing
file — in a line that says what to run. Anything unexpected is named in one line too; its traceback goes
to the log at DEBUG level (HOTLINE_LOG_LEVEL=DEBUG).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

import click
import redis
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from hotline import database, migrate
from hotline.auth.accounts import AccountError
from hotline.config import ConfigError
from hotline.errors import ApiError

log = logging.getLogger(__name__)

RUN_UPGRADE = "请先运行 flask --app wsgi db upgrade（或 flask --app wsgi up，它会准备好数据库、演示城市和模型）"
_GUARDED = "_hotline_guarded"


class CommandError(click.ClickException):
    """A failed command: shown as "错误：<message>" on standard error, exit status 1."""

    def show(self, file=None) -> None:
        click.echo(f"错误：{self.format_message()}", file=file, err=True)


def require_current_database(app: Flask) -> None:
    """For commands that start long-running work (the worker): refuse at once, in one line, on a database
    that is not migrated, rather than fail job after job."""
    current = migrate.current_revision(database.engine(app))
    if current != migrate.head_revision():
        raise CommandError(_not_current(current))


def guard(command: click.Command) -> click.Command:
    """Wrap `command` (and, for a group, each of its subcommands) so its failures become one line."""
    if isinstance(command, click.Group):
        for subcommand in command.commands.values():
            guard(subcommand)
    if command.callback is not None and not getattr(command.callback, _GUARDED, False):
        command.callback = _guarded(command.callback)
    return command


def _guarded(callback: Callable) -> Callable:
    @functools.wraps(callback)
    def run(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except (click.exceptions.Exit, click.Abort, click.UsageError, CommandError):
            raise
        except click.ClickException as error:
            raise CommandError(error.format_message()) from error
        except Exception as error:
            log.debug("command failed", exc_info=True)
            try:
                message = explain(error, _current_app())
            except Exception:  # explaining needs the database or the migrations, which may be the trouble
                message = _unexpected(error)
            raise CommandError(message) from error

    setattr(run, _GUARDED, True)
    return run


def _current_app() -> Flask | None:
    context = click.get_current_context(silent=True)
    info = context.find_object(ScriptInfo) if context is not None else None
    try:
        return info.load_app() if info is not None else None
    except Exception:  # the app itself cannot be made: explain() then works without it
        return None


def explain(error: BaseException, app: Flask | None = None) -> str:
    """One Chinese line saying what went wrong and, where it is the user's to fix, what to run."""
    if isinstance(error, ApiError):
        return error.message
    if isinstance(error, migrate.MigrationError | ConfigError | AccountError):
        return str(error)
    if isinstance(error, ValueError) and str(error).startswith("HOTLINE_"):  # a setting checked where it is used
        return f"配置错误：{error}"
    if isinstance(error, SQLAlchemyError):
        return _database_problem(error, app)
    if isinstance(error, redis.RedisError):
        where = app.config.get("REDIS_RESOLVED_URL") if app is not None else None
        return (f"无法连接 Redis{f'（{where}）' if where else ''}：请先运行 flask --app wsgi up（它会启动内置 Redis），"
                f"或把 HOTLINE_REDIS_URL 设为可用的 Redis")
    if isinstance(error, FileNotFoundError):
        return f"找不到文件或目录：{error.filename or error}"
    if isinstance(error, PermissionError):
        return f"没有权限访问：{error.filename or error}"
    if isinstance(error, OSError):
        return f"系统错误：{error.strerror or error}"
    return _unexpected(error)


def _unexpected(error: BaseException) -> str:
    return f"命令执行失败（{type(error).__name__}：{_first_line(error)}）；设置 HOTLINE_LOG_LEVEL=DEBUG 可查看详细信息"


def _database_problem(error: SQLAlchemyError, app: Flask | None) -> str:
    if app is not None:
        try:
            current = migrate.current_revision(database.engine(app))
        except SQLAlchemyError as connect_error:
            return f"无法连接数据库（{_url(app)}）：{_first_line(connect_error)}"
        if current != migrate.head_revision():
            return _not_current(current)
    return f"数据库错误：{_first_line(error)}"


def _not_current(revision: str | None) -> str:
    state = "还没有建表" if revision is None else f"版本 {revision} 不是最新"
    return f"数据库{state}：{RUN_UPGRADE}"


def _url(app: Flask) -> str:
    return database.engine(app).url.render_as_string(hide_password=True)


def _first_line(error: BaseException) -> str:
    if isinstance(error, DBAPIError) and error.orig is not None:
        error = error.orig
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
