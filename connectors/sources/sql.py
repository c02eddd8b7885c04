"""The SQL source: a table or a query in any database SQLAlchemy reaches, streamed in chunks.

Rows are read through a server-side cursor (``yield_per``: a named cursor on PostgreSQL, an
unbuffered cursor on MariaDB/MySQL), so memory is bounded by the chunk size, not the table.

Incremental runs filter on the mapping's watermark column: ``since`` is exclusive (the high-water
mark of the last safely recorded run), ``until`` inclusive (a backfill's end). Rows come ordered
by watermark, then primary key, so the row number (the position in the result) is stable for a
given range and the high-water mark only grows while the rows stream.

Sessions run in UTC (PostgreSQL ``TimeZone``, MariaDB/MySQL ``time_zone``) so that the same row
reads the same on every machine; ``timestamptz`` values come back tz-aware, naive types stay
naive (the database did not say which zone they are in). ``NULL`` stays ``None`` and an empty
string stays ``""``.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

from refsync.errors import ConfigurationError, InputError, TransientError
from refsync.secrets import redact
from refsync.source_spec import SqlSourceSpec

_SUBQUERY = "refsync_src"


def parse_url(location: str) -> URL:
    """A SQLAlchemy URL, or a ConfigurationError that does not echo the (secret-bearing) text."""
    try:
        return make_url(location)
    except (sa.exc.ArgumentError, ValueError) as exc:
        raise ConfigurationError(
            "invalid database URL (expected dialect+driver://user:password@host/database)"
        ) from exc


def safe_url(url: URL) -> str:
    """The URL as reports may show it: no password at all (``set(password=None)`` keeps it)."""
    bare = URL.create(
        url.drivername, username=url.username, host=url.host, port=url.port,
        database=url.database, query=url.query,
    )
    return bare.render_as_string(hide_password=False)


def create_engine(url: URL) -> Engine:
    """An engine whose sessions run in UTC (see module docstring)."""
    connect_args: dict[str, Any] = {}
    backend = url.get_backend_name()
    if backend == "postgresql" and url.get_driver_name() in ("psycopg", "psycopg2"):
        connect_args["options"] = "-c TimeZone=UTC"
    elif backend in ("mysql", "mariadb"):
        connect_args["init_command"] = "SET time_zone = '+00:00'"
    try:
        return sa.create_engine(url, connect_args=connect_args)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError) as exc:
        raise ConfigurationError(f"cannot use database URL {safe_url(url)}: {exc}") from exc


def split_table_name(name: str) -> tuple[str | None, str]:
    """``schema.table`` -> (schema, table); a bare name has no schema."""
    schema, _, table = name.rpartition(".")
    return (schema or None), table


def bare_query(query: str) -> str:
    """A mapping's query as it can be wrapped in ``SELECT … FROM (query) AS …``."""
    return query.strip().rstrip(";")


def query_columns(conn: sa.Connection, query: str) -> tuple[str, ...]:
    """The names of the columns ``query`` returns, in order; the database reads no rows.

    Raises:
        sqlalchemy.exc.DBAPIError: the query fails (callers translate it).
    """
    probe = sa.text(f"SELECT * FROM ({bare_query(query)}) AS {_SUBQUERY} WHERE 1 = 0")  # noqa: S608
    return tuple(conn.execute(probe).keys())


def require_query_columns(returned: Sequence[str], wanted: Sequence[str]) -> None:
    """Refuse a query that does not return the columns its mapping names.

    A configuration error, not a refused input: the query is part of the mapping, and the
    mapping contradicts itself.

    Raises:
        ConfigurationError: a ``wanted`` column is not among those ``returned``.
    """
    missing = [c for c in wanted if c not in returned]
    if missing:
        raise ConfigurationError(
            f"the source query returns no column(s) {', '.join(missing)}, which the mapping "
            "names as source.primary_key or watermark; add them to its SELECT list "
            f"(it returns: {', '.join(returned)})"
        )


