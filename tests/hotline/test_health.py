"""/healthz tells the state of the database and Redis; /metrics speaks Prometheus."""

from __future__ import annotations


def test_healthz__200_when_database_and_redis_are_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["database"]["ok"] and response.json["redis"]["ok"]


def test_healthz__503_when_redis_is_down(make_app, tmp_path):
    app = make_app(REDIS_URL=f"unix://{tmp_path / 'no-redis.sock'}")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["redis"]["ok"] is False
    assert response.json["database"]["ok"] is True


def test_healthz__503_when_database_is_down(make_app, tmp_path):
    make_app()  # the fixture's first app clears the test database; this one points nowhere
    app = make_app(DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"]["ok"] is False


def test_intake__works_with_redis_down(make_app, tmp_path, actors):
    app = make_app(REDIS_URL=f"unix://{tmp_path / 'no-redis.sock'}", RATELIMIT_STORAGE_URL="")
    actors.app = app
    response = app.test_client().post("/api/v1/tickets", json={"content": "井盖丢了"}, headers=actors.key())
    assert response.status_code == 201


def test_metrics__counts_requests_and_tickets(client, actors):
    client.post("/api/v1/tickets", json={"content": "噪音扰民"}, headers=actors.key())
    text = client.get("/metrics").get_data(as_text=True)
    assert "hotline_tickets_created_total" in text
    assert 'hotline_http_requests_total{endpoint="tickets.post_ticket"' in text


def test_unknown_api_route__is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_wrong_method__is_json_405(client):
    response = client.delete("/api/v1/tickets")
    assert response.status_code == 405
    assert response.json["error"]["code"] == "method_not_allowed"


def test_home__front_door_in_chinese_with_the_service_state(client):
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "接诉即办系统" in page and 'lang="zh-CN"' in page
    assert "数据库</dt><dd>正常" in page
    assert response.headers["X-Frame-Options"] == "DENY"


def test_healthz__anonymous_callers_see_up_or_down_but_not_the_error_text(make_app, tmp_path, actors):
    app = make_app(REDIS_URL=f"unix://{tmp_path / 'no-redis.sock'}")
    actors.app = app
    anonymous = app.test_client().get("/healthz").json
    assert anonymous["redis"] == {"ok": False, "detail": "不可用"}
    assert "no-redis.sock" not in str(anonymous)
    staff = app.test_client().get("/healthz", headers=actors.user("admin")).json
    assert "no-redis.sock" in staff["redis"]["detail"] or "Error" in staff["redis"]["detail"]


def test_database_down__an_api_call_is_503_with_a_clear_message(make_app):
    make_app()
    app = make_app(DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = app.test_client().post("/api/v1/tickets", json={"content": "井盖丢了"},
                                      headers={"Authorization": "Bearer hk_x_y"})
    assert response.status_code == 503
    assert response.json["error"]["code"] == "database_unavailable"
    assert "数据库" in response.json["error"]["message"]
    assert response.headers["Retry-After"]


def test_test_redis__a_test_that_scheduled_jobs(client, actors):
    """With the next test: the suite leaves no job keys behind in its Redis database."""
    response = client.post("/api/v1/tickets", json={"content": "望京西园三区门口有人摆摊烧烤，油烟很大",
                                                    "address": "朝阳区望京西园三区", "category_code": "CTY-VENDOR"},
                           headers=actors.user("agent"))
    assert response.status_code == 201


def test_test_redis__is_left_empty_by_the_test_before(redis_url):
    import redis

    assert redis.Redis.from_url(redis_url).dbsize() == 0
