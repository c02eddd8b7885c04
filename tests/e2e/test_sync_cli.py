"""``refsync sync`` and ``refsync apply`` against the sandbox, on a SQL CRM with write-back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.e2e.conftest import last_report, signed_in_config
from tests.factories import EPOCH, make_crm, write_leads_mapping
from tests.fixtures.sandbox import SandboxHandle

pytestmark = pytest.mark.e2e

Cli = Callable[..., tuple[int, str]]


def crm_rows(url: str) -> list[sa.Row[tuple[object, ...]]]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = list(conn.execute(sa.text(
            "SELECT id, referral_id, referral_status, referral_error FROM leads ORDER BY id")))
    engine.dispose()
    return rows


def test_incremental_sql_sync_writes_back_and_reads_only_changed_rows(
        tmp_path: Path, sandbox: SandboxHandle, cli: Cli) -> None:
    assert sandbox.config_path is not None
    crm = f"sqlite:///{tmp_path / 'crm.db'}"
    make_crm(crm, 120)
    mapping = write_leads_mapping(tmp_path / "leads.yaml")
    config = signed_in_config(sandbox.config_path, tmp_path / "run")

    code, out = cli("sync", "--mapping", str(mapping), "--source", crm, "--config", str(config))
    assert code == 0, out
    assert last_report(tmp_path / "run" / "runs")["counts"]["created"] == 120
    rows = crm_rows(crm)
    assert all(r.referral_id and r.referral_status == "created" for r in rows)
    assert len({r.referral_id for r in rows}) == 120

    engine = sa.create_engine(crm)
    with engine.begin() as conn:  # a salesperson edits three deals and adds one lead
        conn.execute(sa.text("UPDATE leads SET deal_value = 99, modified_on = :t WHERE id <= 3"),
                     {"t": EPOCH + timedelta(days=400)})
        conn.execute(sa.text(
            "INSERT INTO leads (id, lead_ref, topic, company, street, city, country, first_name,"
            " last_name, email, phone, deal_value, close_date, modified_on) SELECT 999, 'NEW-1',"
            " topic, company, street, city, country, first_name, last_name, email, phone,"
            " deal_value, close_date, :t FROM leads WHERE id = 4"),
            {"t": EPOCH + timedelta(days=401)})
    engine.dispose()
    sandbox_before = sandbox.stats()["objects"]["referral"]

    code, out = cli("sync", "--mapping", str(mapping), "--source", crm, "--config", str(config))
    assert code == 0, out
    counts = last_report(tmp_path / "run" / "runs")["counts"]
    assert counts["updated"] == 3
    assert counts["created"] == 1
    assert sum(counts.values()) == 4, "the watermark limits the run to changed rows"
    assert sandbox.stats()["objects"]["referral"] == sandbox_before + 1
    deals = sandbox.state()["referrals"]
    edited = [r for r in deals if r["externalReferenceId"].endswith("0000001")]
    assert edited[0]["details"]["dealValue"] == 99


def test_a_reviewed_plan_is_applied_and_a_stale_one_refused(
        tmp_path: Path, sandbox: SandboxHandle, cli: Cli) -> None:
    assert sandbox.config_path is not None
    crm = f"sqlite:///{tmp_path / 'crm.db'}"
    make_crm(crm, 30)
    mapping = write_leads_mapping(tmp_path / "leads.yaml")
    config = signed_in_config(sandbox.config_path, tmp_path / "run")
    plan = tmp_path / "plan.json"

    code, out = cli("sync", "--mapping", str(mapping), "--source", crm, "--config", str(config),
                    "--plan", str(plan))
    assert code == 0, out
    assert "30 create" in out
    assert sandbox.stats()["objects"]["referral"] == 0, "planning sends nothing"

    code, out = cli("apply", str(plan), "--config", str(config))
    assert code == 0, out
    assert sandbox.stats()["objects"]["referral"] == 30

    code, out = cli("apply", str(plan), "--config", str(config))
    assert code == 2
    assert "moved on" in out or "changed since" in out
    assert sandbox.stats()["objects"]["referral"] == 30, "a stale plan sends nothing"
