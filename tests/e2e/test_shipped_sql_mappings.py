"""The shipped SQL mappings end to end: SuiteCRM on MariaDB and Odoo on PostgreSQL, loaded from
``data/samples``, synced to the sandbox and reconciled through the real CLI.

Both read through a ``source.query`` (joins) and write results to the side table named in
``write_back.table``, keyed by the query's primary key with the types its result has. The tests
look only at what a user sees: the side table's rows, the referrals in the sandbox, the exit
code and the message.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.e2e.conftest import PartnerCenterUser, signed_in_config
from tests.fixtures.databases import load_script
from tests.fixtures.sandbox import SandboxHandle

pytestmark = [pytest.mark.e2e]

ROOT = Path(__file__).resolve().parents[2]
Cli = Callable[..., tuple[int, str]]


@dataclass(frozen=True)
class Shipped:
    """One shipped mapping with its sample CRM and what the tests change in it."""

    mapping: str
    sample: str
    database: str  # the fixture giving a fresh database's URL
    side_table: str
    key_type: type[sa.types.TypeEngine[Any]]  # of the side table's key: the source's own
    valid: int  # leads that map to a valid referral
    changed: Any  # the primary key of the lead a person edits in the CRM
    edit: str  # the CRM's UPDATE of that lead, bumping its watermark column

    def key_of(self, primary_key: Any) -> str:
        """The externalReferenceId the mapping gives the lead with this primary key."""
        return f"odoo-crm-lead-{primary_key}" if "odoo" in self.mapping else str(primary_key)


SUITECRM = Shipped(
    mapping="suitecrm-leads.yaml", sample="suitecrm.sql", database="mariadb_url",
    side_table="refsync_lead_referrals", key_type=sa.CHAR, valid=11,
    changed="15f147a4-4e56-4596-8280-d928a75e7046",
    edit="UPDATE leads SET description = 'Now wants a Fabric pilot.', "
         "date_modified = '2026-12-01 09:00:00' WHERE id = '15f147a4-4e56-4596-8280-d928a75e7046'",
)
ODOO = Shipped(
    mapping="odoo-crm-lead.yaml", sample="odoo.sql", database="postgres_url",
    side_table="refsync_crm_lead_referrals", key_type=sa.INTEGER, valid=8, changed=1,
    edit="UPDATE crm_lead SET description = 'Now wants a Fabric pilot.', "
         "write_date = '2026-12-01 09:00:00' WHERE id = 1",
)


@pytest.fixture(params=[SUITECRM, ODOO], ids=["suitecrm-mariadb", "odoo-postgresql"])
def shipped(request: pytest.FixtureRequest) -> Shipped:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def crm_url(shipped: Shipped, request: pytest.FixtureRequest) -> str:
    """A fresh database holding the mapping's sample CRM."""
    url: str = request.getfixturevalue(shipped.database)
    load_script(url, ROOT / "data" / "samples" / shipped.sample)
    return url


@pytest.fixture
def config(sandbox: SandboxHandle, tmp_path: Path) -> Path:
    assert sandbox.config_path is not None
    return signed_in_config(sandbox.config_path, tmp_path / "work",
                            ledger_url=f"sqlite:///{tmp_path / 'ledger.db'}")


