"""The ledger as a repository with a unit of work.

Reads return frozen snapshots (:class:`Entry`); every change happens inside :meth:`Ledger.unit`,
a transaction that commits when the block ends normally and rolls back otherwise. Writes are
batched per chunk: one transaction records the intents of a whole chunk before anything is sent,
another its results after.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, cast

import sqlalchemy as sa

from refsync.errors import ConfigurationError
from refsync.hashing import canonical_json
from refsync.ledger.locks import KeyLocks, key_locks_for
from refsync.ledger.migrations import migrate
from refsync.ledger.schema import EntryRow, EventRow, RunRow, WatermarkRow
from refsync.records import JsonObject, Outcome, RemoteObject, RowResult

_entries = cast(sa.Table, EntryRow.__table__)
_runs = cast(sa.Table, RunRow.__table__)
_events = cast(sa.Table, EventRow.__table__)
_watermarks = cast(sa.Table, WatermarkRow.__table__)

# Outcomes worth keeping in a key's history; "unchanged" and "filtered" would only repeat.
_EVENT_OUTCOMES = frozenset(Outcome) - {Outcome.UNCHANGED, Outcome.FILTERED}
_IN_CLAUSE_BATCH = 500
_COUNTERS = frozenset({"key", "attempts"})  # bound separately in :meth:`LedgerUnit.record`


class EntryState(StrEnum):
    PENDING = "pending"
    SYNCED = "synced"
    REJECTED = "rejected"
    CONFLICT = "conflict"


@dataclass(frozen=True, slots=True)
class Entry:
    """What the ledger knows about one ``(target, key)``."""

    target: str
    key: str
    state: EntryState
    version: int
    remote_id: str | None
    etag: str | None
    remote_status: str | None
    payload_hash: str | None
    synced_hash: str | None
    remote_payload: JsonObject | None
    attempts: int
    last_error: str | None
    intent_at: datetime | None
    run_id: str
    source_id: tuple[Any, ...]
    row_number: int | None


@dataclass(frozen=True, slots=True)
class RunStamp:
    """Who wrote a ledger row: the run, the mapping and its checksum."""

    run_id: str
    mapping_name: str
    mapping_checksum: str


def _entry(row: sa.Row[Any]) -> Entry:
    return Entry(
        target=row.target,
        key=row.key,
        state=EntryState(row.state),
        version=row.version,
        remote_id=row.remote_id,
        etag=row.etag,
        remote_status=row.remote_status,
        payload_hash=row.payload_hash,
        synced_hash=row.synced_hash,
        remote_payload=json.loads(row.remote_payload) if row.remote_payload else None,
        attempts=row.attempts,
        last_error=row.last_error,
        intent_at=row.intent_at,
        run_id=row.run_id,
        source_id=tuple(json.loads(row.source_id)) if row.source_id else (),
        row_number=row.row_number,
    )


def _now() -> datetime:
    return datetime.now(UTC)


class Ledger:
    """The ledger of one database (SQLite file by default, PostgreSQL for several workers)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        migrate(engine)

    @classmethod
    def open(cls, url: str) -> Ledger:
        """Open (creating and migrating as needed) the ledger at a SQLAlchemy URL."""
        try:
            parsed = sa.engine.make_url(url)
        except sa.exc.ArgumentError as exc:
            raise ConfigurationError(f"ledger_url is not a SQLAlchemy URL: {exc}") from None
        if parsed.drivername.startswith("sqlite") and parsed.database not in (None, ":memory:"):
            from pathlib import Path

            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        try:
            engine = sa.create_engine(parsed, pool_pre_ping=True)
            return cls(engine)
        except sa.exc.OperationalError as exc:
            where = parsed.render_as_string(hide_password=True)
            raise ConfigurationError(f"cannot open the ledger at {where}: {exc.orig}") from None

    def key_locks(self) -> KeyLocks:
        return key_locks_for(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    # -- reads ---------------------------------------------------------------------------------

    def entries(self, target: str, keys: Collection[str]) -> dict[str, Entry]:
        """The entries of ``keys`` that exist, by key."""
        found: dict[str, Entry] = {}
        ordered = list(keys)
        with self.engine.connect() as conn:
            for start in range(0, len(ordered), _IN_CLAUSE_BATCH):
                batch = ordered[start : start + _IN_CLAUSE_BATCH]
                rows = conn.execute(
                    sa.select(_entries).where(
                        _entries.c.target == target, _entries.c.key.in_(batch)
                    )
                )
                found.update((row.key, _entry(row)) for row in rows)
        return found

    def all_entries(self, target: str, *, mapping_name: str | None = None) -> Iterator[Entry]:
        """Every entry of ``target`` (optionally of one mapping), in key order."""
        query = sa.select(_entries).where(_entries.c.target == target)
        if mapping_name is not None:
            query = query.where(_entries.c.mapping_name == mapping_name)
        with self.engine.connect() as conn:
            for row in conn.execute(query.order_by(_entries.c.key)):
                yield _entry(row)

    def count_by_state(self, target: str) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(_entries.c.state, sa.func.count())
                .where(_entries.c.target == target)
                .group_by(_entries.c.state)
            )
            return {state: int(n) for state, n in rows}

    def watermark(self, mapping_name: str) -> Any:
        with self.engine.connect() as conn:
            value = conn.execute(
                sa.select(_watermarks.c.value).where(_watermarks.c.mapping_name == mapping_name)
            ).scalar()
        return None if value is None else _decode_watermark(json.loads(value))

    def runs(self, *, limit: int = 20, mapping_name: str | None = None) -> list[dict[str, Any]]:
        query = sa.select(_runs).order_by(_runs.c.started_at.desc()).limit(limit)
        if mapping_name is not None:
            query = query.where(_runs.c.mapping_name == mapping_name)
        with self.engine.connect() as conn:
            return [
                {**row._asdict(), "counts": json.loads(row.counts) if row.counts else {}}
                for row in conn.execute(query)
            ]

    def history(self, key: str, *, target: str | None = None) -> list[dict[str, Any]]:
        query = sa.select(_events).where(_events.c.key == key).order_by(_events.c.id)
        if target is not None:
            query = query.where(_events.c.target == target)
        with self.engine.connect() as conn:
            return [row._asdict() for row in conn.execute(query)]

    # -- writes --------------------------------------------------------------------------------

    @contextmanager
    def unit(self) -> Iterator[LedgerUnit]:
        """A transaction: committed when the block ends normally, rolled back otherwise."""
        with self.engine.begin() as conn:
            yield LedgerUnit(conn)


