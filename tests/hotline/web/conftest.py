"""Signed-in test clients for the pages: `staff(role, unit=None)` logs a fresh user in through /login."""

from __future__ import annotations

import re
import secrets

import pytest

from hotline.auth.accounts import create_user
from hotline.database import session_factory

PASSWORD = "correct-horse"


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


class Staff:
    """A signed-in person: a test client plus helpers that post forms with the page's CSRF token."""

    def __init__(self, client, username: str, role: str, unit: str | None):
        self.client, self.username, self.role, self.unit = client, username, role, unit
        self._token = None

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def token(self) -> str:
        if self._token is None:
            self._token = csrf_of(self.client.get("/login?next=/", follow_redirects=True).get_data(as_text=True))
        return self._token

    def post(self, url, data=None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token())
        return self.client.post(url, data=data, **kwargs)


def make_user(app, role: str, unit: str | None = None, username: str | None = None) -> str:
    username = username or f"{role}-{secrets.token_hex(3)}"
    with session_factory(app)() as session, session.begin():
        create_user(session, username, PASSWORD, role, unit, display_name=f"测试{role}")
    return username


def sign_in(app, username: str):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": csrf_of(page)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture
def staff(app):
    def factory(role: str, unit: str | None = None) -> Staff:
        username = make_user(app, role, unit)
        return Staff(sign_in(app, username), username, role, unit)

    return factory


@pytest.fixture
def csrf():
    return csrf_of


@pytest.fixture
def user_named(app):
    """Creates a user and returns the username (password: PASSWORD)."""
    return lambda role, unit=None: make_user(app, role, unit)


@pytest.fixture
def password():
    return PASSWORD
