"""Migrations: upgrade and downgrade on SQLite and PostgreSQL, and they match the models exactly."""

from __future__ import annotations

import os
from contextlib import contextmanager

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from hotline import migrate
from models import Base, make_engine


@contextmanager
def sqlite_database(tmp_path):
    yield f"sqlite:///{tmp_path / 'migrations.db'}"


def databases() -> list:
    return [
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=[pytest.mark.postgres, pytest.mark.skipif(
            not os.environ.get("HOTLINE_TEST_DATABASE_URL"),
            reason="PostgreSQL migration test needs HOTLINE_TEST_DATABASE_URL (CI sets it)",
        )]),
    ]


@contextmanager
def empty_database(kind, tmp_path):
    if kind == "sqlite":
        with sqlite_database(tmp_path) as url:
            yield url
    else:
        from tests.conftest import new_postgres_database

        with new_postgres_database(os.environ["HOTLINE_TEST_DATABASE_URL"]) as url:
            yield url


def app_tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


@pytest.mark.parametrize("kind", databases())
def test_migrations__upgrade_downgrade_upgrade(kind, tmp_path):
    with empty_database(kind, tmp_path) as url:
        engine = make_engine(url)
        try:
            migrate.upgrade(engine)
            assert app_tables(engine) == set(Base.metadata.tables)
            migrate.downgrade(engine, "base")
            assert app_tables(engine) == set()
            migrate.upgrade(engine)
            assert migrate.current_revision(engine) is not None
        finally:
            engine.dispose()


@pytest.mark.parametrize("kind", databases())
def test_migrations__match_the_models(kind, tmp_path):
    """Every model change has its migration: autogenerate finds nothing left to do."""
    with empty_database(kind, tmp_path) as url:
        engine = make_engine(url)
        try:
            migrate.upgrade(engine)
            with engine.connect() as connection:
                context = MigrationContext.configure(connection, opts={"compare_type": True})
                differences = compare_metadata(context, Base.metadata)
            assert differences == []
        finally:
            engine.dispose()
