"""The injectable clock and UTC timestamps that read back the same on every database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from models import Unit, clock
from models.clock import FrozenClock


def test_frozen_clock__moves_only_when_told():
    start = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
    frozen = FrozenClock(start)
    previous = clock.set_clock(frozen)
    try:
        assert clock.now() == start
        frozen.advance(timedelta(hours=2))
        assert clock.now() == start + timedelta(hours=2)
    finally:
        clock.set_clock(previous)


def test_frozen_clock__refuses_naive_time():
    with pytest.raises(ValueError):
        FrozenClock(datetime(2026, 1, 1))


def test_utc_datetime__round_trips_aware(session):
    from models import ApiKey

    beijing = timezone(timedelta(hours=8))
    when = datetime(2026, 11, 21, 9, 30, tzinfo=beijing)
    with session.begin():
        session.add(ApiKey(name="t", channel="web", prefix="abcd0001", key_hash="0" * 64, created_at=when))
    session.expire_all()
    stored = session.scalar(select(ApiKey.created_at).where(ApiKey.prefix == "abcd0001"))
    assert stored == when and stored.tzinfo is not None


def test_utc_datetime__refuses_naive(session):
    from models import ApiKey

    session.add(ApiKey(name="t", channel="web", prefix="abcd0002", key_hash="1" * 64, created_at=datetime(2026, 1, 1)))
    with pytest.raises(Exception, match="naive"):
        session.flush()
    session.rollback()


def test_models_do_not_import_flask():
    import subprocess
    import sys

    code = "import sys, models, routing, classifier; sys.exit('flask' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_unit_query_works(session):
    assert session.scalar(select(Unit).limit(1)) is not None
