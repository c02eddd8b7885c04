"""CRM-shaped databases sync incrementally: changed rows only, write-back visible in the CRM.

SuiteCRM on MariaDB (e-mails through ``email_addr_bean_rel``, write-back to a side table: a
SuiteCRM schema belongs to SuiteCRM) and Odoo on PostgreSQL (country and stage through foreign
keys, write-back into ``x_`` columns of ``crm_lead`` itself). Each test plays two nightly runs:
the first reads everything and writes results back, the second reads only what changed since the
first run's high-water mark, proving the write-back did not itself count as a change.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from connectors.sources import SqlSource, open_source
from connectors.writeback import WriteBackColumns, open_writeback
from refsync.records import Outcome, RowResult
from refsync.source_spec import SqlSourceSpec
from tests.sources.crm_schemas import ODOO_DDL, ODOO_QUERY, SUITECRM_DDL, SUITECRM_QUERY

pytestmark = pytest.mark.integration

MONDAY = dt.datetime(2026, 11, 16, 8, 0)


def execute(url: str, statements: list[str], params: list[dict[str, Any]] | None = None) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(sa.text(statement), params or [{}])
    engine.dispose()


def fetch(url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(sa.text(sql))]
    engine.dispose()
    return rows


def read(source: SqlSource) -> pd.DataFrame:
    frames = list(source.chunks(2))
    return pd.concat(frames) if frames else pd.DataFrame()


def results_for(frame: pd.DataFrame, key: str) -> list[RowResult]:
    """What the executor would report for these rows: every row created."""
    return [
        RowResult(int(number), str(row[key]), Outcome.CREATED, remote_id=f"ref-{row[key]}",
                  source_id=(row[key],))
        for number, row in frame.iterrows()
    ]


@pytest.fixture
def suitecrm(mariadb_url: str) -> str:
    execute(mariadb_url, SUITECRM_DDL)
    leads = []
    for n in range(1, 6):
        lead_id = str(uuid.UUID(int=n))
        leads.append({"id": lead_id, "first": f"Ada{n}", "company": f"Contoso {n}",
                      "country": "Germany" if n % 2 else "", "mod": MONDAY + dt.timedelta(hours=n),
                      "deleted": 1 if n == 5 else 0})
    execute(mariadb_url, [
        "INSERT INTO leads (id, date_entered, date_modified, deleted, first_name, last_name, "
        "account_name, primary_address_country) VALUES (:id, :mod, :mod, :deleted, :first, "
        "'Lovelace', :company, :country)"
    ], leads)
    emails = [{"id": str(uuid.uuid4()), "rel": str(uuid.uuid4()), "bean": str(uuid.UUID(int=n)),
               "email": f"ada{n}@contoso.example"} for n in (1, 2, 3)]
    execute(mariadb_url, [
        "INSERT INTO email_addresses (id, email_address, email_address_caps) "
        "VALUES (:id, :email, UPPER(:email))",
        "INSERT INTO email_addr_bean_rel (id, email_address_id, bean_id, bean_module, "
        "primary_address) VALUES (:rel, :id, :bean, 'Leads', 1)",
    ], emails)
    return mariadb_url


def test_suitecrm_on_mariadb_syncs_incrementally_with_a_side_table(suitecrm: str) -> None:
    spec = SqlSourceSpec(query=SUITECRM_QUERY, primary_key=("id",), watermark="date_modified")
    names = WriteBackColumns("referral_id", "referral_status", "synced_at", "error")

    with open_source(spec, suitecrm) as source:
        first = read(source)
        mark = source.high_water_mark
    assert len(first) == 4, "the soft-deleted lead is not read"
    by_name = first.set_index("first_name")
    assert by_name.loc["Ada1", "email_address"] == "ada1@contoso.example"
    assert by_name.loc["Ada4", "email_address"] is None, "a lead without e-mail is kept (NULL)"
    assert by_name.loc["Ada2", "primary_address_country"] == "", "empty string is not NULL"
    assert mark == MONDAY + dt.timedelta(hours=4)

    writeback = open_writeback(spec, suitecrm, table="leads", side_table="leads_refsync",
                               columns=names)
    writeback.write(results_for(first, "id"))
    writeback.close()
    assert fetch(suitecrm, "SELECT count(*) FROM leads_refsync WHERE referral_id LIKE 'ref-%'") \
        == [(4,)]

    # Tuesday: one lead is edited in SuiteCRM; the write-back above changed nothing it reads.
    execute(suitecrm, [
        "UPDATE leads SET account_name = 'Contoso Group', date_modified = :t WHERE id = :id"
    ], [{"t": MONDAY + dt.timedelta(days=1), "id": str(uuid.UUID(int=3))}])
    with open_source(spec, suitecrm, since=mark) as source:
        second = read(source)
    assert list(second["account_name"]) == ["Contoso Group"]
    assert list(second.index) == [1]


@pytest.fixture
def odoo(postgres_url: str) -> str:
    execute(postgres_url, ODOO_DDL)
    execute(postgres_url, [
        "INSERT INTO res_country (name, code) VALUES "
        "('{\"en_US\": \"Germany\"}', 'DE'), ('{\"en_US\": \"France\"}', 'FR')",
        "INSERT INTO crm_stage (name, sequence) VALUES "
        "('{\"en_US\": \"New\"}', 1), ('{\"en_US\": \"Qualified\"}', 2)",
    ])
    leads = [{"name": f"Deal {n}", "partner": f"Fabrikam {n}", "email": f"buyer{n}@fab.example",
              "country": 1 + n % 2, "stage": 1 + n % 2, "type": "lead" if n == 4 else "opportunity",
              "revenue": 1000 * n, "when": MONDAY + dt.timedelta(minutes=n)} for n in range(1, 6)]
    execute(postgres_url, [
        "INSERT INTO crm_lead (name, partner_name, email_from, country_id, stage_id, type, "
        "expected_revenue, create_date, write_date) VALUES (:name, :partner, :email, :country, "
        ":stage, :type, :revenue, :when, :when)"
    ], leads)
    return postgres_url


def test_odoo_on_postgres_syncs_incrementally_writing_back_into_crm_lead(odoo: str) -> None:
    spec = SqlSourceSpec(query=ODOO_QUERY, primary_key=("id",), watermark="write_date")
    names = WriteBackColumns("x_referral_id", "x_referral_status", "x_referral_synced_at",
                             "x_referral_error")

    with open_source(spec, odoo) as source:
        first = read(source)
        mark = source.high_water_mark
    assert list(first["id"]) == [1, 2, 3, 5], "leads (not opportunities) are filtered by the query"
    row = first.set_index("id").loc[1]
    assert (row["country_code"], row["stage"]) == ("FR", "Qualified")

    writeback = open_writeback(spec, odoo, table="crm_lead", columns=names, batch_size=3)
    results = results_for(first, "id")
    results[1] = RowResult(results[1].row_number, "2", Outcome.REJECTED,
                           error="400: customerProfile.address.country is invalid",
                           source_id=(2,))
    writeback.write(results)
    writeback.close()
    assert fetch(odoo, "SELECT id, x_referral_id, x_referral_status FROM crm_lead "
                       "WHERE x_referral_status IS NOT NULL ORDER BY id") == [
        (1, "ref-1", "created"), (2, None, "rejected"), (3, "ref-3", "created"),
        (5, "ref-5", "created"),
    ]
    synced = fetch(odoo, "SELECT x_referral_synced_at FROM crm_lead WHERE id = 1")[0][0]
    assert synced.tzinfo is not None

    with open_source(spec, odoo, since=mark) as source:
        assert read(source).empty, "the write-back itself is not a change"

    execute(odoo, ["UPDATE crm_lead SET country_id = 2, write_date = :t WHERE id = 2"],
            [{"t": MONDAY + dt.timedelta(days=1)}])
    with open_source(spec, odoo, since=mark) as source:
        second = read(source)
    assert list(second["id"]) == [2]
    assert second.iloc[0]["country_code"] == "FR"
