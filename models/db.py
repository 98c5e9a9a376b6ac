"""Engine and session helpers (no Flask)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Boolean, Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine with the settings each backend needs to be safe under concurrent use."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)
        _make_sqlite_transactions_immediate(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    engine = create_engine(url, **kwargs)
    if engine.dialect.driver == "psycopg":
        _cache_wide_statements()
    return engine


WIDEST_CACHED_STATEMENT = 100  # parameters: a ticket's INSERT has 52; multi-row batches stay uncached


def _cache_wide_statements() -> None:
    """Let psycopg parse the ticket INSERT once per process, not once per intake.

    psycopg turns a statement's `%(name)s` placeholders into `$n` once and caches the result — but only for
    statements of at most 50 parameters (its guard against ORM multi-row INSERTs of ever-changing length
    filling the cache). The INSERT of a ticket row has 52: it was parsed again on every intake, ≈ 0.4 ms
    of CPU. A private setting of psycopg 3: if a version lacks it, nothing changes but that cost."""
    import psycopg._queries as queries

    if getattr(queries, "MAX_CACHED_STATEMENT_PARAMS", WIDEST_CACHED_STATEMENT) < WIDEST_CACHED_STATEMENT:
        queries.MAX_CACHED_STATEMENT_PARAMS = WIDEST_CACHED_STATEMENT


def _make_sqlite_transactions_immediate(engine: Engine) -> None:
    """Let writing transactions on SQLite begin with BEGIN IMMEDIATE, reading ones with a plain BEGIN.

    pysqlite would start transactions lazily and upgrade a read lock to a write lock mid-transaction,
    which fails at once with "database is locked" under concurrent writers instead of waiting. A
    transaction opened with `session.begin()` (see WriteAwareSession) takes the write lock up front, so
    concurrent writers queue on the busy timeout; reads (autobegin) stay deferred and, with WAL, never
    block anyone.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


SQLITE_BEGIN_OPTION = "sqlite_begin"


class WriteAwareSession(Session):
    """A Session whose explicit `begin()` announces a write transaction.

    Convention of the project: every write happens inside `with session.begin():`. On SQLite that
    transaction begins IMMEDIATE (takes the write lock at once); on PostgreSQL the option is ignored.
    """

    def begin(self, nested: bool = False):
        transaction = super().begin(nested)
        if not nested and self.get_bind().dialect.name == "sqlite":
            self.connection(execution_options={SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        return transaction


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, class_=WriteAwareSession)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any error."""
    session = factory()
    try:
        with session.begin():
            yield session
    finally:
        session.close()


def upsert_insert(session: Session, entity):
    """An INSERT for `entity` that supports ON CONFLICT (…) DO NOTHING / DO UPDATE on the session's
    database — both PostgreSQL and SQLite have it, under their own dialect's insert()."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(entity)


class InSelect(ColumnElement):
    """``column IN (subquery)`` that PostgreSQL can answer from an index inside an OR.

    PostgreSQL evaluates ``x IN (SELECT …)`` under an OR as a filter on every row the rest of the query
    reads; ``x = ANY(ARRAY(SELECT …))`` runs the subquery once and looks the values up in x's index (a
    BitmapOr with the other branch). Other databases get the plain IN.
    """

    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True  # a comparison already: no "= 1" on databases without a boolean type
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement),
                           ("subquery", InternalTraversal.dp_clauseelement)]

    def __init__(self, column, subquery):
        self.column = column
        self.subquery = subquery


def in_select(column, subquery) -> InSelect:
    return InSelect(column, subquery)


@compiles(InSelect)
def _in_select(element, compiler, **kw):
    return f"{compiler.process(element.column, **kw)} IN ({compiler.process(element.subquery, **kw)})"


@compiles(InSelect, "postgresql")
def _in_select_postgresql(element, compiler, **kw):
    return f"{compiler.process(element.column, **kw)} = ANY(ARRAY({compiler.process(element.subquery, **kw)}))"
