"""A value kept per app (in `app.extensions`) and refreshed after a maximum age.

Used for what every request needs but only changes now and then: the classifier model, the city's
routing index. Each web or worker process keeps its own copy; a change made elsewhere shows here within
`max_age` seconds (or at once, after `forget`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from flask import Flask

T = TypeVar("T")


class AppCache(Generic[T]):
    def __init__(self, key: str, max_age: float):
        self.key = key
        self.max_age = max_age
        self._lock = threading.Lock()

    def get(self, app: Flask, refresh: Callable[[T | None], T]) -> T:
        """The cached value; when missing or older than max_age, `refresh(previous)` gives the new one.

        `refresh` may return `previous` unchanged (e.g. after finding the source has not changed): that
        still restarts the clock. Only one thread refreshes; the others wait and take its result.
        """
        entry = app.extensions.get(self.key)
        if entry is not None and not self._stale(entry):
            return entry[0]
        with self._lock:
            entry = app.extensions.get(self.key)
            if entry is None or self._stale(entry):
                value = refresh(entry[0] if entry is not None else None)
                entry = app.extensions[self.key] = (value, time.monotonic())
            return entry[0]

    def forget(self, app: Flask) -> None:
        app.extensions.pop(self.key, None)

    def _stale(self, entry: tuple[T, float]) -> bool:
        return time.monotonic() - entry[1] >= self.max_age
