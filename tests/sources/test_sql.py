"""The SQL source against real SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from connectors.sources import SqlSource, open_source
from refsync.errors import ConfigurationError, InputError, TransientError
from refsync.source_spec import SqlSourceSpec

pytestmark = pytest.mark.integration

UTC = dt.UTC
T0 = dt.datetime(2026, 1, 1, 12, 0, 0)


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database of each kind holding ``leads`` (25 rows, watermark ``updated_at``)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'crm.db'}"
    elif request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
    else:
        url = request.getfixturevalue("mariadb_url")
    engine = sa.create_engine(url)
    meta = sa.MetaData()
    leads = sa.Table(
        "leads", meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("company", sa.String(100)),
        sa.Column("note", sa.String(100), nullable=True),
        sa.Column("budget", sa.Numeric(12, 2)),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(leads.insert(), [
            {"id": n, "company": f"Company {n}", "note": "" if n % 2 else None,
             "budget": Decimal("100.50") * n, "updated_at": T0 + dt.timedelta(minutes=n)}
            for n in range(1, 26)
        ])
    engine.dispose()
    return url


SPEC = SqlSourceSpec(table="leads", primary_key=("id",), watermark="updated_at")


def frames(source: SqlSource, chunk_size: int = 1000) -> pd.DataFrame:
    return pd.concat(list(source.chunks(chunk_size)))


def test_table_streams_in_bounded_chunks_numbered_by_position(db_url: str) -> None:
    with open_source(SPEC, db_url) as source:
        assert isinstance(source, SqlSource)
        chunks = list(source.chunks(10))
        assert [len(c) for c in chunks] == [10, 10, 5]
        frame = pd.concat(chunks)
        assert list(frame.index) == list(range(1, 26))
        assert list(frame["id"]) == list(range(1, 26))
        assert list(frame.columns) == ["id", "company", "note", "budget", "updated_at"]
        assert frame.loc[3, "budget"] == Decimal("301.50")


def test_null_and_empty_string_stay_distinct(db_url: str) -> None:
    with open_source(SPEC, db_url) as source:
        frame = frames(source).set_index("id")
    assert frame.loc[1, "note"] == ""
    assert frame.loc[2, "note"] is None


def test_since_is_exclusive_and_until_inclusive(db_url: str) -> None:
    since, until = T0 + dt.timedelta(minutes=5), T0 + dt.timedelta(minutes=9)
    with open_source(SPEC, db_url, since=since, until=until) as source:
        frame = frames(source)
        assert list(frame["id"]) == [6, 7, 8, 9]
        assert list(frame.index) == [1, 2, 3, 4]
        assert source.high_water_mark == until


def test_aware_bounds_compare_in_utc(db_url: str) -> None:
    berlin = dt.timezone(dt.timedelta(hours=1))
    since = (T0 + dt.timedelta(minutes=23)).replace(tzinfo=UTC).astimezone(berlin)
    with open_source(SPEC, db_url, since=since) as source:
        assert list(frames(source)["id"]) == [24, 25]


def test_query_source_with_watermark(db_url: str) -> None:
    spec = SqlSourceSpec(
        query="SELECT id, company, updated_at FROM leads WHERE id > 20;",
        primary_key=("id",), watermark="updated_at",
    )
    with open_source(spec, db_url, since=T0 + dt.timedelta(minutes=22)) as source:
        frame = frames(source)
        assert list(frame["id"]) == [23, 24, 25]
        assert source.count() == 3


def test_incremental_run_reads_changed_rows_only(db_url: str) -> None:
    with open_source(SPEC, db_url) as source:
        assert len(frames(source)) == 25
        mark = source.high_water_mark
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE leads SET company = 'Changed', updated_at = :t WHERE id = 7"),
            {"t": T0 + dt.timedelta(hours=5)},
        )
    engine.dispose()
    with open_source(SPEC, db_url, since=mark) as source:
        frame = frames(source)
    assert list(frame["id"]) == [7]
    assert frame.iloc[0]["company"] == "Changed"


def test_missing_table_and_columns_are_refused(db_url: str) -> None:
    with pytest.raises(InputError, match="table 'deals' does not exist"):
        open_source(SqlSourceSpec(table="deals", primary_key=("id",)), db_url)
    with pytest.raises(InputError, match=r"has no column\(s\) lead_id"):
        open_source(SqlSourceSpec(table="leads", primary_key=("lead_id",)), db_url)
    # a query that lacks a column its own mapping names: the mapping is wrong
    with pytest.raises(ConfigurationError, match=r"the source query returns no column\(s\) "
                                                 r"modified, which the mapping names"):
        open_source(SqlSourceSpec(query="SELECT * FROM leads", primary_key=("id",),
                                  watermark="modified"), db_url)


def test_a_failing_query_is_a_configuration_error(db_url: str) -> None:
    with pytest.raises(ConfigurationError, match="the source query fails"):
        open_source(SqlSourceSpec(query="SELECT nope FROM leads", primary_key=("id",)), db_url)


def test_duplicate_result_columns_are_refused(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE leads (id int PRIMARY KEY, a text, b text)"))
    engine.dispose()
    spec = SqlSourceSpec(query="SELECT id, a AS x, b AS x FROM leads", primary_key=("id",))
    with pytest.raises(InputError, match=r"returns column\(s\) x more than once"):
        open_source(spec, postgres_url)


def test_postgres_timestamptz_is_aware_and_naive_stays_naive(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "CREATE TABLE events (id int PRIMARY KEY, at_tz timestamptz, at_naive timestamp)"
        ))
        conn.execute(sa.text(
            "INSERT INTO events VALUES (1, '2026-06-01 12:00:00+02', '2026-06-01 12:00:00')"
        ))
    engine.dispose()
    spec = SqlSourceSpec(table="events", primary_key=("id",), watermark="at_tz")
    with open_source(spec, postgres_url) as source:
        row = frames(source).iloc[0]
    assert row["at_tz"] == dt.datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    assert row["at_tz"].utcoffset() == dt.timedelta(0)
    assert row["at_naive"] == dt.datetime(2026, 6, 1, 12, 0)
    assert row["at_naive"].tzinfo is None


def test_mariadb_timestamp_reads_in_utc_whatever_the_server_zone(mariadb_url: str) -> None:
    engine = sa.create_engine(mariadb_url)
    with engine.begin() as conn:
        conn.execute(sa.text("SET time_zone = '+05:00'"))
        conn.execute(sa.text("CREATE TABLE events (id int PRIMARY KEY, at TIMESTAMP NULL)"))
        conn.execute(sa.text("INSERT INTO events VALUES (1, '2026-06-01 15:00:00')"))
    engine.dispose()
    spec = SqlSourceSpec(table="events", primary_key=("id",))
    with open_source(spec, mariadb_url) as source:
        assert frames(source).iloc[0]["at"] == dt.datetime(2026, 6, 1, 10, 0)


def test_passwords_never_reach_descriptions_fingerprints_or_errors() -> None:
    url = "postgresql+psycopg://refsync:s3cr3t-pw@127.0.0.1:1/crm"
    with pytest.raises(TransientError) as caught:
        open_source(SPEC, url)
    assert "s3cr3t-pw" not in str(caught.value)
    assert "cannot reach the database at postgresql+psycopg://refsync@127.0.0.1:1/crm" in str(
        caught.value
    )


def test_fingerprint_and_description_omit_the_password(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE leads (id int PRIMARY KEY, updated_at timestamp)"))
    engine.dispose()
    with open_source(SPEC, url) as source:
        assert source.description == f"table leads at {url}"
        assert source.fingerprint == hashlib.sha256(f"leads\n{url}".encode()).hexdigest()


def test_invalid_url_is_a_configuration_error_without_echo() -> None:
    with pytest.raises(ConfigurationError, match="invalid database URL") as caught:
        open_source(SPEC, "not a url with password hunter2")
    assert "hunter2" not in str(caught.value)


def test_postgres_rows_stream_through_a_server_side_cursor(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE big (id int PRIMARY KEY, payload text)"))
        conn.execute(sa.text(
            "INSERT INTO big SELECT g, repeat('x', 100) FROM generate_series(1, 5000) AS g"
        ))
    spec = SqlSourceSpec(table="big", primary_key=("id",))
    with open_source(spec, postgres_url) as source:
        chunks = source.chunks(100)
        first = next(chunks)
        with engine.connect() as watcher:
            queries = watcher.execute(sa.text(
                "SELECT query FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )).scalars().all()
        rest = sum(len(chunk) for chunk in chunks)
    engine.dispose()
    assert len(first) == 100
    assert rest == 4900
    assert any(q.lstrip().upper().startswith(("FETCH", "DECLARE")) for q in queries), queries
