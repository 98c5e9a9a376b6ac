"""AppCache keeps one value per app and refreshes it after its maximum age."""

from __future__ import annotations

import threading
import time

from flask import Flask

from hotline.appcache import AppCache


def test_cache__reuses_a_fresh_value():
    app, cache, calls = Flask(__name__), AppCache("test.value", max_age=60), []
    build = lambda previous: calls.append(previous) or len(calls)  # noqa: E731
    assert cache.get(app, build) == 1
    assert cache.get(app, build) == 1
    assert calls == [None]


def test_cache__refreshes_a_stale_value_from_the_previous_one():
    app, cache = Flask(__name__), AppCache("test.value", max_age=0)
    assert cache.get(app, lambda previous: 1) == 1
    assert cache.get(app, lambda previous: previous + 1) == 2


def test_cache__forget_starts_over_and_apps_do_not_share():
    first, second, cache = Flask(__name__), Flask(__name__), AppCache("test.value", max_age=60)
    cache.get(first, lambda previous: "first")
    assert cache.get(second, lambda previous: "second") == "second"
    cache.forget(first)
    assert cache.get(first, lambda previous: previous or "again") == "again"


def test_cache__concurrent_callers_build_once():
    app, cache, calls = Flask(__name__), AppCache("test.value", max_age=60), []

    def slow_build(previous):
        calls.append(previous)
        time.sleep(0.2)
        return "built"

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get(app, slow_build))) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["built"] * 5
    assert len(calls) == 1