def query(url: str, sql: str) -> list[dict[str, Any]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()


def execute(url: str, sql: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(sql))
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def side_rows(url: str, shipped: Shipped) -> dict[Any, dict[str, Any]]:
    """The side table by primary key."""
    rows = query(url, f"SELECT id, referral_id, referral_status, synced_at, sync_error, "
                      f"deal_status FROM {shipped.side_table}")
    return {r["id"]: r for r in rows}


def referral_ids(sandbox: SandboxHandle) -> dict[str, str]:
    """Partner Center's referrals: id by externalReferenceId."""
    return {r["externalReferenceId"]: r["id"] for r in sandbox.state()["referrals"]}


def test_a_shipped_sql_mapping_syncs_into_its_side_table_and_reconciles_deal_endings(
        shipped: Shipped, crm_url: str, config: Path, tmp_path: Path, sandbox: SandboxHandle,
        cli: Cli) -> None:
    mapping = str(ROOT / "mappings" / shipped.mapping)
    out = str(tmp_path / "out")
    sync = ("sync", "--mapping", mapping, "--source", crm_url, "--config", str(config),
            "--output-dir", out)

    code, printed = cli(*sync)
    assert code == 0, printed  # invalid rows are reported, not alerted on
    remote = referral_ids(sandbox)
    assert len(remote) == shipped.valid
    side = side_rows(crm_url, shipped)
    synced = {pk: r for pk, r in side.items() if r["referral_id"] is not None}
    # One row per valid lead, holding its referral's id and the outcome; the rest say why not.
    assert {shipped.key_of(pk): r["referral_id"] for pk, r in synced.items()} == remote
    assert {r["referral_status"] for r in synced.values()} == {"created"}
    assert all(r["synced_at"] is not None and r["deal_status"] is None for r in side.values())
    invalid = [r for r in side.values() if r["referral_status"] == "invalid"]
    assert len(invalid) == 3
    assert all(r["sync_error"] for r in invalid)
    # keyed by the source's primary key, with the type the query's result gives it
    engine = sa.create_engine(crm_url)
    try:
        inspector = sa.inspect(engine)
        assert inspector.get_pk_constraint(shipped.side_table)["constrained_columns"] == ["id"]
        (key,) = [c for c in inspector.get_columns(shipped.side_table) if c["name"] == "id"]
        assert isinstance(key["type"], shipped.key_type)
    finally:
        engine.dispose()

    # A person edits one lead in the CRM; a full resync updates its referral and its side row,
    # rewrites every other row in place and creates nothing.
    execute(crm_url, shipped.edit)
    code, printed = cli(*sync, "--full")
    assert code == 0, printed
    again = side_rows(crm_url, shipped)
    assert set(again) == set(side)
    assert again[shipped.changed]["referral_status"] == "updated"
    assert {r["referral_status"] for pk, r in again.items()
            if pk in synced and pk != shipped.changed} == {"unchanged"}
    assert {pk: r["referral_id"] for pk, r in again.items()} == {
        pk: r["referral_id"] for pk, r in side.items()}
    assert referral_ids(sandbox) == remote
    stats = sandbox.stats()
    assert stats["duplicate_external_reference_ids"] == []
    assert stats["objects"]["referral"] == shipped.valid

    # The deal is won in Partner Center; reconcile --write-back records the ending beside the
    # sync's columns, which keep what the sync wrote.
    won = remote[shipped.key_of(shipped.changed)]
    with PartnerCenterUser(sandbox) as person:
        person.patch(won, {"op": "replace", "path": "/status", "value": "Closed"},
                     {"op": "replace", "path": "/substatus", "value": "Won"})
    code, printed = cli("reconcile", "--mapping", mapping, "--source", crm_url, "--config",
                        str(config), "--output-dir", out, "--write-back")
    assert code == 0, printed
    ended = side_rows(crm_url, shipped)
    assert {pk: r["deal_status"] for pk, r in ended.items() if r["deal_status"]} == {
        shipped.changed: "Won"}
    assert ended[shipped.changed]["referral_id"] == won
    assert {pk: (r["referral_status"], r["synced_at"]) for pk, r in ended.items()} == {
        pk: (r["referral_status"], r["synced_at"]) for pk, r in again.items()}


@pytest.mark.parametrize(("change", "side_table_before", "refused"), [
    # the query's result has no such column
    (("primary_key: [id]", "primary_key: [lead_id]"), False,
     r"the source query returns no column\(s\) lead_id"),
    # a query's rows have no table of their own to update
    (("  table: refsync_", "  # table: refsync_"), False,
     r"write_back: a query source writes back to a side table"),
    # a table of that name that is not keyed by the source's primary key
    (None, True, r"side table 'refsync_\w+' exists but lacks key column\(s\) id"),
], ids=["key-not-in-query", "no-side-table", "side-table-without-key"])
def test_an_unusable_shipped_sql_mapping_is_refused_before_any_api_call(
        shipped: Shipped, crm_url: str, config: Path, tmp_path: Path, sandbox: SandboxHandle,
        cli: Cli, change: tuple[str, str] | None, side_table_before: bool, refused: str) -> None:
    text = (ROOT / "mappings" / shipped.mapping).read_text(encoding="utf-8")
    if change is not None:
        assert change[0] in text
        text = text.replace(*change)
    mapping = tmp_path / shipped.mapping
    mapping.write_text(text, encoding="utf-8")
    if side_table_before:
        execute(crm_url, f"CREATE TABLE {shipped.side_table} (lead_ref varchar(40) PRIMARY KEY, "
                         "referral_id varchar(64))")
    tables = table_names(crm_url)

    for command in (("sync",), ("reconcile", "--write-back")):
        code, printed = cli(command[0], "--mapping", str(mapping), "--source", crm_url,
                            "--config", str(config), "--output-dir", str(tmp_path / "out"),
                            *command[1:])
        assert code == 2, printed
        assert re.search(refused, printed), printed

    assert not any("referrals" in route for route in sandbox.stats()["requests"])
    assert table_names(crm_url) == tables, "nothing is created"
    if side_table_before:
        assert query(crm_url, f"SELECT count(*) AS n FROM {shipped.side_table}") == [{"n": 0}]
