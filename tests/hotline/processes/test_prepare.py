"""hotline.processes.prepare: what `up` and `simulate` need, made where missing and kept where present."""

from __future__ import annotations

from sqlalchemy import func, select

from hotline import create_app
from hotline.database import engine, session_factory
from hotline.processes.prepare import prepare_instance
from models import Unit, User


def test_prepare_instance__makes_a_fresh_instance_ready_and_keeps_it_on_the_second_run(tmp_path, redis_url):
    app = create_app(DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.db'}", REDIS_URL=redis_url, SECRET_KEY="prep",
                     INSTANCE_PATH=str(tmp_path / "instance"), LOG_LEVEL="ERROR")
    said: list[str] = []
    try:
        first = prepare_instance(app, echo=said.append)
        assert any("导入演示城市" in line for line in said)
        with session_factory(app)() as session:
            units = session.scalar(select(func.count()).select_from(Unit))
            users = session.scalar(select(func.count()).select_from(User))
        assert units > 0 and users == len(first.logins) >= 3
        assert {role for _, _, role in first.logins} >= {"agent", "supervisor", "admin"}
        assert first.model_version == "v0001"

        said.clear()
        second = prepare_instance(app, echo=said.append)
        assert not any("导入演示城市" in line for line in said)
        assert second == first  # same accounts (and passwords), same model
        with session_factory(app)() as session:
            assert session.scalar(select(func.count()).select_from(Unit)) == units
    finally:
        engine(app).dispose()
