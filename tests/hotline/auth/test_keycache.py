"""The per-process cache of channel keys found valid (hotline.auth.keycache)."""

from __future__ import annotations

from hotline.auth import Principal
from hotline.auth.keycache import KeyCache

WEB = Principal("apikey", 1, "门户网站", channel="web")


class Timer:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_get__a_key_put_is_trusted_until_it_is_max_age_old():
    timer = Timer()
    cache = KeyCache(5.0, now=timer)
    cache.put("h1", WEB)
    timer.now += 4.9
    assert cache.get("h1") == WEB
    timer.now += 0.1
    assert cache.get("h1") is None  # read again from the database, where a revocation shows
    assert cache.get("unknown") is None


def test_put__keeps_only_the_newest_max_keys():
    cache = KeyCache(5.0, now=Timer(), max_keys=2)
    for name in ("h1", "h2", "h3"):
        cache.put(name, WEB)
    assert [cache.get(name) for name in ("h1", "h2", "h3")] == [None, WEB, WEB]


def test_put__a_max_age_of_zero_caches_nothing():
    cache = KeyCache(0, now=Timer())
    cache.put("h1", WEB)
    assert cache.get("h1") is None


def test_clear__forgets_every_key():
    cache = KeyCache(5.0, now=Timer())
    cache.put("h1", WEB)
    cache.clear()
    assert cache.get("h1") is None
