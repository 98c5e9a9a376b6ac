"""`flask simulate`: the real workflow and jobs on a moving clock, the same city for the same seed."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hotline import create_app
from hotline.city.schema import read_city
from hotline.city.store import load_city
from hotline.database import engine, session_factory
from models import FollowUp, Notification, Ticket, TicketEvent, UnitScore

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "hotline" / "demo_city"


def fresh_app(tmp_path: Path, redis_url: str, name: str):
    from hotline import migrate

    app = create_app(DATABASE_URL=f"sqlite:///{tmp_path / name}.db", REDIS_URL=redis_url,
                     INSTANCE_PATH=str(tmp_path / name), SECRET_KEY="sim", LOG_LEVEL="ERROR")
    migrate.upgrade(engine(app))
    with session_factory(app)() as session, session.begin():
        load_city(session, read_city(DEMO))
    return app


def fingerprint(app) -> tuple:
    with session_factory(app)() as session:
        statuses = Counter(session.scalars(select(Ticket.status)))
        actions = Counter(session.scalars(select(TicketEvent.action)))
        units = tuple(session.execute(select(Ticket.ticket_no, Ticket.lead_unit_id, Ticket.status)
                                      .order_by(Ticket.ticket_no)).all())
    return statuses, actions, units


@pytest.fixture
def simulated(tmp_path, redis_url, redis_client):
    def run(name: str, seed: int):
        app = fresh_app(tmp_path, redis_url, name)
        result = app.test_cli_runner().invoke(args=["simulate", "--days", "3", "--per-day", "12", "--seed", str(seed),
                                                    "--start", "2026-11-09"])
        assert result.exit_code == 0, result.output
        return app, result.output
    return run


def test_simulate__fills_the_city_through_the_workflow_and_jobs(simulated):
    app, output = simulated("a", seed=7)
    assert "共受理 36 件" in output
    with session_factory(app)() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 36
        actions = set(session.scalars(select(TicketEvent.action)))
        assert {"receive", "dispatch", "accept", "respond", "reply"} <= actions
        assert session.scalar(select(func.count()).select_from(FollowUp)) > 0
        # Jobs ran on the moving clock: warnings or overdue flags were written by deadline jobs.
        assert session.scalar(select(func.count()).select_from(Notification)) > 0
        assert session.scalar(select(func.count()).select_from(UnitScore).where(UnitScore.period == "2026-11")) > 0
    stats = app.test_cli_runner().invoke(args=["stats", "--period", "2026-11"])
    assert stats.exit_code == 0 and "街道" in stats.output


def test_simulate__same_seed_same_city(simulated):
    first, _ = simulated("first", seed=11)
    second, _ = simulated("second", seed=11)
    assert fingerprint(first) == fingerprint(second)
    other, _ = simulated("other", seed=12)
    assert fingerprint(other) != fingerprint(first)


@pytest.mark.slow
def test_simulate__on_a_fresh_instance_prepares_it_first(tmp_path, redis_url, redis_client):
    """Nothing run before: the command migrates, loads the demo city and trains the bootstrap model, as
    `up` does, so the complaints are routed by a model instead of all going to triage."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update(HOTLINE_INSTANCE_PATH=str(tmp_path / "instance"), HOTLINE_REDIS_URL=redis_url)
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "simulate", "--days", "2", "--per-day", "20"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "导入演示城市" in result.stdout and "分类模型版本：v0001" in result.stdout
    assert "共受理 40 件" in result.stdout
    assert "intake→dispatched" in result.stdout  # the model routed some without a person
