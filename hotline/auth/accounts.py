"""Staff accounts: validated creation, for the CLI, `up` and the admin pages."""

from __future__ import annotations

from sqlalchemy import select

from hotline.auth import find_user, hash_password
from models import Unit, User
from models.enums import Role


class AccountError(ValueError):
    """A request for an account that cannot be made; the message says why, in Chinese."""


def create_user(session, username: str, password: str, role: str, unit_code: str | None,
                display_name: str | None = None) -> User:
    """Validated user creation, shared by the CLI, `up` (demo users) and the admin pages."""
    if find_user(session, username) is not None:
        raise AccountError(f"用户名 {username} 已存在")
    if len(password) < 8:
        raise AccountError("密码至少 8 位")
    unit = None
    if role == Role.UNIT_STAFF:
        if not unit_code:
            raise AccountError("承办单位人员（unit_staff）必须用 --unit 指定所属单位")
    elif unit_code:
        raise AccountError("只有承办单位人员（unit_staff）可以绑定单位")
    if unit_code:
        unit = session.scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None:
            raise AccountError(f"单位 {unit_code} 不存在（先用 city load 导入城市数据）")
    user = User(username=username, password_hash=hash_password(password), role=role,
                unit_id=unit.id if unit else None, display_name=display_name)
    session.add(user)
    return user
