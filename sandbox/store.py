"""Every object the sandbox holds, in memory for speed and in SQLite so a restart keeps it.

Objects are JSON documents grouped by kind (``referral``, ``legacy_referral``, ``invitation``,
``guest``, ``gt365_invitation``, ``refresh_token``). Writes go through to SQLite at once and are
committed before the response is built: the drop-after-commit fault depends on that, since the
caller must be able to find the object afterwards even though it never saw an answer.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

KINDS = ("referral", "legacy_referral", "invitation", "guest", "gt365_invitation")
PRIVATE_KINDS = ("refresh_token",)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
"""


class Store:
    """Objects by kind and id, in insertion order, persisted to ``path``."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        # A process crash (SIGKILL) loses nothing committed; only an OS crash could, which a
        # local test double need not survive. This keeps a create well under a millisecond.
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.executescript(_SCHEMA)
        self._objects: dict[str, dict[str, dict[str, Any]]] = {
            kind: {} for kind in (*KINDS, *PRIVATE_KINDS)
        }
        self._seq = 0
        for kind, oid, seq, body in self._db.execute(
            "SELECT kind, id, seq, body FROM objects ORDER BY seq"
        ):
            self._objects.setdefault(kind, {})[oid] = orjson.loads(body)
            self._seq = max(self._seq, seq)

    def put(self, kind: str, oid: str, body: dict[str, Any]) -> None:
        """Insert or replace one object and commit."""
        existing = oid in self._objects[kind]
        if existing:
            self._db.execute(
                "UPDATE objects SET body = ? WHERE kind = ? AND id = ?",
                (orjson.dumps(body), kind, oid),
            )
        else:
            self._seq += 1
            self._db.execute(
                "INSERT INTO objects (kind, id, seq, body) VALUES (?, ?, ?, ?)",
                (kind, oid, self._seq, orjson.dumps(body)),
            )
        self._objects[kind][oid] = body

    def get(self, kind: str, oid: str) -> dict[str, Any] | None:
        """The object, or ``None``. Callers must not mutate it without :meth:`put`."""
        return self._objects[kind].get(oid)

    def all(self, kind: str) -> Iterator[dict[str, Any]]:
        """Objects of ``kind`` in creation order."""
        return iter(list(self._objects[kind].values()))

    def count(self, kind: str) -> int:
        return len(self._objects[kind])

    def clear(self) -> None:
        """Forget every service object (the admin reset). Sign-ins (refresh tokens) are kept:
        resetting the deals does not sign anyone out, so cached MSAL accounts keep working."""
        self._db.executemany("DELETE FROM objects WHERE kind = ?", [(k,) for k in KINDS])
        for kind in KINDS:
            self._objects[kind].clear()

    def close(self) -> None:
        self._db.close()
