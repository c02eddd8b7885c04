"""Versioned schema migrations of the ledger, applied in order under a database-wide lock.

Each migration is a function of a connection. Version 1 creates the tables of
:mod:`refsync.ledger.schema`; later versions append to :data:`MIGRATIONS` and never edit an
earlier one, so that a ledger made by any release upgrades to the current schema in place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import cast

import sqlalchemy as sa

from refsync.ledger.locks import lock_id, lock_name
from refsync.ledger.schema import Base, SchemaVersionRow


def _v1_initial(conn: sa.Connection) -> None:
    Base.metadata.create_all(conn, checkfirst=True)


MIGRATIONS: tuple[Callable[[sa.Connection], None], ...] = (_v1_initial,)
SCHEMA_VERSION = len(MIGRATIONS)


@contextmanager
def _migration_lock(conn: sa.Connection) -> Iterator[None]:
    dialect = conn.dialect.name
    if dialect == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_id("migrate")})
        yield
    elif dialect in ("mysql", "mariadb"):
        conn.execute(sa.text("SELECT GET_LOCK(:n, 60)"), {"n": lock_name("migrate")})
        try:
            yield
        finally:
            conn.execute(sa.text("SELECT RELEASE_LOCK(:n)"), {"n": lock_name("migrate")})
    else:
        yield


def migrate(engine: sa.Engine) -> int:
    """Bring the ledger's schema to :data:`SCHEMA_VERSION`; return the version it was at."""
    with engine.begin() as conn, _migration_lock(conn):
        table = cast(sa.Table, SchemaVersionRow.__table__)
        table.create(conn, checkfirst=True)
        current = conn.execute(sa.select(sa.func.max(table.c.version))).scalar() or 0
        for version in range(current + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[version - 1](conn)
            conn.execute(
                sa.insert(table).values(version=version, applied_at=datetime.now(UTC))
            )
        return int(current)
