"""What a backfill has done so far, kept in the ledger's database so that every worker sees it.

A backfill is identified by its inputs (mapping, source, window, partition count): running the
same backfill again finds its partitions and continues each from its checkpoint. Two small tables
sit beside the ledger's own:

- ``refsync_backfill_partitions``: one row per partition: its window, its state (``pending``,
  ``running``, ``paused`` at the budget, ``done``), the rows and API requests it has spent;
- ``refsync_backfill_budget``: the API requests spent per backfill and UTC day, reserved a chunk
  at a time with a conditional ``UPDATE`` so that partitions running on different workers never
  overspend together.

A partition's checkpoint (the watermark up to which every row is settled) is a ledger watermark
named by :func:`checkpoint_name`, so it is stored and typed like the nightly one.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

import sqlalchemy as sa

_metadata = sa.MetaData()

partitions_table = sa.Table(
    "refsync_backfill_partitions", _metadata,
    sa.Column("backfill_id", sa.String(32), primary_key=True),
    sa.Column("partition", sa.Integer, primary_key=True),
    sa.Column("mapping_name", sa.String(128), nullable=False),
    sa.Column("since", sa.String(64), nullable=False),
    sa.Column("until", sa.String(64), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("rows", sa.Integer, nullable=False, default=0),
    sa.Column("requests", sa.Integer, nullable=False, default=0),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

budget_table = sa.Table(
    "refsync_backfill_budget", _metadata,
    sa.Column("backfill_id", sa.String(32), primary_key=True),
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("used", sa.Integer, nullable=False),
)


class PartitionState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    PAUSED = "paused"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class Partition:
    """One sub-window of a backfill and what it has done."""

    backfill_id: str
    partition: int
    mapping_name: str
    since: datetime
    until: datetime
    state: PartitionState
    rows: int
    requests: int
    updated_at: datetime


def backfill_id(mapping_name: str, source: str, since: datetime, until: datetime,
                partitions: int) -> str:
    """The identity of a backfill: the same inputs name the same backfill (and resume it).

    ``source`` is the parameter as given (``env:VAR`` for URLs with secrets), never a resolved
    URL, so the id carries no password.
    """
    text = f"{mapping_name}\n{source}\n{since.isoformat()}\n{until.isoformat()}\n{partitions}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def checkpoint_name(backfill: str, partition: int) -> str:
    """The ledger watermark that holds one partition's checkpoint."""
    return f"backfill/{backfill}/p{partition}"


def split_window(since: datetime, until: datetime, partitions: int) -> list[tuple[datetime,
                                                                                  datetime]]:
    """``partitions`` adjacent sub-windows ``(start, end]`` that cover ``(since, until]``."""
    step = (until - since) / partitions
    bounds = [since + step * i for i in range(partitions)] + [until]
    return list(itertools.pairwise(bounds))


class BackfillState:
    """The backfill tables of one ledger database."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        try:
            _metadata.create_all(engine)
        except (sa.exc.IntegrityError, sa.exc.ProgrammingError):
            # Another worker created them at the same moment; what matters is that they exist.
            _metadata.create_all(engine)

    def register(self, backfill: str, mapping_name: str,
                 windows: Sequence[tuple[datetime, datetime]]) -> list[Partition]:
        """Record the partitions of a backfill the first time it runs; return them all."""
        known = {p.partition for p in self.partitions(backfill)}
        now = datetime.now(UTC)
        fresh = [
            {"backfill_id": backfill, "partition": i, "mapping_name": mapping_name,
             "since": start.isoformat(), "until": end.isoformat(),
             "state": PartitionState.PENDING.value, "rows": 0, "requests": 0, "updated_at": now}
            for i, (start, end) in enumerate(windows) if i not in known
        ]
        if fresh:
            try:
                with self.engine.begin() as conn:
                    conn.execute(sa.insert(partitions_table), fresh)
            except sa.exc.IntegrityError:
                pass  # registered concurrently by the same backfill started twice
        return self.partitions(backfill)

    def partitions(self, backfill: str | None = None) -> list[Partition]:
        """The partitions of one backfill (or of every backfill), in order."""
        query = sa.select(partitions_table).order_by(partitions_table.c.backfill_id,
                                                     partitions_table.c.partition)
        if backfill is not None:
            query = query.where(partitions_table.c.backfill_id == backfill)
        with self.engine.connect() as conn:
            return [
                Partition(backfill_id=row.backfill_id, partition=row.partition,
                          mapping_name=row.mapping_name,
                          since=datetime.fromisoformat(row.since),
                          until=datetime.fromisoformat(row.until),
                          state=PartitionState(row.state), rows=row.rows,
                          requests=row.requests, updated_at=row.updated_at)
                for row in conn.execute(query)
            ]

    def partition(self, backfill: str, partition: int) -> Partition:
        found = [p for p in self.partitions(backfill) if p.partition == partition]
        if not found:
            raise LookupError(f"backfill {backfill} has no partition {partition}")
        return found[0]

    def update(self, backfill: str, partition: int, *, state: PartitionState,
               rows: int = 0, requests: int = 0) -> None:
        """Set a partition's state and add the rows and requests it spent since last time."""
        c = partitions_table.c
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(partitions_table)
                .where(c.backfill_id == backfill, c.partition == partition)
                .values(state=state.value, rows=c.rows + rows, requests=c.requests + requests,
                        updated_at=datetime.now(UTC))
            )

    # -- the daily API budget --------------------------------------------------------------------

    def used_on(self, backfill: str, day: date) -> int:
        c = budget_table.c
        with self.engine.connect() as conn:
            used = conn.execute(sa.select(c.used).where(c.backfill_id == backfill,
                                                        c.day == day.isoformat())).scalar()
        return int(used or 0)

    def reserve(self, backfill: str, day: date, requests: int, *, budget: int) -> bool:
        """Reserve ``requests`` of ``day``'s budget; False, reserving nothing, if they don't fit."""
        self._ensure_day(backfill, day)
        c = budget_table.c
        with self.engine.begin() as conn:
            result = conn.execute(
                sa.update(budget_table)
                .where(c.backfill_id == backfill, c.day == day.isoformat(),
                       c.used + requests <= budget)
                .values(used=c.used + requests)
            )
        return result.rowcount == 1

    def adjust(self, backfill: str, day: date, delta: int) -> None:
        """Correct ``day``'s spend by ``delta`` (actual requests minus what was reserved)."""
        if delta == 0:
            return
        self._ensure_day(backfill, day)
        c = budget_table.c
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(budget_table)
                .where(c.backfill_id == backfill, c.day == day.isoformat())
                .values(used=sa.func.max(c.used + delta, 0)
                        if self.engine.dialect.name == "sqlite"
                        else sa.func.greatest(c.used + delta, 0))
            )

    def _ensure_day(self, backfill: str, day: date) -> None:
        try:
            with self.engine.begin() as conn:
                exists = conn.execute(
                    sa.select(budget_table.c.used).where(
                        budget_table.c.backfill_id == backfill,
                        budget_table.c.day == day.isoformat())
                ).first()
                if exists is None:
                    conn.execute(sa.insert(budget_table).values(
                        backfill_id=backfill, day=day.isoformat(), used=0))
        except sa.exc.IntegrityError:
            pass  # another partition opened the day first
