"""The web page's own state: uploads, their sends and their per-row results (SQLite).

It lives apart from the ledger on purpose: the ledger says what each *invitee* has received (and
so what must not be sent twice); this store says what each *upload* asked for, who made it, how far
its send got and what each of its rows came to, so that a reload, another browser or a restart
of the server shows the same page. Every method opens its own short connection, so that the
request handlers and the background sends (other threads) never share one.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS uploads (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    filename TEXT NOT NULL,
    stored_name TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    kind TEXT,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL,
    resend INTEGER NOT NULL DEFAULT 0,
    run_id TEXT,
    total INTEGER NOT NULL DEFAULT 0,
    done INTEGER NOT NULL DEFAULT 0,
    counts TEXT NOT NULL DEFAULT '{}',
    result_file TEXT,
    message TEXT,
    started_at TEXT,
    finished_at TEXT
);
CREATE INDEX IF NOT EXISTS uploads_owner ON uploads (owner, created_at);
CREATE TABLE IF NOT EXISTS results (
    upload_id TEXT NOT NULL REFERENCES uploads (id),
    row_number INTEGER NOT NULL,
    key TEXT,
    outcome TEXT NOT NULL,
    remote_id TEXT,
    invitation_id TEXT,
    redeem_url TEXT,
    error TEXT,
    PRIMARY KEY (upload_id, row_number)
);
"""


class UploadState(StrEnum):
    """Where an upload is: previewed only, being sent, or finished one way or another."""

    UPLOADED = "uploaded"
    SENDING = "sending"
    DONE = "done"
    FAILED = "failed"
    INTERRUPTED = "interrupted"

    @property
    def finished(self) -> bool:
        return self in (UploadState.DONE, UploadState.FAILED, UploadState.INTERRUPTED)


@dataclass(frozen=True, slots=True)
class Upload:
    id: str
    owner: str
    filename: str
    stored_name: str
    size: int
    sha256: str
    kind: str | None
    created_at: datetime
    state: UploadState
    resend: bool
    run_id: str | None
    total: int
    done: int
    counts: dict[str, int]
    result_file: str | None
    message: str | None
    started_at: datetime | None
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class RowOutcome:
    """One row's outcome in a send, with what the invitee needs (invitation id, redeem URL)."""

    row_number: int
    key: str | None
    outcome: str
    remote_id: str | None = None
    invitation_id: str | None = None
    redeem_url: str | None = None
    error: str | None = None


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _upload(row: sqlite3.Row) -> Upload:
    created = _time(row["created_at"])
    assert created is not None
    return Upload(
        id=row["id"], owner=row["owner"], filename=row["filename"],
        stored_name=row["stored_name"], size=row["size"], sha256=row["sha256"], kind=row["kind"],
        created_at=created, state=UploadState(row["state"]), resend=bool(row["resend"]),
        run_id=row["run_id"], total=row["total"], done=row["done"],
        counts=json.loads(row["counts"]), result_file=row["result_file"],
        message=row["message"], started_at=_time(row["started_at"]),
        finished_at=_time(row["finished_at"]),
    )


def now() -> datetime:
    return datetime.now(UTC)


