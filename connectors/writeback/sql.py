"""SQL write-back: the four write-back columns, by primary key, in batches.

Two places to write:

* **the CRM table itself** (``side_table=None``): an ``UPDATE`` per row, sent as one
  ``executemany`` per batch. The columns must already exist: refsync does not alter a CRM's
  schema behind its owner's back; the error says which are missing and offers the side table.
* **a side table** (``side_table="crm_lead_refsync"``): created if missing, keyed by the CRM
  table's primary key (same column types), upserted per batch. Use it when the CRM schema must
  stay untouched, or when the CRM bumps a modification timestamp on every UPDATE (a write-back
  in the table would then re-trigger the next incremental run).

A result without a remote id (an invalid or rejected row) never erases the id a previous run
wrote: the id is updated with ``COALESCE(new, old)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite

from connectors.sources.sql import create_engine, parse_url, safe_url, split_table_name
from connectors.writeback.columns import (
    SQL_COLUMNS,
    WriteBackColumns,
    error_text,
    synced_at,
    utc_now,
)
from refsync.errors import ConfigurationError, InputError, TransientError
from refsync.records import RowResult
from refsync.secrets import redact

_PREFIX = "wb_"


class SqlWriteBack:
    """Writes results back to a table by primary key (see module docstring)."""

    def __init__(
        self,
        location: str,
        table: str,
        primary_key: Sequence[str],
        *,
        columns: WriteBackColumns = SQL_COLUMNS,
        side_table: str | None = None,
        batch_size: int = 1000,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        if batch_size < 1:
            raise ConfigurationError("write-back batch_size must be at least 1")
        url = parse_url(location)
        self._password = url.password or ""
        self.engine = create_engine(url)
        self.columns = columns
        self.primary_key = tuple(primary_key)
        self.batch_size = batch_size
        self.clock = clock
        self.where = safe_url(url)
        self.batches = 0
        self.rows_written = 0
        self._pending: list[RowResult] = []
        try:
            with self._connect() as conn, conn.begin():
                crm = self._reflect(conn, table)
                missing = [k for k in self.primary_key if k not in crm.c]
                if missing:
                    raise InputError(f"table {table!r} has no column(s) {', '.join(missing)}")
                if side_table is None:
                    self._statement = self._update_statement(crm, table)
                else:
                    self._statement = self._upsert_statement(conn, crm, side_table)
        except BaseException:
            self.engine.dispose()
            raise
        self.table = side_table or table

    def _connect(self) -> sa.Connection:
        try:
            return self.engine.connect()
        except sa.exc.DBAPIError as exc:
            raise TransientError(f"cannot reach the database at {self.where}: "
                                 f"{self._clean(exc)}") from exc

    def _clean(self, exc: sa.exc.DBAPIError) -> str:
        text = str(exc.orig or exc).splitlines()[0]
        return redact(text, [self._password])

    def _reflect(self, conn: sa.Connection, name: str) -> sa.Table:
        schema, bare = split_table_name(name)
        try:
            return sa.Table(bare, sa.MetaData(), schema=schema, autoload_with=conn)
        except sa.exc.NoSuchTableError as exc:
            raise InputError(f"write-back table {name!r} does not exist at {self.where}") from exc

    def _update_statement(self, crm: sa.Table, name: str) -> sa.Executable:
        names = self.columns.names()
        missing = [c for c in names if c not in crm.c]
        if missing:
            raise ConfigurationError(
                f"table {name!r} has no write-back column(s) {', '.join(missing)}; add them "
                "(referral id and status as text, sync time as a timestamp, error as text) or "
                "write to a side table instead (write_back.side_table in the mapping)"
            )
        rid, status, when, error = (crm.c[c] for c in names)
        stmt = sa.update(crm).values(
            {
                rid: sa.func.coalesce(sa.bindparam(_PREFIX + "rid", type_=rid.type), rid),
                status: sa.bindparam(_PREFIX + "status", type_=status.type),
                when: sa.bindparam(_PREFIX + "when", type_=when.type),
                error: sa.bindparam(_PREFIX + "error", type_=error.type),
            }
        )
        for key in self.primary_key:
            stmt = stmt.where(crm.c[key] == sa.bindparam(_PREFIX + "pk_" + key))
        return stmt

    def _upsert_statement(
        self, conn: sa.Connection, crm: sa.Table, name: str
    ) -> sa.Executable:
        schema, bare = split_table_name(name)
        rid, status, when, error = self.columns.names()
        side = sa.Table(
            bare,
            sa.MetaData(),
            *(sa.Column(k, crm.c[k].type, primary_key=True, autoincrement=False)
              for k in self.primary_key),
            sa.Column(rid, sa.String(64)),
            sa.Column(status, sa.String(32)),
            sa.Column(when, sa.DateTime(timezone=True)),
            sa.Column(error, sa.Text),
            schema=schema,
        )
        side.create(conn, checkfirst=True)
        side = self._reflect(conn, name)
        missing = [c for c in (*self.primary_key, rid, status, when, error) if c not in side.c]
        if missing:
            raise ConfigurationError(
                f"side table {name!r} exists but lacks column(s) {', '.join(missing)}"
            )
        values = {
            **{k: sa.bindparam(_PREFIX + "pk_" + k) for k in self.primary_key},
            rid: sa.bindparam(_PREFIX + "rid"),
            status: sa.bindparam(_PREFIX + "status"),
            when: sa.bindparam(_PREFIX + "when", type_=side.c[when].type),
            error: sa.bindparam(_PREFIX + "error"),
        }
        dialect = conn.dialect.name
        if dialect in ("postgresql", "sqlite"):
            module: Any = postgresql if dialect == "postgresql" else sqlite
            ins = module.insert(side).values(values)
            conflict: sa.Executable = ins.on_conflict_do_update(
                index_elements=[side.c[k] for k in self.primary_key],
                set_={
                    rid: sa.func.coalesce(ins.excluded[rid], side.c[rid]),
                    status: ins.excluded[status],
                    when: ins.excluded[when],
                    error: ins.excluded[error],
                },
            )
            return conflict
        if dialect in ("mysql", "mariadb"):
            my = mysql.insert(side).values(values)
            upsert: sa.Executable = my.on_duplicate_key_update(
                {
                    rid: sa.func.coalesce(my.inserted[rid], side.c[rid]),
                    status: my.inserted[status],
                    when: my.inserted[when],
                    error: my.inserted[error],
                }
            )
            return upsert
        raise ConfigurationError(
            f"a write-back side table is not supported on {dialect}; "
            "use postgresql, mysql/mariadb or sqlite"
        )

    def write(self, results: Sequence[RowResult]) -> None:
        """Queue results; every full batch goes out as one executemany."""
        for result in results:
            if result.source_id:
                self._pending.append(result)
            if len(self._pending) >= self.batch_size:
                self._flush()

    def _params(self, result: RowResult, now: datetime) -> dict[str, Any]:
        if len(result.source_id) != len(self.primary_key):
            raise ConfigurationError(
                f"row {result.row_number}: source_id {len(result.source_id)} value(s) for "
                f"primary key ({', '.join(self.primary_key)})"
            )
        params = {_PREFIX + "pk_" + k: v for k, v in zip(self.primary_key, result.source_id,
                                                          strict=True)}
        params[_PREFIX + "rid"] = result.remote_id
        params[_PREFIX + "status"] = result.outcome.value
        params[_PREFIX + "when"] = self._stored_time(synced_at(result, now))
        params[_PREFIX + "error"] = error_text(result)
        return params

    def _stored_time(self, moment: datetime) -> datetime:
        if self.engine.dialect.name in ("mysql", "mariadb", "sqlite"):
            return moment.replace(tzinfo=None)  # UTC; sessions run in UTC (see sources.sql)
        return moment

    def _flush(self) -> None:
        if not self._pending:
            return
        latest: dict[tuple[Any, ...], RowResult] = {}
        for result in self._pending:
            latest[result.source_id] = result
        now = self.clock()
        params = [self._params(r, now) for r in latest.values()]
        try:
            with self._connect() as conn, conn.begin():
                conn.execute(self._statement, params)
        except sa.exc.DBAPIError as exc:
            raise TransientError(f"write-back to {self.table} failed: {self._clean(exc)}") \
                from exc
        self._pending.clear()
        self.batches += 1
        self.rows_written += len(params)

    def close(self) -> None:
        """Send what is queued, then release the connections."""
        try:
            self._flush()
        finally:
            self.engine.dispose()

    def __enter__(self) -> SqlWriteBack:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
