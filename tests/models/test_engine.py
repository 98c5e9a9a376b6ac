"""Engine settings that concern cost, not behaviour."""

from __future__ import annotations

import psycopg._queries as queries

from models import Ticket
from models.db import make_engine


def test_make_engine__psycopg_caches_the_parse_of_a_ticket_insert():
    # psycopg re-parses on every execution a statement with more parameters than its cache admits.
    engine = make_engine("postgresql+psycopg://nobody@localhost:1/none")  # nothing connects
    try:
        assert len(Ticket.__table__.columns) <= queries.MAX_CACHED_STATEMENT_PARAMS
    finally:
        engine.dispose()
