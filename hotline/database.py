"""The app's database binding: one engine per app, one session per request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, g
from sqlalchemy import Engine, text
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from hotline.config import ConfigError
from models import make_engine, make_session_factory

_KEY = "hotline.db"


def init_app(app: Flask) -> None:
    try:
        engine = make_engine(app.config["DATABASE_URL"])
    except (ArgumentError, ImportError) as error:  # a malformed URL, or a driver that is not installed
        raise ConfigError(f"HOTLINE_DATABASE_URL 无法使用（{error}）：示例 postgresql+psycopg://user:pass@host/db") from None
    app.extensions[_KEY] = (engine, make_session_factory(engine))
    app.teardown_appcontext(_close_session)


def engine(app: Flask | None = None) -> Engine:
    return (app or current_app).extensions[_KEY][0]


def session_factory(app: Flask | None = None) -> sessionmaker[Session]:
    return (app or current_app).extensions[_KEY][1]


def db() -> Session:
    """The session of the current request / app context (created on first use, closed at teardown)."""
    if "db_session" not in g:
        g.db_session = session_factory()()
    return g.db_session


def _close_session(_exc) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


@contextmanager
def write_transaction(session: Session, *, continue_read: bool = False) -> Iterator[Session]:
    """A write on a session that has usually begun reading already (the caller's key, a lookup).

    The read is ended first so that the write begins afresh — on SQLite with the write lock taken at
    BEGIN (models.db.WriteAwareSession) — and everything inside commits or rolls back as one.

    `continue_read`: on PostgreSQL the read goes on as the write instead (under READ COMMITTED each
    statement sees what is committed when it starts: ending the read would only cost a ROLLBACK, a
    second check-out of a connection with its ping, and a BEGIN). Only for callers whose reads hold no
    ORM state that the write relies on (intake: the caller's key, duplicate candidates' rows).
    """
    if continue_read and session.in_transaction() and session.get_bind().dialect.name == "postgresql":
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        session.commit()
        return
    session.rollback()
    with session.begin():
        yield session


def relaxed_commit(session: Session) -> None:
    """This transaction's commit need not wait for the disk (PostgreSQL's synchronous_commit off).

    Only for writes that the database can lose in a crash without harm because they are redone anyway,
    e.g. clearing `jobs_owed` after the jobs are on the schedule (the sweep schedules again). Never for a
    ticket or a transition. No effect on SQLite.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