def query_column_types(
    conn: sa.Connection, query: str, names: Sequence[str]
) -> dict[str, sa.types.TypeEngine[Any]]:
    """The types the database gives ``names`` in the result of ``query``.

    A driver's cursor description says little (an OID, a length in bytes), and the query may
    compute a column, so the database itself is asked: it creates an empty temporary table from
    the query's result, which is reflected like any table, then dropped. SQLite tells only a
    column's affinity (``TEXT``, ``INT``, ``NUM``, ``REAL``; it enforces no lengths), and none
    for an expression: that comes back as :class:`sqlalchemy.types.NullType`.

    Raises:
        sqlalchemy.exc.DBAPIError: the query fails, or temporary tables may not be created.
    """
    quote = conn.dialect.identifier_preparer.quote
    temporary = f"refsync_types_{uuid.uuid4().hex[:12]}"
    wanted = ", ".join(f"{_SUBQUERY}.{quote(n)}" for n in names)
    conn.execute(sa.text(
        f"CREATE TEMPORARY TABLE {quote(temporary)} AS "  # noqa: S608 - the mapping's own query
        f"SELECT {wanted} FROM ({bare_query(query)}) AS {_SUBQUERY} WHERE 1 = 0"))
    try:
        found = {c["name"]: c["type"] for c in sa.inspect(conn).get_columns(temporary)}
    finally:
        drop = "DROP TEMPORARY TABLE" if conn.dialect.name in ("mysql", "mariadb") \
            else "DROP TABLE"
        conn.execute(sa.text(f"{drop} {quote(temporary)}"))
    return {n: found[n] for n in names}


