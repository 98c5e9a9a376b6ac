"""Alembic, driven from code (no alembic.ini): upgrade, downgrade and revision for the app's database."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from sqlalchemy import Engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


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
        _command().upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
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
