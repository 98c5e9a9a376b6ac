"""Scratch PostgreSQL databases for the test suite and the benchmarks.

Each run gets a database of its own on a shared server, so parallel runs never see each other's rows,
and the database is dropped afterwards (FORCE ends connections a failed test left open).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def scratch_postgres(server_url: str, prefix: str = "hotline_scratch", keep: bool = False) -> Iterator[str]:
    """The URL of a new, empty database on the server at `server_url`; dropped on exit unless `keep`."""
    url = make_url(server_url)
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        if keep:
            print(f"kept database {name}")
        else:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