class SqlSource:
    """Rows of a table or query, as DataFrame chunks indexed by 1-based result position."""

    kind = "sql"

    def __init__(
        self, spec: SqlSourceSpec, location: str, *, since: Any = None, until: Any = None
    ) -> None:
        self.spec = spec
        self.url = parse_url(location)
        self._password = self.url.password
        self.since = since
        self.until = until
        self.engine = create_engine(self.url)
        where = safe_url(self.url)
        self.description = f"table {spec.table} at {where}" if spec.table else f"query at {where}"
        self.fingerprint = hashlib.sha256(
            f"{spec.table or spec.query}\n{where}".encode()
        ).hexdigest()
        self.high_water_mark: Any = None
        self.notes: list[str] = []
        try:
            with self._connect() as conn:
                self._statement, self.columns = self._build(conn)
        except BaseException:
            self.engine.dispose()
            raise

    def _connect(self) -> sa.Connection:
        try:
            return self.engine.connect()
        except sa.exc.DBAPIError as exc:
            raise TransientError(
                f"cannot reach the database at {safe_url(self.url)}: "
                f"{self._clean(exc.orig or exc)}"
            ) from exc

    def _clean(self, exc: BaseException) -> str:
        return redact(str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
                      [self._password or ""])

    def _bound(self, value: Any) -> Any:
        """Bring an aware datetime into the form a zone-less database compares correctly."""
        if not isinstance(value, datetime):
            return value
        if self.engine.dialect.name in ("mysql", "mariadb", "sqlite") and value.tzinfo:
            value = value.astimezone(UTC).replace(tzinfo=None)
        if self.engine.dialect.name == "sqlite" and self.spec.query is not None:
            return value.strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's stored text form
        return value

    def _build(self, conn: sa.Connection) -> tuple[sa.Executable, tuple[str, ...]]:
        spec = self.spec
        if spec.table is not None:
            schema, name = split_table_name(spec.table)
            try:
                table = sa.Table(name, sa.MetaData(), schema=schema, autoload_with=conn)
            except sa.exc.NoSuchTableError as exc:
                raise InputError(f"table {spec.table!r} does not exist ({self.description})") \
                    from exc
            columns = tuple(c.name for c in table.columns)
            self._require(columns)
            stmt = sa.select(table)
            if spec.watermark is not None:
                mark = table.c[spec.watermark]
                if self.since is not None:
                    stmt = stmt.where(mark > sa.bindparam("since", self._bound(self.since),
                                                          type_=mark.type))
                if self.until is not None:
                    stmt = stmt.where(mark <= sa.bindparam("until", self._bound(self.until),
                                                           type_=mark.type))
                stmt = stmt.order_by(mark)
            stmt = stmt.order_by(*(table.c[k] for k in spec.primary_key))
            return stmt, columns
        query = bare_query(spec.query or "")
        quote = self.engine.dialect.identifier_preparer.quote
        try:
            columns = query_columns(conn, query)
        except sa.exc.DBAPIError as exc:
            raise ConfigurationError(f"the source query fails: {self._clean(exc.orig or exc)}") \
                from exc
        self._require(columns)
        clauses, params = [], {}
        if spec.watermark is not None:
            quoted = f"{_SUBQUERY}.{quote(spec.watermark)}"
            if self.since is not None:
                clauses.append(f"{quoted} > :since")
                params["since"] = self._bound(self.since)
            if self.until is not None:
                clauses.append(f"{quoted} <= :until")
                params["until"] = self._bound(self.until)
        order = ([spec.watermark] if spec.watermark else []) + list(spec.primary_key)
        sql = f"SELECT * FROM ({query}) AS {_SUBQUERY}"  # noqa: S608 - the mapping's own query
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY " + ", ".join(f"{_SUBQUERY}.{quote(c)}" for c in order)
        return sa.text(sql).bindparams(**params), columns

    def _require(self, columns: Sequence[str]) -> None:
        duplicates = sorted({c for c in columns if list(columns).count(c) > 1})
        if duplicates:
            raise InputError(
                f"{self.description} returns column(s) {', '.join(duplicates)} more than once; "
                "alias them in the query"
            )
        wanted = list(self.spec.primary_key)
        if self.spec.watermark:
            wanted.append(self.spec.watermark)
        missing = [c for c in wanted if c not in columns]
        if missing and self.spec.query is not None:
            require_query_columns(columns, wanted)
        if missing:
            raise InputError(
                f"{self.description} has no column(s) {', '.join(missing)} "
                f"(columns: {', '.join(columns)})"
            )
        if self.spec.watermark is None and (self.since is not None or self.until is not None):
            raise ConfigurationError("since/until need a watermark column in the source spec")

    def chunks(self, chunk_size: int) -> Iterator[pd.DataFrame]:
        """Stream the rows in DataFrames of at most ``chunk_size`` rows (server-side cursor)."""
        if chunk_size < 1:
            raise ValueError("chunk_size must be at least 1")
        position = 0
        watermark = self.spec.watermark
        with self._connect() as conn:
            try:
                result = conn.execution_options(yield_per=chunk_size).execute(self._statement)
                for part in result.partitions(chunk_size):
                    index = pd.RangeIndex(position + 1, position + len(part) + 1, name="row")
                    position += len(part)
                    frame = pd.DataFrame(
                        [tuple(row) for row in part],
                        columns=pd.Index(self.columns, dtype=object),
                        index=index,
                        dtype=object,
                    )
                    if watermark is not None:
                        self._advance(frame[watermark])
                    yield frame
            except sa.exc.DBAPIError as exc:
                raise TransientError(
                    f"reading {self.description} failed: {self._clean(exc.orig or exc)}"
                ) from exc

    def _advance(self, marks: pd.Series[Any]) -> None:
        present = [m for m in marks if m is not None]
        if present:
            top = max(present)
            if self.high_water_mark is None or top > self.high_water_mark:
                self.high_water_mark = top

    def count(self) -> int:
        """How many rows the current range holds (for progress and reports)."""
        with self._connect() as conn:
            inner = self._statement
            if isinstance(inner, sa.Select):
                stmt: sa.Executable = sa.select(sa.func.count()).select_from(
                    inner.order_by(None).subquery()
                )
            else:
                assert isinstance(inner, sa.TextClause)
                stmt = sa.select(sa.func.count()).select_from(
                    inner.columns().subquery()
                )
            return int(conn.execute(stmt).scalar_one())

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> SqlSource:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

