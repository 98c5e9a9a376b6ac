"""Staff tokens: POST /api/v1/auth/token."""

from __future__ import annotations

import time


def test_token__issued_for_valid_password_and_works(client, actors):
    actors.user("agent", username="zhang", password="s3cret-pass")
    response = client.post("/api/v1/auth/token", json={"username": "zhang", "password": "s3cret-pass"})
    assert response.status_code == 200
    assert response.json["expires_at"].endswith("+08:00")
    headers = {"Authorization": f"Bearer {response.json['token']}"}
    assert client.get("/api/v1/tickets", headers=headers).status_code == 200


def test_token__wrong_password_is_401(client, actors):
    actors.user("agent", username="li", password="right-password")
    response = client.post("/api/v1/auth/token", json={"username": "li", "password": "wrong-password"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "invalid_credentials"
    assert client.post("/api/v1/auth/token", json={"username": "nobody", "password": "x"}).status_code == 401


def test_token__missing_fields_are_422(client):
    response = client.post("/api/v1/auth/token", json={"username": "li"})
    assert response.status_code == 422
    assert "password" in response.json["error"]["fields"]


def test_token__deactivated_user_loses_access(client, actors, app):
    from hotline.database import session_factory
    from models import User

    headers = actors.user("supervisor", username="wang")
    with session_factory(app)() as session, session.begin():
        session.query(User).filter_by(username="wang").update({"active": False})
    assert client.get("/api/v1/tickets", headers=headers).status_code == 401


def test_token__expires(make_app, actors):
    app = make_app(TOKEN_TTL_SECONDS=1)
    client = app.test_client()
    actors.app = app
    actors.user("agent", username="zhao", password="password-1")
    token = client.post("/api/v1/auth/token", json={"username": "zhao", "password": "password-1"}).json["token"]
    time.sleep(2.1)
    response = client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "token_expired"


def test_token__login_is_rate_limited(make_app, actors):
    app = make_app(RATELIMIT_AUTH="3/minute")
    client = app.test_client()
    statuses = [client.post("/api/v1/auth/token", json={"username": "x", "password": "y"}).status_code
                for _ in range(4)]
    assert statuses == [401, 401, 401, 429]

