"""Tables of the ledger: what refsync knows it sent, per target and key; runs; watermarks.

The ledger is the memory that makes every run idempotent (see DESIGN.md, "The idempotency
protocol"). Timestamps are stored as UTC and read back timezone-aware whatever the database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that goes in and comes out as timezone-aware UTC on every dialect."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the ledger; use UTC-aware datetimes")
        value = value.astimezone(UTC)
        # SQLite and MariaDB have no time zone type: store naive UTC there.
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class EntryRow(Base):
    """One remote object per ``(target, key)``: the heart of the idempotency protocol."""

    __tablename__ = "refsync_entries"

    target: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=1)
    remote_id: Mapped[str | None] = mapped_column(String(128))
    etag: Mapped[str | None] = mapped_column(String(255))
    remote_status: Mapped[str | None] = mapped_column(String(64))
    payload_hash: Mapped[str | None] = mapped_column(String(64))
    synced_hash: Mapped[str | None] = mapped_column(String(64))
    # The payload the remote object holds as far as refsync knows; while ``pending``, the payload
    # of the create in flight. Updates are diffed against it.
    remote_payload: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    intent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    run_id: Mapped[str] = mapped_column(String(64))
    mapping_name: Mapped[str] = mapped_column(String(128))
    mapping_checksum: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[str | None] = mapped_column(Text)
    row_number: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RunRow(Base):
    """One run: what it read, with which mapping, and how it ended."""

    __tablename__ = "refsync_runs"

    run_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    mapping_name: Mapped[str] = mapped_column(String(128), index=True)
    target: Mapped[str] = mapped_column(String(64))
    mapping_checksum: Mapped[str] = mapped_column(String(64))
    source_description: Mapped[str] = mapped_column(Text)
    source_fingerprint: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    counts: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class EventRow(Base):
    """A non-trivial outcome of one key in one run, for ``refsync report show --key``."""

    __tablename__ = "refsync_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255), index=True)
    row_number: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))
    remote_id: Mapped[str | None] = mapped_column(String(128))
    error: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class WatermarkRow(Base):
    """The high-water mark of a mapping's incremental source, advanced only when safe."""

    __tablename__ = "refsync_watermarks"

    mapping_name: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    run_id: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SchemaVersionRow(Base):
    __tablename__ = "refsync_schema_version"

    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime())
