"""flask user … and flask apikey …"""

from __future__ import annotations


def test_apikey_create__prints_the_key_alone_on_the_last_line_and_it_works(app, client):
    result = app.test_cli_runner().invoke(args=["apikey", "create", "--channel", "web", "--name", "门户网站"])
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    assert key.startswith("hk_") and " " not in key
    response = client.post("/api/v1/tickets", json={"content": "测试"}, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 201
    assert response.json["channel"] == "web"


def test_apikey_revoke__stops_the_key(app, client):
    runner = app.test_cli_runner()
    key = runner.invoke(args=["apikey", "create", "--channel", "app", "--name", "App"]).output.strip().splitlines()[-1]
    result = runner.invoke(args=["apikey", "revoke", key])
    assert result.exit_code == 0, result.output
    response = client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 401
    assert "已吊销" in runner.invoke(args=["apikey", "list"]).output


def test_apikey_revoke__stops_a_key_in_use_at_once(app, client):
    runner = app.test_cli_runner()
    key = runner.invoke(args=["apikey", "create", "--channel", "web", "--name", "门户网站"]).output.strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {key}"}
    assert client.post("/api/v1/tickets", json={"content": "测试"}, headers=headers).status_code == 201
    assert runner.invoke(args=["apikey", "revoke", key]).exit_code == 0
    assert client.post("/api/v1/tickets", json={"content": "测试"}, headers=headers).status_code == 401


def test_apikey_create__unknown_channel_is_refused(app):
    result = app.test_cli_runner().invoke(args=["apikey", "create", "--channel", "fax", "--name", "x"])
    assert result.exit_code != 0


def test_user_create__unit_staff_needs_an_existing_unit(app):
    runner = app.test_cli_runner()
    base = ["user", "create", "--username", "s1", "--password", "long-enough-1", "--role", "unit_staff"]
    assert "必须用 --unit" in runner.invoke(args=base).output
    assert "不存在" in runner.invoke(args=base + ["--unit", "NOPE"]).output
    result = runner.invoke(args=base + ["--unit", "CY-WJ"])
    assert result.exit_code == 0, result.output


def test_user_create__then_token(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["user", "create", "--username", "sup", "--password", "long-enough-1", "--role", "supervisor"])
    assert result.exit_code == 0, result.output
    response = client.post("/api/v1/auth/token", json={"username": "sup", "password": "long-enough-1"})
    assert response.status_code == 200
    assert response.json["role"] == "supervisor"


def test_user_create__refuses_duplicates_and_short_passwords(app):
    runner = app.test_cli_runner()
    args = ["user", "create", "--username", "dup", "--password", "long-enough-1", "--role", "agent"]
    assert runner.invoke(args=args).exit_code == 0
    assert "已存在" in runner.invoke(args=args).output
    short = runner.invoke(args=["user", "create", "--username", "x", "--password", "short", "--role", "agent"])
    assert "至少 8 位" in short.output


def test_user_password_is_stored_hashed(app, session):
    from models import User

    app.test_cli_runner().invoke(args=["user", "create", "--username", "h", "--password", "plain-text-pw", "--role", "agent"])
    stored = session.query(User).filter_by(username="h").one().password_hash
    assert "plain-text-pw" not in stored and stored.startswith(("scrypt:", "pbkdf2:"))


def test_apikey_create__a_name_taken_in_the_channel_is_refused_in_one_line(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["apikey", "create", "--channel", "web", "--name", "门户网站"]).exit_code == 0
    again = runner.invoke(args=["apikey", "create", "--channel", "web", "--name", "门户网站"])
    assert again.exit_code != 0 and "已有名为“门户网站”的密钥" in again.output and "Traceback" not in again.output
    assert runner.invoke(args=["apikey", "create", "--channel", "app", "--name", "门户网站"]).exit_code == 0
