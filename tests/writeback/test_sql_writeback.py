"""SQL write-back against real SQLite, PostgreSQL and MariaDB: batches, side tables, replays,
and the deal endings a reconciliation writes beside what a sync writes."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from connectors.writeback import (
    DEAL_STATUS_WRITES,
    SQL_COLUMNS,
    SqlWriteBack,
    WriteBackColumns,
    open_writeback,
)
from refsync.errors import ConfigurationError, InputError
from refsync.records import Outcome, RowResult
from refsync.source_spec import SqlSourceSpec

pytestmark = pytest.mark.integration

SYNCED = dt.datetime(2026, 11, 22, 3, 0, 0, tzinfo=dt.UTC)
SPEC = SqlSourceSpec(table="leads", primary_key=("id",), watermark="updated_at")


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database whose ``leads`` table already has the write-back columns, deal status too."""
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
        sa.Column("updated_at", sa.DateTime),
        sa.Column("referral_id", sa.String(64)),
        sa.Column("referral_status", sa.String(32)),
        sa.Column("referral_synced_at", sa.DateTime),
        sa.Column("referral_error", sa.Text),
        sa.Column("deal_status", sa.String(32)),
    )
    plain = sa.Table(
        "plain_leads", meta,
        sa.Column("tenant", sa.String(10), primary_key=True),
        sa.Column("lead_no", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("company", sa.String(100)),
    )
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(leads.insert(), [
            {"id": n, "company": f"C{n}", "updated_at": dt.datetime(2026, 1, 1)}
            for n in range(1, 8)
        ])
        conn.execute(plain.insert(), [{"tenant": "eu", "lead_no": n, "company": f"P{n}"}
                                      for n in range(1, 4)])
    engine.dispose()
    return url


def rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        found = [tuple(r) for r in conn.execute(sa.text(sql))]
    engine.dispose()
    return found


def result(n: int, outcome: Outcome = Outcome.CREATED, **kw: Any) -> RowResult:
    values: dict[str, Any] = {"remote_id": f"ref-{n}", "synced_at": SYNCED}
    values.update(kw)
    return RowResult(n, f"L-{n}", outcome, source_id=(n,), **values)


def test_updates_go_out_in_batches_and_are_visible(db_url: str) -> None:
    writeback = open_writeback(SPEC, db_url, batch_size=2)
    assert isinstance(writeback, SqlWriteBack)
    writeback.write([result(3), result(1)])
    writeback.write([result(2, Outcome.REJECTED, remote_id=None, error="bad country")])
    writeback.write([result(5), result(4, Outcome.UPDATED)])
    writeback.close()
    assert writeback.batches == 3
    assert writeback.rows_written == 5
    got = rows(db_url, "SELECT id, referral_id, referral_status, referral_synced_at, "
                       "referral_error FROM leads ORDER BY id")
    assert got[0][:3] == (1, "ref-1", "created")
    assert got[1][1:3] == (None, "rejected")
    assert got[1][4] == "bad country"
    assert got[3][1:3] == ("ref-4", "updated")
    assert str(got[0][3]).startswith("2026-11-22 03:00:00")
    assert got[5] == (6, None, None, None, None)


def test_a_result_without_id_keeps_the_id_already_written(db_url: str) -> None:
    with open_writeback(SPEC, db_url) as writeback:  # type: ignore[union-attr]
        writeback.write([result(1)])
    with open_writeback(SPEC, db_url) as writeback:  # type: ignore[union-attr]
        writeback.write([result(1, Outcome.FAILED, remote_id=None, error="503")])
    assert rows(db_url, "SELECT referral_id, referral_status, referral_error FROM leads "
                        "WHERE id = 1") == [("ref-1", "failed", "503")]


def test_replaying_the_same_results_is_harmless(db_url: str) -> None:
    for _ in range(2):
        with open_writeback(SPEC, db_url) as writeback:  # type: ignore[union-attr]
            writeback.write([result(1), result(2)])
    assert rows(db_url, "SELECT count(*) FROM leads WHERE referral_id IS NOT NULL") == [(2,)]


def test_missing_columns_point_to_the_side_table(db_url: str) -> None:
    spec = SqlSourceSpec(table="plain_leads", primary_key=("tenant", "lead_no"))
    with pytest.raises(ConfigurationError, match=r"no write-back column\(s\) referral_id, .*"
                                                 r"side table"):
        open_writeback(spec, db_url)


def test_side_table_is_created_and_upserted_with_a_composite_key(db_url: str) -> None:
    spec = SqlSourceSpec(table="plain_leads", primary_key=("tenant", "lead_no"))
    first = [RowResult(1, "eu-1", Outcome.CREATED, remote_id="r1", synced_at=SYNCED,
                       source_id=("eu", 1)),
             RowResult(2, "eu-2", Outcome.INVALID, error="no email", source_id=("eu", 2))]
    with open_writeback(spec, db_url, side_table="plain_leads_refsync") as writeback:  # type: ignore[union-attr]
        writeback.write(first)
    again = [RowResult(1, "eu-1", Outcome.HELD, error="timeout", source_id=("eu", 1))]
    with open_writeback(spec, db_url, side_table="plain_leads_refsync",
                        batch_size=1) as writeback:  # type: ignore[union-attr]
        writeback.write(again)
    got = rows(db_url, "SELECT tenant, lead_no, referral_id, referral_status, referral_error "
                       "FROM plain_leads_refsync ORDER BY lead_no")
    assert got == [("eu", 1, "r1", "held", "timeout"), ("eu", 2, None, "invalid", "no email")]
    # the CRM table itself is untouched
    assert rows(db_url, "SELECT count(*) FROM plain_leads") == [(3,)]


def test_custom_column_names(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE deals (id int PRIMARY KEY, ms_id varchar(64), "
                             "ms_state varchar(32), ms_when timestamp NULL, ms_err text)"))
        conn.execute(sa.text("INSERT INTO deals (id) VALUES (1)"))
    engine.dispose()
    spec = SqlSourceSpec(query="SELECT * FROM deals", primary_key=("id",))
    names = WriteBackColumns("ms_id", "ms_state", "ms_when", "ms_err")
    with open_writeback(spec, db_url, table="deals", columns=names) as writeback:  # type: ignore[union-attr]
        writeback.write([result(1)])
    assert rows(db_url, "SELECT ms_id, ms_state FROM deals") == [("ref-1", "created")]


def test_query_source_needs_a_table_and_unknown_tables_are_refused(db_url: str) -> None:
    with pytest.raises(ConfigurationError, match="needs the table to write back to"):
        open_writeback(SqlSourceSpec(query="SELECT 1 AS id", primary_key=("id",)), db_url)
    with pytest.raises(InputError, match="write-back table 'nowhere' does not exist"):
        open_writeback(SqlSourceSpec(table="nowhere", primary_key=("id",)), db_url)


QUERY = SqlSourceSpec(query="SELECT p.tenant, p.lead_no, p.company FROM plain_leads p",
                      primary_key=("tenant", "lead_no"))


def key_columns(url: str, table: str) -> dict[str, sa.types.TypeEngine[Any]]:
    engine = sa.create_engine(url)
    inspector = sa.inspect(engine)
    keys = inspector.get_pk_constraint(table)["constrained_columns"]
    found = {c["name"]: c["type"] for c in inspector.get_columns(table) if c["name"] in keys}
    engine.dispose()
    return found


def tables(url: str) -> list[str]:
    engine = sa.create_engine(url)
    names = sorted(sa.inspect(engine).get_table_names())
    engine.dispose()
    return names


def eu(n: int, outcome: Outcome = Outcome.CREATED, **kw: Any) -> RowResult:
    return RowResult(n, f"eu-{n}", outcome, source_id=("eu", n), **kw)


def test_a_query_source_writes_to_a_side_table_keyed_like_its_result(db_url: str) -> None:
    with open_writeback(QUERY, db_url, side_table="plain_refsync") as writeback:  # type: ignore[union-attr]
        writeback.write([eu(1, remote_id="r1"), eu(2, Outcome.INVALID, error="no email")])
    # the key columns have the types the query returns: those of plain_leads
    keys = key_columns(db_url, "plain_refsync")
    assert list(keys) == ["tenant", "lead_no"]
    assert isinstance(keys["tenant"], sa.String)
    # SQLite tells a query result's affinity (TEXT), not its declared length; it enforces none
    assert keys["tenant"].length == (None if db_url.startswith("sqlite") else 10)
    assert isinstance(keys["lead_no"], sa.Integer)
    with open_writeback(QUERY, db_url, side_table="plain_refsync") as writeback:  # type: ignore[union-attr]
        writeback.write([eu(1, Outcome.UPDATED, remote_id="r1"), eu(2, remote_id="r2")])
    assert rows(db_url, "SELECT tenant, lead_no, referral_id, referral_status, referral_error "
                        "FROM plain_refsync ORDER BY lead_no") == [
        ("eu", 1, "r1", "updated", None), ("eu", 2, "r2", "created", None)]


def test_an_existing_side_table_of_a_query_source_is_used_as_it_is(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE mine (tenant varchar(20) NOT NULL, lead_no int NOT "
                             "NULL, owner_note varchar(50), PRIMARY KEY (tenant, lead_no))"))
        conn.execute(sa.text("INSERT INTO mine (tenant, lead_no, owner_note) "
                             "VALUES ('eu', 1, 'call back')"))
    engine.dispose()
    with open_writeback(QUERY, db_url, side_table="mine") as writeback:  # type: ignore[union-attr]
        writeback.write([eu(1, remote_id="r1")])
    assert rows(db_url, "SELECT tenant, lead_no, owner_note, referral_id FROM mine") == [
        ("eu", 1, "call back", "r1")]
    assert key_columns(db_url, "mine")["tenant"].length == 20  # type: ignore[attr-defined]


def test_a_computed_key_takes_the_type_its_database_gives_it(db_url: str) -> None:
    spec = SqlSourceSpec(query="SELECT lead_no + 1000 AS ref_no, company FROM plain_leads",
                         primary_key=("ref_no",))
    if db_url.startswith("sqlite"):
        # SQLite gives an expression no type: the user is told how to give it one
        with pytest.raises(ConfigurationError, match=r"key column\(s\) ref_no of the source "
                                                     r"query no type.*CAST"):
            open_writeback(spec, db_url, side_table="computed_refsync")
        assert "computed_refsync" not in tables(db_url)
        spec = SqlSourceSpec(query="SELECT CAST(lead_no + 1000 AS INTEGER) AS ref_no "
                                   "FROM plain_leads", primary_key=("ref_no",))
    with open_writeback(spec, db_url, side_table="computed_refsync") as writeback:  # type: ignore[union-attr]
        writeback.write([RowResult(1, "1001", Outcome.CREATED, remote_id="r1",
                                   source_id=(1001,))])
    assert isinstance(key_columns(db_url, "computed_refsync")["ref_no"], sa.Integer)
    assert rows(db_url, "SELECT ref_no, referral_id FROM computed_refsync") == [(1001, "r1")]


def test_a_query_source_is_refused_before_anything_is_created(db_url: str) -> None:
    before = tables(db_url)
    without_key = SqlSourceSpec(query="SELECT company FROM plain_leads", primary_key=("lead_no",))
    with pytest.raises(ConfigurationError, match=r"the source query returns no column\(s\) "
                                                 r"lead_no.*\(it returns: company\)"):
        open_writeback(without_key, db_url, side_table="plain_refsync")
    with pytest.raises(ConfigurationError, match=r"the source query fails"):
        open_writeback(SqlSourceSpec(query="SELECT nope FROM plain_leads",
                                     primary_key=("nope",)), db_url, side_table="plain_refsync")
    with pytest.raises(ConfigurationError, match=r"needs the table to write back to: name a "
                                                 r"side table in write_back.table"):
        open_writeback(QUERY, db_url)
    assert tables(db_url) == before


def test_results_without_a_source_id_are_ignored(db_url: str) -> None:
    with open_writeback(SPEC, db_url) as writeback:  # type: ignore[union-attr]
        writeback.write([RowResult(1, "L-1", Outcome.CREATED, remote_id="x")])
        assert writeback.rows_written == 0
    assert rows(db_url, "SELECT count(*) FROM leads WHERE referral_id IS NOT NULL") == [(0,)]


DEALS = dataclasses.replace(SQL_COLUMNS, deal_status="deal_status")
PLAIN = SqlSourceSpec(table="plain_leads", primary_key=("tenant", "lead_no"))


def ending(n: int, deal: str | None, **kw: Any) -> RowResult:
    """What a reconciliation writes back: the deal's ending travels in ``remote_status``."""
    return RowResult(n, f"L-{n}", Outcome.UNCHANGED, remote_status=deal,
                     **{"remote_id": f"ref-{n}", "source_id": (n,), **kw})


@pytest.mark.parametrize("side_table", [None, "leads_refsync"])
def test_a_sync_after_a_reconcile_keeps_the_deal_ending(db_url: str, side_table: str | None
                                                       ) -> None:
    where = side_table or "leads"
    with open_writeback(SPEC, db_url, columns=DEALS, side_table=side_table) as sync:  # type: ignore[union-attr]
        sync.write([result(1), result(2)])
    with open_writeback(SPEC, db_url, columns=DEALS, side_table=side_table,
                        writes=DEAL_STATUS_WRITES) as reconcile:  # type: ignore[union-attr]
        reconcile.write([ending(1, "Won"), ending(3, "Lost", remote_id="ref-3")])
    # The reconciliation wrote the ending and the id, and left the sync's columns alone.
    assert rows(db_url, f"SELECT id, referral_id, referral_status, referral_error, deal_status "
                        f"FROM {where} WHERE id IN (1, 3) ORDER BY id") == [
        (1, "ref-1", "created", None, "Won"), (3, "ref-3", None, None, "Lost")]

    with open_writeback(SPEC, db_url, columns=DEALS, side_table=side_table) as sync:  # type: ignore[union-attr]
        # as the engine reports them: with the referral's live status, Closed for row 1
        sync.write([result(1, Outcome.HELD, remote_id=None, remote_status="Closed",
                           error="closed: never patched"),
                    result(3, Outcome.UNCHANGED, remote_status="Active")])
    assert rows(db_url, f"SELECT id, referral_id, referral_status, referral_error, deal_status "
                        f"FROM {where} WHERE id IN (1, 3) ORDER BY id") == [
        (1, "ref-1", "held", "closed: never patched", "Won"),
        (3, "ref-3", "unchanged", None, "Lost")]


def test_a_result_without_an_ending_keeps_the_ending_written(db_url: str) -> None:
    for deal in ("Won", None):
        with open_writeback(SPEC, db_url, columns=DEALS, writes=DEAL_STATUS_WRITES,
                            batch_size=1) as writeback:  # type: ignore[union-attr]
            writeback.write([ending(1, deal), ending(2, deal)])
    assert rows(db_url, "SELECT id, deal_status FROM leads WHERE id IN (1, 2) ORDER BY id") == [
        (1, "Won"), (2, "Won")]


def test_a_side_table_has_the_deal_status_column_and_gains_it_when_it_lacks_it(
        db_url: str) -> None:
    # A side table made before the mapping named a deal status column: the sync's four only.
    with open_writeback(PLAIN, db_url, side_table="plain_refsync") as writeback:  # type: ignore[union-attr]
        writeback.write([RowResult(1, "eu-1", Outcome.CREATED, remote_id="r1",
                                   source_id=("eu", 1))])
    engine = sa.create_engine(db_url)
    assert "deal_status" not in {c["name"] for c in sa.inspect(engine).get_columns("plain_refsync")}
    engine.dispose()
    with open_writeback(PLAIN, db_url, side_table="plain_refsync", columns=DEALS,
                        writes=DEAL_STATUS_WRITES) as writeback:  # type: ignore[union-attr]
        writeback.write([RowResult(1, "eu-1", Outcome.UNCHANGED, remote_id="r1",
                                   remote_status="Expired", source_id=("eu", 1)),
                         RowResult(2, "eu-2", Outcome.UNCHANGED, remote_id="r2",
                                   remote_status="Declined", source_id=("eu", 2))])
    assert rows(db_url, "SELECT lead_no, referral_id, referral_status, deal_status "
                        "FROM plain_refsync ORDER BY lead_no") == [
        (1, "r1", "created", "Expired"), (2, "r2", None, "Declined")]
    # a new side table has it from the start
    with open_writeback(PLAIN, db_url, side_table="fresh_refsync", columns=DEALS):  # type: ignore[union-attr]
        pass
    assert rows(db_url, "SELECT count(deal_status) FROM fresh_refsync") == [(0,)]


def test_a_configured_deal_status_column_must_exist_in_the_crm_table(db_url: str) -> None:
    names = dataclasses.replace(SQL_COLUMNS, deal_status="ms_deal")
    missing = r"no write-back column\(s\) ms_deal;"
    with pytest.raises(ConfigurationError, match=missing):  # a sync, which never writes it
        open_writeback(SPEC, db_url, columns=names)
    with pytest.raises(ConfigurationError, match=missing):
        open_writeback(SPEC, db_url, columns=names, writes=DEAL_STATUS_WRITES)


def test_writing_deal_endings_needs_a_deal_status_column(db_url: str) -> None:
    with pytest.raises(ConfigurationError, match=r"no write-back column is named for "
                                                 r"deal_status \(write_back.deal_status"):
        open_writeback(SPEC, db_url, writes=DEAL_STATUS_WRITES)
    with pytest.raises(ConfigurationError, match="at least one column"):
        open_writeback(SPEC, db_url, writes={})


def test_two_facts_never_share_a_column() -> None:
    with pytest.raises(ConfigurationError, match=r"'referral_status' is named for both status "
                                                 r"and deal_status"):
        dataclasses.replace(SQL_COLUMNS, deal_status="referral_status")
