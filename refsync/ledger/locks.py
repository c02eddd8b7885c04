"""Key locks that keep two workers off the same ``(target, key)`` at the same time.

Locks are held by the database server on a connection of their own, so a worker that dies (even by
SIGKILL) releases them when its connection drops; nothing has to expire.

- PostgreSQL: session advisory locks on a 63-bit hash of the key, taken for a whole chunk in one
  round trip.
- MariaDB/MySQL: named locks (``GET_LOCK``), several per session.
- SQLite: a file lock beside the database allows one worker per ledger; several workers need a
  server database, and the second one is refused with a clear message.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Protocol

import sqlalchemy as sa

from refsync.errors import ConfigurationError


def lock_id(name: str) -> int:
    """A stable signed 64-bit id for ``name`` (PostgreSQL advisory locks take a bigint)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def lock_name(name: str) -> str:
    """A stable name of at most 64 characters (MariaDB's limit for GET_LOCK)."""
    return "refsync:" + hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()


class KeyLocks(Protocol):
    def try_acquire(self, names: Sequence[str]) -> set[str]:
        """Lock as many of ``names`` as are free, at once; return those now held."""
        ...

    def acquire(self, names: Sequence[str], timeout_s: float) -> set[str]:
        """Lock ``names``, waiting up to ``timeout_s`` for each; return those now held."""
        ...

    def release(self, names: Iterable[str]) -> None: ...

    def close(self) -> None: ...


class PostgresKeyLocks:
    def __init__(self, engine: sa.Engine) -> None:
        self._conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    def try_acquire(self, names: Sequence[str]) -> set[str]:
        if not names:
            return set()
        ids = {lock_id(n): n for n in names}
        rows = self._conn.execute(
            sa.text("SELECT k, pg_try_advisory_lock(k) FROM unnest(CAST(:ids AS bigint[])) AS k"),
            {"ids": list(ids)},
        )
        return {ids[k] for k, ok in rows if ok}

    def acquire(self, names: Sequence[str], timeout_s: float) -> set[str]:
        held: set[str] = set()
        self._conn.execute(sa.text(f"SET lock_timeout = '{int(timeout_s * 1000)}ms'"))
        try:
            for name in sorted(names):  # one order everywhere: no deadlock between workers
                try:
                    self._conn.execute(
                        sa.text("SELECT pg_advisory_lock(:k)"), {"k": lock_id(name)}
                    )
                except sa.exc.OperationalError:
                    continue
                held.add(name)
        finally:
            self._conn.execute(sa.text("SET lock_timeout = 0"))
        return held

    def release(self, names: Iterable[str]) -> None:
        ids = [lock_id(n) for n in names]
        if ids:
            self._conn.execute(
                sa.text("SELECT pg_advisory_unlock(k) FROM unnest(CAST(:ids AS bigint[])) AS k"),
                {"ids": ids},
            )

    def close(self) -> None:
        self._conn.execute(sa.text("SELECT pg_advisory_unlock_all()"))
        self._conn.invalidate()  # never back into the pool with a session lock on it


class MariaDbKeyLocks:
    def __init__(self, engine: sa.Engine) -> None:
        self._conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    def _get_locks(self, names: Sequence[str], timeout_s: float) -> set[str]:
        if not names:
            return set()
        params = {f"n{i}": lock_name(n) for i, n in enumerate(names)}
        params["t"] = timeout_s  # type: ignore[assignment]
        exprs = ", ".join(f"GET_LOCK(:n{i}, :t)" for i in range(len(names)))
        row = self._conn.execute(sa.text(f"SELECT {exprs}"), params).one()
        return {name for name, ok in zip(names, row, strict=True) if ok == 1}

    def try_acquire(self, names: Sequence[str]) -> set[str]:
        return self._get_locks(names, 0)

    def acquire(self, names: Sequence[str], timeout_s: float) -> set[str]:
        held: set[str] = set()
        for name in sorted(names):
            held |= self._get_locks([name], timeout_s)
        return held

    def release(self, names: Iterable[str]) -> None:
        for name in names:
            self._conn.execute(sa.text("SELECT RELEASE_LOCK(:n)"), {"n": lock_name(name)})

    def close(self) -> None:
        self._conn.execute(sa.text("SELECT RELEASE_ALL_LOCKS()"))
        self._conn.invalidate()  # never back into the pool with a named lock on it


class SqliteKeyLocks:
    """One worker per SQLite ledger, enforced by an exclusive lock on a file beside it."""

    def __init__(self, database: str | None) -> None:
        self._handle: IO[str] | None = None
        if not database or database == ":memory:":
            return
        path = Path(database + ".lock")
        handle = path.open("a")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise ConfigurationError(
                f"the SQLite ledger {database} is in use by another refsync worker "
                f"(pid file lock {path}); use a PostgreSQL ledger_url for several workers"
            ) from None
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle = handle

    def try_acquire(self, names: Sequence[str]) -> set[str]:
        return set(names)

    def acquire(self, names: Sequence[str], timeout_s: float) -> set[str]:
        return set(names)

    def release(self, names: Iterable[str]) -> None:
        return None

    def close(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


def key_locks_for(engine: sa.Engine) -> KeyLocks:
    """The key-lock implementation for the ledger's database."""
    dialect = engine.dialect.name
    if dialect == "postgresql":
        return PostgresKeyLocks(engine)
    if dialect in ("mysql", "mariadb"):
        return MariaDbKeyLocks(engine)
    if dialect == "sqlite":
        return SqliteKeyLocks(engine.url.database)
    raise ConfigurationError(
        f"ledger database {dialect!r} is not supported; use sqlite, postgresql or mariadb"
    )
