"""SQL write-back: results, by primary key, in batches, into the columns the caller names.

Two places to write:

* **the CRM table itself** (``side_table=None``): an ``UPDATE`` per row, sent as one
  ``executemany`` per batch. The columns must already exist: refsync does not alter a CRM's
  schema behind its owner's back; the error says which are missing and offers the side table.
* **a side table** (``side_table="crm_lead_refsync"``): created if missing, keyed by the
  source's primary key, upserted per batch. Use it when the CRM schema must stay untouched, or
  when the CRM bumps a modification timestamp on every UPDATE (a write-back in the table would
  then re-trigger the next incremental run). A query source (joins) can only write to one: its
  rows have no table of their own to update. The side table is refsync's own: a configured
  column it lacks (``deal_status``, added to a mapping later) is added.

A new side table's key columns take the types the source gives the key, so that they hold
exactly the values a row's ``source_id`` carries and join back without casts: the CRM table's
own columns, or the types of the query's result, as the database reports them (see
:func:`connectors.sources.sql.query_column_types`; a key computed in the query has no base
table to take them from). An existing side table is used as it is.

Every configured column must be there, whichever a write-back writes; ``writes`` says which
facts this one writes and how each is picked from a result (:data:`SYNC_WRITES` for a sync,
:data:`DEAL_STATUS_WRITES` for a reconciliation), and the columns it leaves out keep their values.

A result without a remote id (an invalid or rejected row) never erases the id a previous run
wrote, and one without a deal ending never erases an ending (a closed referral stays closed):
both are updated with ``COALESCE(new, old)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from types import MappingProxyType, TracebackType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite

from connectors.sources.sql import (
    create_engine,
    parse_url,
    query_column_types,
    query_columns,
    require_query_columns,
    safe_url,
    split_table_name,
)
from connectors.writeback.columns import (
    SQL_COLUMNS,
    SYNC_WRITES,
    Fact,
    Pick,
    WriteBackColumns,
    utc_now,
)
from refsync.errors import ConfigurationError, InputError, RefsyncError, TransientError
from refsync.records import RowResult
from refsync.secrets import redact

_PREFIX = "wb_"
# A fact's new value replaces the old one unless it is empty and the old one is worth keeping.
_KEPT_WHEN_EMPTY = frozenset({Fact.REFERRAL_ID, Fact.DEAL_STATUS})
_SIDE_TYPES: Mapping[Fact, Callable[[], sa.types.TypeEngine[Any]]] = MappingProxyType({
    Fact.REFERRAL_ID: lambda: sa.String(64),
    Fact.STATUS: lambda: sa.String(32),
    Fact.SYNCED_AT: lambda: sa.DateTime(timezone=True),
    Fact.ERROR: lambda: sa.Text(),
    Fact.DEAL_STATUS: lambda: sa.String(32),
})


class SqlWriteBack:
    """Writes results back to a table by primary key (see module docstring).

    Args:
        location, primary_key: the database and the source's key columns.
        table: the CRM table: updated in place without ``side_table``; with one, the table
            whose key columns a new side table copies.
        query: the source query, for a source without a table: its result gives a new side
            table's key columns (it needs ``side_table``).
        columns: the write-back columns' names.
        writes: the facts to write, each with how its value is picked from a result; every one
            needs a column in ``columns``.
        side_table: write to this table (created if missing) instead of the CRM table.
        batch_size: rows per executemany.

    Raises:
        ConfigurationError: a written fact has no column, the table lacks write-back columns,
            a query source has no side table or does not return its key columns, a side
            table cannot be created.
        InputError: the table does not exist or lacks a primary key column.
        TransientError: the database could not be reached.
    """

    def __init__(
        self,
        location: str,
        table: str | None,
        primary_key: Sequence[str],
        *,
        query: str | None = None,
        columns: WriteBackColumns = SQL_COLUMNS,
        writes: Mapping[Fact, Pick] = SYNC_WRITES,
        side_table: str | None = None,
        batch_size: int = 1000,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        if batch_size < 1:
            raise ConfigurationError("write-back batch_size must be at least 1")
        if not writes:
            raise ConfigurationError("a write-back must write at least one column")
        unnamed = [fact.value for fact in writes if columns.column(fact) is None]
        if unnamed:
            raise ConfigurationError(
                f"no write-back column is named for {', '.join(unnamed)} "
                f"(write_back.{unnamed[0]} in the mapping)")
        written_to = side_table or table
        if written_to is None:
            raise ConfigurationError(
                "a query source needs the table to write back to: name a side table in "
                "write_back.table (refsync creates it, keyed by the query's primary key)")
        if table is None and query is None:
            raise ConfigurationError("a write-back to a side table needs the source's table "
                                     "or query, for the types of its key")
        url = parse_url(location)
        self._password = url.password or ""
        self.engine = create_engine(url)
        self.columns = columns
        self.writes = MappingProxyType(dict(writes))
        self.primary_key = tuple(primary_key)
        self.batch_size = batch_size
        self.clock = clock
        self.where = safe_url(url)
        self.batches = 0
        self.rows_written = 0
        self._pending: list[RowResult] = []
        try:
            with self._connect() as conn, conn.begin():
                if side_table is None:
                    assert table is not None
                    self._statement = self._update_statement(self._crm(conn, table), table)
                else:
                    self._statement = self._upsert_statement(
                        conn, self._source_keys(conn, table, query), side_table)
        except BaseException:
            self.engine.dispose()
            raise
        self.table = written_to

    def _source_keys(
        self, conn: sa.Connection, table: str | None, query: str | None
    ) -> Callable[[], Mapping[str, sa.types.TypeEngine[Any]]]:
        """Check that the source has the key columns; their types are learnt when asked
        (only a new side table needs them, and a query's cost a temporary table)."""
        if table is not None:
            crm = self._crm(conn, table)
            return lambda: {k: crm.c[k].type for k in self.primary_key}
        assert query is not None
        try:
            returned = query_columns(conn, query)
        except sa.exc.DBAPIError as exc:
            raise self._refused(exc, "the source query fails") from exc
        require_query_columns(returned, self.primary_key)
        return lambda: self._query_key_types(conn, query)

    def _crm(self, conn: sa.Connection, table: str) -> sa.Table:
        """The CRM table, which must have the key columns."""
        crm = self._reflect(conn, table)
        missing = [k for k in self.primary_key if k not in crm.c]
        if missing:
            raise InputError(f"table {table!r} has no column(s) {', '.join(missing)}")
        return crm

    def _query_key_types(self, conn: sa.Connection, query: str
                         ) -> Mapping[str, sa.types.TypeEngine[Any]]:
        keys = ", ".join(self.primary_key)
        try:
            types = query_column_types(conn, query, self.primary_key)
        except sa.exc.DBAPIError as exc:
            raise self._refused(
                exc, f"cannot learn the type of key column(s) {keys} from the source query "
                "(refsync reads it from an empty temporary table made from the query)") from exc
        untyped = [k for k, kind in types.items() if isinstance(kind, sa.types.NullType)]
        if untyped:
            raise ConfigurationError(
                f"the database gives key column(s) {', '.join(untyped)} of the source query no "
                f"type, so the side table cannot be keyed by it; CAST it in the query, e.g. "
                f"CAST(... AS VARCHAR(64)) AS {untyped[0]}")
        return types

    def _refused(self, exc: sa.exc.DBAPIError, what: str) -> RefsyncError:
        """A database error met while setting up: transient if the connection dropped,
        otherwise the configuration (query, privileges, types) has to change."""
        message = f"{what} at {self.where}: {self._clean(exc)}"
        if exc.connection_invalidated:
            return TransientError(message)
        return ConfigurationError(message)

    def _written(self, table: sa.Table) -> dict[Fact, sa.Column[Any]]:
        return {fact: table.c[self.columns.configured()[fact]] for fact in self.writes}

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
        configured = self.columns.configured()
        missing = [c for c in configured.values() if c not in crm.c]
        if missing:
            raise ConfigurationError(
                f"table {name!r} has no write-back column(s) {', '.join(missing)}; add them "
                "(referral id, status and deal status as text, sync time as a timestamp, error "
                "as text) or write to a side table instead (write_back.table in the mapping)"
            )
        values: dict[sa.Column[Any], Any] = {}
        for fact, column in self._written(crm).items():
            new = sa.bindparam(_PREFIX + fact.value, type_=column.type)
            values[column] = sa.func.coalesce(new, column) if fact in _KEPT_WHEN_EMPTY else new
        stmt = sa.update(crm).values(values)
        for key in self.primary_key:
            stmt = stmt.where(crm.c[key] == sa.bindparam(_PREFIX + "pk_" + key))
        return stmt

    def _upsert_statement(
        self,
        conn: sa.Connection,
        key_types: Callable[[], Mapping[str, sa.types.TypeEngine[Any]]],
        name: str,
    ) -> sa.Executable:
        schema, bare = split_table_name(name)
        configured = self.columns.configured()

        def results() -> list[sa.Column[Any]]:
            return [sa.Column(column, _SIDE_TYPES[fact]()) for fact, column in configured.items()]

        if not sa.inspect(conn).has_table(bare, schema=schema):
            types = key_types()
            wanted = sa.Table(
                bare,
                sa.MetaData(),
                *(sa.Column(k, types[k], primary_key=True, autoincrement=False)
                  for k in self.primary_key),
                *results(),
                schema=schema,
            )
            try:
                wanted.create(conn)
            except sa.exc.DBAPIError as exc:
                raise self._refused(
                    exc, f"cannot create the side table {name!r} keyed by "
                    f"({', '.join(self.primary_key)})") from exc
        side = self._reflect(conn, name)
        missing = [k for k in self.primary_key if k not in side.c]
        if missing:
            raise ConfigurationError(
                f"side table {name!r} exists but lacks key column(s) {', '.join(missing)}"
            )
        added = [c for c in configured.values() if c not in side.c]
        if added:
            self._add_columns(conn, sa.Table(bare, sa.MetaData(), *results(), schema=schema),
                              added)
            side = self._reflect(conn, name)
        written = self._written(side)
        values = {
            **{k: sa.bindparam(_PREFIX + "pk_" + k) for k in self.primary_key},
            **{column.name: sa.bindparam(_PREFIX + fact.value, type_=column.type)
               for fact, column in written.items()},
        }
        dialect = conn.dialect.name
        if dialect in ("postgresql", "sqlite"):
            module: Any = postgresql if dialect == "postgresql" else sqlite
            ins = module.insert(side).values(values)
            conflict: sa.Executable = ins.on_conflict_do_update(
                index_elements=[side.c[k] for k in self.primary_key],
                set_=self._upsert_set(written, ins.excluded),
            )
            return conflict
        if dialect in ("mysql", "mariadb"):
            my = mysql.insert(side).values(values)
            upsert: sa.Executable = my.on_duplicate_key_update(
                self._upsert_set(written, my.inserted))
            return upsert
        raise ConfigurationError(
            f"a write-back side table is not supported on {dialect}; "
            "use postgresql, mysql/mariadb or sqlite"
        )

    @staticmethod
    def _upsert_set(written: Mapping[Fact, sa.Column[Any]], new: Any) -> dict[str, Any]:
        """``SET`` of an upsert: each written column from the new row (``new``: its columns)."""
        return {
            column.name: (sa.func.coalesce(new[column.name], column)
                          if fact in _KEPT_WHEN_EMPTY else new[column.name])
            for fact, column in written.items()
        }

    @staticmethod
    def _add_columns(conn: sa.Connection, wanted: sa.Table, names: Sequence[str]) -> None:
        """Add configured write-back columns an existing side table lacks (all nullable)."""
        table = conn.dialect.identifier_preparer.format_table(wanted)
        for name in names:
            column = sa.schema.CreateColumn(wanted.c[name]).compile(dialect=conn.dialect)
            conn.execute(sa.text(f"ALTER TABLE {table} ADD COLUMN {column}"))

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
        for fact, pick in self.writes.items():
            value = pick(result, now)
            if isinstance(value, datetime):
                value = self._stored_time(value)
            params[_PREFIX + fact.value] = value
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
