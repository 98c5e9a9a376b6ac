"""Preparing an instance: what `up` and `simulate` need before they start, done where missing and kept
where present — the database migrated to the latest schema, the demo city loaded into an empty database,
the demo accounts (random passwords kept in the instance folder), and a bootstrap classifier model
trained from the city's seed examples when there is no model (and the urgency model likewise).

`python -m hotline.processes.prepare` does it in a process of its own: `up` runs it that way, so that
training the model (scikit-learn, jieba) never enters the long-lived supervisor.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select

from hotline import create_app, database, migrate
from hotline.auth.accounts import create_user
from hotline.city.schema import read_city
from hotline.city.store import city_is_empty, load_city
from hotline.learning.service import ensure_bootstrap_model, ensure_urgency_model
from models import Unit, User

# Demo accounts made on an empty database: (username, role, unit code, display name).
DEMO_USERS = (
    ("agent", "agent", None, "坐席演示账号"),
    ("supervisor", "supervisor", None, "督办演示账号"),
    ("admin", "admin", None, "管理员演示账号"),
)
LOGINS_FILE = "demo-logins.txt"

Echo = Callable[[str], None]


@dataclass(frozen=True)
class Prepared:
    logins: list[tuple[str, ...]]  # (username, password, role) of the demo accounts
    model_version: str


def prepare_instance(app: Flask, echo: Echo = click.echo) -> Prepared:
    """Migrate, load the demo city into an empty database, create the demo accounts once and make sure a
    classifier model exists. Each step keeps what is already there."""
    prepare_database(app, echo)
    logins = ensure_demo_users(app)
    echo("检查分类模型 …")
    version = ensure_bootstrap_model(app)
    echo(f"分类模型版本：{version}")
    echo(f"紧急程度模型版本：{ensure_urgency_model(app)}")
    return Prepared(logins, version)


def prepare_database(app: Flask, echo: Echo = click.echo) -> None:
    echo("迁移数据库 …")
    migrate.upgrade(database.engine(app))
    with database.session_factory(app)() as session, session.begin():
        if city_is_empty(session):
            echo(f"数据库为空，导入演示城市 {app.config['DEMO_CITY_PATH']} …")
            load_city(session, read_city(Path(app.config["DEMO_CITY_PATH"])))


def ensure_demo_users(app: Flask) -> list[tuple[str, ...]]:
    """Create the demo accounts once (when there are no accounts at all); their logins."""
    with database.session_factory(app)() as session, session.begin():
        if session.scalar(select(User.id).limit(1)) is None:
            lines = []
            for username, role, unit, name in DEMO_USERS + _demo_unit_staff(session):
                password = secrets.token_urlsafe(9)
                create_user(session, username, password, role, unit, name)
                lines.append(f"{username}\t{password}\t{role}")
            logins_file = _logins_file(app)
            logins_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
            logins_file.chmod(0o600)
    return demo_logins(app)


def demo_logins(app: Flask) -> list[tuple[str, ...]]:
    """The demo accounts' (username, password, role), as written when they were created."""
    logins_file = _logins_file(app)
    if not logins_file.exists():
        return []
    return [tuple(line.split("\t")) for line in logins_file.read_text(encoding="utf-8").splitlines() if line]


def _logins_file(app: Flask) -> Path:
    return Path(app.config["INSTANCE_PATH"]) / LOGINS_FILE


def _demo_unit_staff(session) -> tuple:
    """One account for the first street office and the first city department of the city."""
    accounts = []
    for group, username in (("street", "street"), ("department", "dept")):
        unit = session.scalar(select(Unit).where(Unit.unit_group == group).order_by(Unit.id).limit(1))
        if unit is not None:
            accounts.append((username, "unit_staff", unit.code, f"{unit.name}演示账号"))
    return tuple(accounts)


def main() -> int:
    prepare_instance(create_app())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
