"""Alembic, driven from code (no alembic.ini): upgrade, downgrade and revision for the app's database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from sqlalchemy import Engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


class MigrationError(Exception):
    """A migration that cannot run; the message says why, for people (in Chinese)."""


@contextmanager
def _explained(revision: str) -> Iterator[None]:
    """alembic's refusals (an unknown revision, a database that is not current) as a MigrationError."""
    from alembic.util import CommandError  # with alembic.command, see _command

    try:
        yield
    except CommandError as error:
        if "Can't locate revision" in str(error) or "No such revision" in str(error):
            raise MigrationError(f"没有迁移版本 {revision}：flask --app wsgi db current 显示当前版本") from error
        raise MigrationError(f"迁移失败（{error}）") from error


def _command() -> ModuleType:
    """alembic.command, imported when a migration runs rather than with this module: alembic brings Mako
    and Pygments (~0.1 s), which `flask --help` and every command that migrates nothing would pay."""
    from alembic import command

    return command


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config  # with alembic.command, see _command

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        with _explained(revision):
            _command().upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        with _explained(revision):
            _command().downgrade(config, revision)


def revision(engine: Engine, message: str, autogenerate: bool = True) -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        _command().revision(config, message=message, autogenerate=autogenerate)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext  # with alembic.command, see _command

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision of the migrations in this code."""
    from alembic.script import ScriptDirectory  # with alembic.command, see _command

    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def is_current(engine: Engine) -> bool:
    """Whether the database is migrated to the newest revision."""
    return current_revision(engine) == head_revision()
