"""Channel keys this process has recently found valid, so that intake does not hash and query the key on
every request (≈ 0.7 ms of ≈ 10 ms per intake, bench/intake.py).

Revocation stays effective: the process that revokes a key forgets every cached key at once (the admin
page, `flask apikey revoke` run against the app); every other process finds the key revoked when its
entry has aged past API_KEY_CACHE_SECONDS (default 5 s). Only keys found valid are kept — a stream of
wrong keys cannot fill the cache — and at most MAX_KEYS of them (channel clients are a handful).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING

from flask import Flask

if TYPE_CHECKING:
    from hotline.auth import Principal

MAX_KEYS = 256
_KEY = "hotline.api_key_cache"


class KeyCache:
    """key hash → (Principal, when it was read), oldest first; `now` is monotonic seconds."""

    def __init__(self, max_age: float, now: Callable[[], float] = time.monotonic, max_keys: int = MAX_KEYS):
        self.max_age, self.now, self.max_keys = max_age, now, max_keys
        self._entries: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key_hash: str) -> Principal | None:
        entry = self._entries.get(key_hash)
        if entry is None:
            return None
        if self.now() - entry[1] >= self.max_age:
            with self._lock:
                self._entries.pop(key_hash, None)
            return None
        return entry[0]

    def put(self, key_hash: str, principal: Principal) -> None:
        if self.max_age <= 0:
            return
        with self._lock:
            self._entries[key_hash] = (principal, self.now())
            self._entries.move_to_end(key_hash)
            while len(self._entries) > self.max_keys:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def key_cache(app: Flask) -> KeyCache:
    cache = app.extensions.get(_KEY)
    if cache is None:
        cache = app.extensions[_KEY] = KeyCache(float(app.config["API_KEY_CACHE_SECONDS"]))
    return cache


def forget_keys(app: Flask) -> None:
    """After revoking a key: this process stops accepting it at once (the others within max_age)."""
    cache = app.extensions.get(_KEY)
    if cache is not None:
        cache.clear()
