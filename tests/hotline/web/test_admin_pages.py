"""Administration in the browser: city files with `city load`'s validation, users, API keys, the audit trail."""

from __future__ import annotations

import io
import re
import zipfile

from sqlalchemy import select

from hotline.database import session_factory
from models import AdminChange, ApiKey, Unit, User


def textarea(html: str) -> str:
    import html as html_lib

    return html_lib.unescape(re.search(r'<textarea class="code" id="text" name="text"[^>]*>(.*?)</textarea>', html, re.S).group(1))


def unit_name(app, code: str) -> str:
    with session_factory(app)() as session:
        return session.scalar(select(Unit.name).where(Unit.code == code))


def changes(app) -> list[AdminChange]:
    with session_factory(app)() as session:
        return list(session.scalars(select(AdminChange).order_by(AdminChange.id)))


def test_city_file__a_valid_edit_is_saved_and_recorded(app, staff):
    admin = staff("admin")
    original = unit_name(app, "CY-WJ")
    text = textarea(admin.get("/admin/city/units.yaml").get_data(as_text=True))
    assert original in text
    try:
        response = admin.post("/admin/city/units.yaml", {"text": text.replace(original, "望京街道办事处（测试）")})
        assert response.status_code == 303
        assert unit_name(app, "CY-WJ") == "望京街道办事处（测试）"
        [change] = changes(app)
        assert change.actor == f"user:{admin.username}" and change.target == "units.yaml"
        assert "+" in change.detail and "望京街道办事处（测试）" in change.detail
        assert "望京街道办事处（测试）" in admin.get("/admin").get_data(as_text=True)
    finally:
        admin.post("/admin/city/units.yaml", {"text": text})
    assert unit_name(app, "CY-WJ") == original


def test_city_file__an_invalid_edit_writes_nothing_and_lists_the_problems(app, staff):
    admin = staff("admin")
    text = textarea(admin.get("/admin/city/catalogue.yaml").get_data(as_text=True))
    broken = text.replace("category: CTY-VENDOR\n  level: local", "category: CTY-VENDOR\n  level: department\n  lead: CY-WJ", 1)
    assert broken != text
    response = admin.post("/admin/city/catalogue.yaml", {"text": broken})
    assert response.status_code == 422
    assert "应为市级部门或企业" in response.get_data(as_text=True)
    assert changes(app) == []
    bad_yaml = admin.post("/admin/city/units.yaml", {"text": "units: [::"})
    assert bad_yaml.status_code == 422 and "YAML" in bad_yaml.get_data(as_text=True)


def test_city__export_and_import_round_trip(app, staff):
    admin = staff("admin")
    exported = admin.get("/admin/city/export.zip")
    assert exported.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(exported.data)).namelist()
    assert set(names) == {"units.yaml", "jurisdictions.yaml", "categories.yaml", "catalogue.yaml", "knowledge.yaml"}
    response = admin.post("/admin/city/import", {"archive": (io.BytesIO(exported.data), "city.zip")},
                          content_type="multipart/form-data")
    assert response.status_code == 303
    assert [c.kind for c in changes(app)] == ["city-import"]


def test_apikey_revoke__stops_a_key_in_use_at_once(app, staff, client):
    admin = staff("admin")
    page = admin.post("/admin/apikeys", {"channel": "web", "name": "门户网站"})
    key = re.search(r'id="new-key">([^<]+)<', page.get_data(as_text=True)).group(1)
    headers = {"Authorization": f"Bearer {key}"}
    assert client.post("/api/v1/tickets", json={"content": "测试"}, headers=headers).status_code == 201
    with session_factory(app)() as session:
        key_id = session.scalar(select(ApiKey.id).where(ApiKey.name == "门户网站"))
    assert admin.post(f"/admin/apikeys/{key_id}/revoke").status_code == 303
    assert client.post("/api/v1/tickets", json={"content": "测试"}, headers=headers).status_code == 401


def test_users_and_keys__created_revoked_and_recorded(app, staff):
    admin = staff("admin")
    response = admin.post("/admin/users", {"username": "wj-staff-2", "display_name": "王五", "role": "unit_staff",
                                           "unit": "CY-WJ", "password": "long-enough-pw"})
    assert response.status_code == 303
    refused = admin.post("/admin/users", {"username": "x", "role": "unit_staff", "unit": "", "password": "long-enough"})
    assert "必须用 --unit" in admin.get(refused.headers["Location"]).get_data(as_text=True)
    with session_factory(app)() as session:
        user = session.scalar(select(User).where(User.username == "wj-staff-2"))
        assert user.unit.code == "CY-WJ"
    assert admin.post(f"/admin/users/{user.id}/deactivate").status_code == 303
    page = admin.post("/admin/apikeys", {"channel": "app", "name": "市民App"})
    key = re.search(r'id="new-key">([^<]+)<', page.get_data(as_text=True)).group(1)
    assert key.startswith("hk_")
    with session_factory(app)() as session:
        key_id = session.scalar(select(ApiKey.id).where(ApiKey.name == "市民App"))
    assert admin.post(f"/admin/apikeys/{key_id}/revoke").status_code == 303
    assert [c.kind for c in changes(app)] == ["user", "user", "apikey", "apikey"]
    assert all(c.actor == f"user:{admin.username}" for c in changes(app))