class LedgerUnit:
    """The writes of one transaction. Obtain it from :meth:`Ledger.unit`."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def mark_pending(self, target: str, intents: Sequence[Intent], *,
                     stamp: RunStamp, at: datetime) -> None:
        """Record the intent to create each of ``intents``, before anything is sent.

        Each intent carries the entry snapshot its plan was made from (None for a new key); an
        entry that moved on since means a broken key lock, and raises rather than risk a duplicate.
        """
        inserts: list[dict[str, Any]] = []
        for intent in intents:
            values = {
                "state": EntryState.PENDING.value,
                "payload_hash": intent.payload_hash,
                "remote_payload": canonical_json(intent.payload).decode(),
                "intent_at": at,
                "run_id": stamp.run_id,
                "mapping_name": stamp.mapping_name,
                "mapping_checksum": stamp.mapping_checksum,
                "row_number": intent.row_number,
                "source_id": _encode_source_id(intent.source_id),
                "updated_at": at,
            }
            entry = intent.entry
            if entry is None:
                inserts.append({"target": target, "key": intent.key, "version": 1,
                                "attempts": 0, "created_at": at, **values})
                continue
            result = self._conn.execute(
                sa.update(_entries)
                .where(_entries.c.target == target, _entries.c.key == intent.key,
                       _entries.c.version == entry.version)
                .values(version=entry.version + 1, **values)
            )
            if result.rowcount != 1:
                raise RuntimeError(f"ledger entry {target}/{intent.key} changed under its lock")
        if inserts:
            self._conn.execute(sa.insert(_entries), inserts)

    def record(
        self,
        target: str,
        results: Iterable[EntryUpdate],
        *,
        stamp: RunStamp,
        at: datetime,
    ) -> None:
        """Apply the outcomes of sent requests, in one transaction.

        Updates of the same shape go to the database together (one ``executemany`` each), so a
        chunk costs a few round trips, not one per row. An entry that does not exist yet (none
        should, every send has its intent recorded first) is inserted.
        """
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for update in results:
            values = self._values(update, stamp=stamp, at=at)
            groups.setdefault(tuple(sorted(values)), []).append(values)
        for columns, rows in groups.items():
            statement = (
                sa.update(_entries)
                .where(_entries.c.target == target, _entries.c.key == sa.bindparam("b_key"))
                .values({
                    **{c: sa.bindparam(f"b_{c}") for c in columns if c not in _COUNTERS},
                    "version": _entries.c.version + 1,
                    "attempts": _entries.c.attempts + sa.bindparam("b_attempts"),
                })
            )
            params = [{"b_key": key, **{f"b_{c}": v for c, v in row.items()}}
                      for row in rows for key in (row.pop("key"),)]
            result = self._conn.execute(statement, params)
            if result.rowcount == len(params):
                continue
            self._insert_missing(target, params, at=at)

    def _insert_missing(self, target: str, params: list[dict[str, Any]], *, at: datetime
                        ) -> None:
        keys = [p["b_key"] for p in params]
        present = {row.key for row in self._conn.execute(
            sa.select(_entries.c.key).where(_entries.c.target == target,
                                            _entries.c.key.in_(keys)))}
        missing = [
            {"target": target, "key": p["b_key"], "created_at": at, "version": 1,
             **{name[2:]: value for name, value in p.items() if name != "b_key"}}
            for p in params if p["b_key"] not in present
        ]
        if missing:
            self._conn.execute(sa.insert(_entries), missing)

    @staticmethod
    def _values(update: EntryUpdate, *, stamp: RunStamp, at: datetime) -> dict[str, Any]:
        values: dict[str, Any] = {
            "key": update.key,
            "state": update.state.value,
            "run_id": stamp.run_id,
            "mapping_name": stamp.mapping_name,
            "mapping_checksum": stamp.mapping_checksum,
            "updated_at": at,
            "attempts": update.attempts,
            "last_error": update.error,
        }
        if update.payload_hash is not None:
            values["payload_hash"] = update.payload_hash
        if update.remote is not None:
            values.update(remote_id=update.remote.id, etag=update.remote.etag,
                          remote_status=update.remote.status)
        if update.payload is not None:
            values["remote_payload"] = canonical_json(update.payload).decode()
        if update.state is EntryState.SYNCED:
            values.update(intent_at=None, last_error=None)
            if update.payload_hash is not None:
                values["synced_hash"] = update.payload_hash
        if update.row_number is not None:
            values["row_number"] = update.row_number
        if update.source_id:
            values["source_id"] = _encode_source_id(update.source_id)
        return values

    def add_events(self, target: str, run_id: str, results: Iterable[RowResult],
                   *, at: datetime) -> None:
        rows = [
            {"run_id": run_id, "target": target, "key": r.key, "row_number": r.row_number,
             "outcome": r.outcome.value, "remote_id": r.remote_id, "error": r.error, "at": at}
            for r in results if r.key and r.outcome in _EVENT_OUTCOMES
        ]
        if rows:
            self._conn.execute(sa.insert(_events), rows)

    def start_run(self, *, run_id: str, mapping_name: str, target: str, mapping_checksum: str,
                  source_description: str, source_fingerprint: str | None) -> None:
        self._conn.execute(sa.insert(_runs).values(
            run_id=run_id, mapping_name=mapping_name, target=target,
            mapping_checksum=mapping_checksum, source_description=source_description,
            source_fingerprint=source_fingerprint, status="running", started_at=_now(),
        ))

    def finish_run(self, run_id: str, *, status: str, counts: dict[str, int]) -> None:
        self._conn.execute(
            sa.update(_runs).where(_runs.c.run_id == run_id)
            .values(status=status, counts=json.dumps(counts, sort_keys=True), finished_at=_now())
        )

    def set_watermark(self, mapping_name: str, value: Any, *, run_id: str) -> None:
        encoded = json.dumps(_encode_watermark(value))
        updated = self._conn.execute(
            sa.update(_watermarks).where(_watermarks.c.mapping_name == mapping_name)
            .values(value=encoded, run_id=run_id, updated_at=_now())
        )
        if updated.rowcount == 0:
            self._conn.execute(sa.insert(_watermarks).values(
                mapping_name=mapping_name, value=encoded, run_id=run_id, updated_at=_now()
            ))


@dataclass(frozen=True, slots=True)
class Intent:
    """A create about to be sent: recorded as ``pending`` first (DESIGN.md, protocol step 2)."""

    key: str
    payload: JsonObject
    payload_hash: str
    row_number: int | None
    source_id: tuple[Any, ...]
    entry: Entry | None


@dataclass(frozen=True, slots=True)
class EntryUpdate:
    """The definite (or failed) result of one request, to be recorded against its key."""

    key: str
    state: EntryState
    payload_hash: str | None = None
    payload: JsonObject | None = None
    remote: RemoteObject | None = None
    error: str | None = None
    attempts: int = 1
    row_number: int | None = None
    source_id: tuple[Any, ...] = ()


def _encode_watermark(value: Any) -> dict[str, Any]:
    """Tag the watermark's type so that it comes back as the same type (a datetime stays one)."""
    if isinstance(value, datetime):
        return {"type": "datetime", "value": value.isoformat()}
    if isinstance(value, date):
        return {"type": "date", "value": value.isoformat()}
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, bool | int | float | str):
        return {"type": type(value).__name__, "value": value}
    return {"type": "str", "value": str(value)}


def _decode_watermark(tagged: dict[str, Any]) -> Any:
    kind, value = tagged["type"], tagged["value"]
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    return value


def _encode_source_id(source_id: tuple[Any, ...]) -> str | None:
    return json.dumps(list(source_id), default=_json_default) if source_id else None


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)
