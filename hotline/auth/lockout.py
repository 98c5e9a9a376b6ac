"""Password guessing: failed logins are counted per account and per address (in Redis, shared by every web
process; in the process's memory while Redis is away).

- An account with LOGIN_FAILURES_PER_ACCOUNT failures in the window (default 5 in 15 minutes) is locked
  for the rest of the window: every attempt on it, the right password included, gets 429 with
  Retry-After. So an attacker cannot guess on, and a correct guess made while locked is worth nothing.
  Other accounts are not touched: the agents of a call centre behind one proxy keep logging in.
- An address with LOGIN_FAILURES_PER_ADDRESS failures in the window (default 100 in 15 minutes) gets
  429 for every attempt: that is one machine trying many accounts (password spraying), far beyond the
  typing mistakes of a whole call centre.
- RATELIMIT_AUTH (Flask-Limiter, per address, all attempts) stays as a flood ceiling only.

Used by the token route and the web login page alike: `check(username)` before the password is looked
at, `failed(username)` after a wrong one.
"""

from __future__ import annotations

import logging
import math
import time

from flask import Flask, current_app, request
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from hotline.errors import ApiError
from hotline.extensions import limiter_storage_uri

log = logging.getLogger(__name__)
_KEY = "hotline.login_lockout"


class LockedOut(ApiError):
    status, code = 429, "login_locked"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class _Counter:
    """A moving-window counter in the configured storage, falling back to memory when it fails."""

    def __init__(self, uri: str):
        self.memory = MovingWindowRateLimiter(MemoryStorage())
        self.primary = None
        if uri and not uri.startswith("memory://"):
            self.primary = MovingWindowRateLimiter(
                storage_from_string(uri, socket_timeout=2, socket_connect_timeout=2))
        self.failing_since: float | None = None

    def _run(self, method: str, *args):
        if self.primary is not None:
            try:
                answer = getattr(self.primary, method)(*args)
                if self.failing_since is not None:
                    log.warning("login counters: storage is back")
                    self.failing_since = None
                return answer
            except Exception as error:  # storage down: count in this process until it is back
                if self.failing_since is None:
                    self.failing_since = time.monotonic()
                    log.error("login counters: storage unreachable (%s); counting in memory", error)
        return getattr(self.memory, method)(*args)

    def hit(self, item: RateLimitItem, *keys: str) -> None:
        self._run("hit", item, "login", *keys)

    def over(self, item: RateLimitItem, *keys: str) -> int | None:
        """Seconds until the window frees a slot if the limit is reached, else None."""
        if self._run("test", item, "login", *keys):
            return None
        reset, _remaining = self._run("get_window_stats", item, "login", *keys)
        return max(1, math.ceil(reset - time.time()))


def _counter(app: Flask) -> _Counter:
    if _KEY not in app.extensions:
        app.extensions[_KEY] = _Counter(limiter_storage_uri(app))
    return app.extensions[_KEY]


def _account(username: str) -> str:
    return "account:" + username.strip().lower()


def _address() -> str:
    return f"address:{request.remote_addr}"


def check(username: str) -> None:
    """Raises LockedOut (429) when the account or the caller's address is locked."""
    app = current_app._get_current_object()
    counter = _counter(app)
    wait = counter.over(parse(app.config["LOGIN_FAILURES_PER_ACCOUNT"]), _account(username))
    if wait is not None:
        raise LockedOut(f"该账号登录失败次数过多，已暂时锁定，请 {_minutes(wait)} 后再试或联系管理员。", wait)
    wait = counter.over(parse(app.config["LOGIN_FAILURES_PER_ADDRESS"]), _address())
    if wait is not None:
        raise LockedOut(f"来自该地址的登录失败次数过多，请 {_minutes(wait)} 后再试。", wait)


def failed(username: str) -> None:
    app = current_app._get_current_object()
    counter = _counter(app)
    counter.hit(parse(app.config["LOGIN_FAILURES_PER_ACCOUNT"]), _account(username))
    counter.hit(parse(app.config["LOGIN_FAILURES_PER_ADDRESS"]), _address())


def _minutes(seconds: int) -> str:
    return f"{math.ceil(seconds / 60)} 分钟" if seconds >= 60 else f"{seconds} 秒"