class WebStore:
    """Uploads and results in one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=30)
        conn.row_factory = sqlite3.Row
        try:
            with conn:
                yield conn
        finally:
            conn.close()

    # -- uploads -------------------------------------------------------------------------------

    def add_upload(self, *, upload_id: str, owner: str, filename: str, stored_name: str,
                   size: int, sha256: str, kind: str | None, total: int) -> Upload:
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO uploads (id, owner, filename, stored_name, size, sha256, kind, "
                "created_at, state, total) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (upload_id, owner, filename, stored_name, size, sha256, kind, now().isoformat(),
                 UploadState.UPLOADED.value, total),
            )
        return self.get(upload_id)

    def get(self, upload_id: str) -> Upload:
        """The upload with this id; KeyError when there is none."""
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM uploads WHERE id = ?", (upload_id,)).fetchone()
        if row is None:
            raise KeyError(upload_id)
        return _upload(row)

    def uploads(self, *, owner: str | None = None, limit: int = 200) -> list[Upload]:
        """The newest uploads first: one owner's, or everyone's when ``owner`` is None."""
        query = "SELECT * FROM uploads"
        args: tuple[Any, ...] = ()
        if owner is not None:
            query += " WHERE owner = ?"
            args = (owner,)
        query += " ORDER BY created_at DESC LIMIT ?"
        with self._connect() as conn:
            rows = conn.execute(query, (*args, limit)).fetchall()
        return [_upload(r) for r in rows]

    def set_kind(self, upload_id: str, kind: str, total: int) -> None:
        with self._connect() as conn:
            conn.execute("UPDATE uploads SET kind = ?, total = ? WHERE id = ? AND state = ?",
                         (kind, total, upload_id, UploadState.UPLOADED.value))

    def claim_send(self, upload_id: str, *, resend: bool, total: int) -> bool:
        """Move a previewed upload to ``sending``; False when it was already sent or sending.

        The check and the change are one statement, so two clicks (or two browsers) start one send.
        """
        with self._connect() as conn:
            cursor = conn.execute(
                "UPDATE uploads SET state = ?, resend = ?, total = ?, done = 0, started_at = ? "
                "WHERE id = ? AND state = ?",
                (UploadState.SENDING.value, int(resend), total, now().isoformat(), upload_id,
                 UploadState.UPLOADED.value),
            )
            return cursor.rowcount == 1

    def started(self, upload_id: str, run_id: str) -> None:
        with self._connect() as conn:
            conn.execute("UPDATE uploads SET run_id = ? WHERE id = ?", (run_id, upload_id))

    def add_results(self, upload_id: str, outcomes: Sequence[RowOutcome]) -> int:
        """Record rows' outcomes and return how many rows are done so far."""
        with self._connect() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO results (upload_id, row_number, key, outcome, remote_id, "
                "invitation_id, redeem_url, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(upload_id, o.row_number, o.key, o.outcome, o.remote_id, o.invitation_id,
                  o.redeem_url, o.error) for o in outcomes],
            )
            (done,) = conn.execute("SELECT COUNT(*) FROM results WHERE upload_id = ?",
                                   (upload_id,)).fetchone()
            conn.execute("UPDATE uploads SET done = ? WHERE id = ?", (done, upload_id))
        return int(done)

    def finish(self, upload_id: str, *, state: UploadState, counts: dict[str, int],
               result_file: str | None, message: str | None) -> None:
        with self._connect() as conn:
            conn.execute(
                "UPDATE uploads SET state = ?, counts = ?, result_file = ?, message = ?, "
                "finished_at = ? WHERE id = ?",
                (state.value, json.dumps(counts, sort_keys=True), result_file, message,
                 now().isoformat(), upload_id),
            )

    def interrupt_unfinished(self) -> int:
        """Mark sends that a stopped server left ``sending`` as interrupted; returns how many.

        Nothing is lost: the ledger knows which invitees were sent, so uploading the sheet again
        sends only the rest.
        """
        with self._connect() as conn:
            cursor = conn.execute(
                "UPDATE uploads SET state = ?, message = ?, finished_at = ? WHERE state = ?",
                (UploadState.INTERRUPTED.value,
                 "the server stopped during the send; upload the sheet again to send the rest",
                 now().isoformat(), UploadState.SENDING.value),
            )
            return cursor.rowcount

    def results(self, upload_id: str) -> list[RowOutcome]:
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT * FROM results WHERE upload_id = ? ORDER BY row_number", (upload_id,)
            ).fetchall()
        return [RowOutcome(row_number=r["row_number"], key=r["key"], outcome=r["outcome"],
                           remote_id=r["remote_id"], invitation_id=r["invitation_id"],
                           redeem_url=r["redeem_url"], error=r["error"]) for r in rows]
