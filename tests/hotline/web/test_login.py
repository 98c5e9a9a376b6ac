"""Staff sign-in on the web: /login, sessions, CSRF, security headers, rate limit, logout."""

from __future__ import annotations

from sqlalchemy import update

from hotline.database import session_factory
from models import User


def _login(client, csrf, username, password, next_=None):
    token = csrf(client.get("/login").get_data(as_text=True))
    url = "/login" + (f"?next={next_}" if next_ else "")
    return client.post(url, data={"username": username, "password": password, "csrf_token": token})


def test_login__each_role_lands_on_its_own_page(app, csrf, user_named, password):
    homes = {"agent": "/agent", "supervisor": "/supervisor", "admin": "/admin"}
    for role, home in homes.items():
        client = app.test_client()
        response = _login(client, csrf, user_named(role), password)
        assert response.status_code == 302 and response.headers["Location"].endswith(home)
    client = app.test_client()
    response = _login(client, csrf, user_named("unit_staff", "CY-WJ"), password)
    assert response.headers["Location"].endswith("/unit")


def test_login__session_cookie_is_secure_httponly_samesite(app, csrf, user_named, password):
    client = app.test_client()
    response = _login(client, csrf, user_named("agent"), password)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("hotline_session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_login__wrong_password_is_refused_in_chinese(app, csrf, user_named):
    client = app.test_client()
    response = _login(client, csrf, user_named("agent"), "wrong-password")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert client.get("/agent").status_code == 302


def test_login__without_csrf_token_is_refused(app, user_named, password):
    client = app.test_client()
    response = client.post("/login", data={"username": user_named("agent"), "password": password})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_login__next_goes_back_but_never_off_site(app, csrf, user_named, password):
    client = app.test_client()
    assert _login(client, csrf, user_named("agent"), password, "/agent/triage").headers["Location"].endswith("/agent/triage")
    client = app.test_client()
    response = _login(client, csrf, user_named("agent"), password, "//evil.example/x")
    assert response.headers["Location"].endswith("/agent")


def test_login__is_rate_limited_per_address(make_app, csrf, password):
    app = make_app(RATELIMIT_LOGIN="3/minute")
    client = app.test_client()
    token = csrf(client.get("/login").get_data(as_text=True))
    codes = [client.post("/login", data={"username": "nobody", "password": "x" * 8, "csrf_token": token}).status_code
             for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    assert "过于频繁" in client.post("/login", data={"csrf_token": token}).get_data(as_text=True)


def test_logout__ends_the_session(staff):
    agent = staff("agent")
    assert agent.get("/agent").status_code == 200
    response = agent.post("/logout")
    assert response.status_code == 302
    assert agent.get("/agent").status_code == 302


def test_session__ends_when_the_password_changes_or_the_account_is_deactivated(app, staff):
    agent = staff("agent")
    assert agent.get("/agent").status_code == 200
    with session_factory(app)() as session, session.begin():
        session.execute(update(User).where(User.username == agent.username).values(active=False))
    assert agent.get("/agent").status_code == 302


def test_pages__send_strict_security_headers(app, staff):
    agent = staff("agent")
    for url in ("/login", "/agent", "/complaint", "/track"):
        headers = (agent.get(url) if url != "/login" else app.test_client().get(url)).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "default-src 'none'" in csp
        assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"


def test_api__does_not_accept_the_web_session(staff):
    """The JSON API takes bearer tokens only: a browser session (without CSRF protection there) is not a login."""
    agent = staff("agent")
    assert agent.get("/api/v1/tickets").status_code == 401


def test_login__failures_lock_the_account_not_everyone_behind_the_address(app, csrf, user_named, password):
    """A call centre behind one proxy: someone guessing one account's password locks that account (the
    right password included, for the window), while colleagues at the same address still sign in."""
    target, colleague = user_named("agent"), user_named("agent")
    client = app.test_client()
    codes = [_login(client, csrf, target, "wrong-password").status_code for _ in range(5)]
    assert codes == [401] * 5
    locked = _login(client, csrf, target, password)
    assert locked.status_code == 429 and "暂时锁定" in locked.get_data(as_text=True)
    assert int(locked.headers["Retry-After"]) > 0
    assert _login(app.test_client(), csrf, colleague, password).status_code == 302
