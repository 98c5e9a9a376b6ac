"""Failed logins are limited per account and per address (hotline/auth/lockout.py): guessing one account
locks that account — right password included — without locking out the other people behind the same
address (a call centre behind one proxy)."""

from __future__ import annotations

import pytest


def _login(client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def centre(make_app, actors):
    app = make_app(LOGIN_FAILURES_PER_ACCOUNT="5/15 minutes", LOGIN_FAILURES_PER_ADDRESS="30/15 minutes")
    actors.app = app
    for name in ("victim", "colleague"):
        actors.user("agent", username=name, password=f"{name}-password")
    return app.test_client()


def test_lockout__five_wrong_passwords_lock_the_account_and_the_right_one_does_not_reset_it(centre):
    assert [_login(centre, "victim", "guess").status_code for _ in range(5)] == [401] * 5
    locked = _login(centre, "victim", "victim-password")
    assert locked.status_code == 429
    assert locked.json["error"]["code"] == "login_locked"
    assert int(locked.headers["Retry-After"]) > 0
    assert _login(centre, "victim", "victim-password", address="10.9.9.9").status_code == 429  # any address


def test_lockout__does_not_stop_other_accounts_behind_the_same_address(centre):
    for _ in range(20):  # the old per-address limit (20/minute) locked out everyone behind the proxy here
        _login(centre, "victim", "guess")
    assert _login(centre, "colleague", "colleague-password").status_code == 200


def test_lockout__many_accounts_tried_from_one_address_stop_that_address(centre):
    statuses = [_login(centre, f"user{n}", "guess").status_code for n in range(31)]
    assert statuses[:30] == [401] * 30 and statuses[30] == 429
    assert _login(centre, "colleague", "colleague-password", address="10.0.0.2").status_code == 200


def test_lockout__a_call_centre_logging_in_at_once_is_not_limited(make_app, actors):
    app = make_app()
    actors.app = app
    client = app.test_client()
    for n in range(25):
        actors.user("agent", username=f"agent{n}", password="shift-start-1")
    assert {_login(client, f"agent{n}", "shift-start-1").status_code for n in range(25)} == {200}


def test_lockout__counts_are_shared_by_web_processes_through_redis(make_app, actors, redis_url, redis_client):
    first = make_app(RATELIMIT_STORAGE_URL=redis_url)
    second = make_app(RATELIMIT_STORAGE_URL=redis_url)
    actors.app = first
    actors.user("agent", username="victim", password="victim-password")
    for client in (first.test_client(), second.test_client()) * 3:
        _login(client, "victim", "guess")
    assert _login(second.test_client(), "victim", "victim-password").status_code == 429


def test_lockout__redis_down_falls_back_to_counting_in_the_process(make_app, actors, tmp_path):
    app = make_app(RATELIMIT_STORAGE_URL=f"redis+unix://{tmp_path / 'no-redis.sock'}")
    actors.app = app
    actors.user("agent", username="victim", password="victim-password")
    client = app.test_client()
    assert [_login(client, "victim", "guess").status_code for _ in range(5)] == [401] * 5
    assert _login(client, "victim", "victim-password").status_code == 429
