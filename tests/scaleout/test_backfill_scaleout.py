"""Scale-out on Prefect itself: a PostgreSQL-backed server, two process workers, one shared
PostgreSQL ledger, partitions fanned out as flow runs, and one API rate limit for all of them.

The claims: every row of the window is synced exactly once, the rate limit is never exceeded
(the sandbox measures the peak number of creates in any one-second window), and a backfill whose
workers are killed halfway finishes, when started again, with no duplicate and no gap.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.fixtures.sandbox import SandboxHandle
from tests.flows.conftest import sign_in, write_config
from tests.flows.crm import MAPPING, make_leads
from tests.scaleout.conftest import PrefectServer
from tests.scaleout.processes import Child, wait_for_line

# Prefect server start, deployment, 20,000 creates through four flow runs: minutes on 2 cores.
pytestmark = [pytest.mark.slow, pytest.mark.e2e, pytest.mark.timeout(900)]

RATE_LIMIT_PER_S = 200
REFERRALS = "POST /v1.0/engagements/referrals"


def backfill_params(crm: str, config: Path, since: datetime, until: datetime) -> list[str]:
    values = {"mapping": str(MAPPING), "source": crm, "config": str(config),
              "since": since.isoformat(), "until": until.isoformat(), "partitions": 4,
              "chunk_size": 250, "rate_limit_name": "refsync-test-api",
              "rate_limit_per_s": RATE_LIMIT_PER_S}
    return ["--params", json.dumps(values)]


def run_backfill(server: PrefectServer, params: list[str], *, watch: bool) -> str:
    args = ["deployment", "run", "backfill/backfill", *params]
    if watch:
        args += ["--watch", "--watch-interval", "1", "--watch-timeout", "720"]
    return server.cli(*args, timeout=760)


def ledger_keys(ledger_url: str) -> dict[str, str]:
    engine = sa.create_engine(ledger_url)
    try:
        with engine.connect() as conn:
            return {key: state for key, state in conn.execute(
                sa.text("SELECT key, state FROM refsync_entries"))}
    finally:
        engine.dispose()


def test_a_four_partition_backfill_on_two_workers_syncs_20000_rows_once_within_the_limit(
        prefect_server: PrefectServer, start_worker: Callable[[str], Child],
        sandbox: SandboxHandle, postgres_url: str, tmp_path: Path) -> None:
    assert sandbox.config_path is not None
    crm = f"sqlite:///{tmp_path / 'crm.db'}"
    since, until = make_leads(crm, 20_000)
    config = write_config(sandbox.config_path, tmp_path / "run" / "refsync.toml",
                          ledger_url=postgres_url)
    sign_in(config)
    start_worker("worker-a")
    start_worker("worker-b")

    out = run_backfill(prefect_server, backfill_params(crm, config, since, until), watch=True)
    assert "Completed" in out, out

    stats = sandbox.stats()
    assert stats["objects"]["referral"] == 20_000
    assert stats["duplicate_external_reference_ids"] == []
    assert stats["requests"][REFERRALS] == {"201": 20_000}
    assert stats["peak_rate_per_s"][REFERRALS] <= RATE_LIMIT_PER_S
    workers_used = {name for name in ("worker-a", "worker-b")
                    if "backfill-partition" in (tmp_path / f"{name}.log").read_text()}
    assert workers_used == {"worker-a", "worker-b"}  # 5 flow runs, at most 3 per worker


def test_a_backfill_killed_halfway_finishes_when_started_again_with_no_duplicate_or_gap(
        prefect_server: PrefectServer, start_worker: Callable[[str], Child],
        sandbox: SandboxHandle, postgres_url: str, tmp_path: Path) -> None:
    assert sandbox.config_path is not None
    rows = 6_000
    crm = f"sqlite:///{tmp_path / 'crm.db'}"
    since, until = make_leads(crm, rows)
    config = write_config(sandbox.config_path, tmp_path / "run" / "refsync.toml",
                          ledger_url=postgres_url)
    sign_in(config)
    params = backfill_params(crm, config, since, until)
    first = [start_worker("worker-c"), start_worker("worker-d")]

    run_backfill(prefect_server, params, watch=False)
    done = 0

    def halfway(source: str, line: str) -> bool:
        nonlocal done
        if source in ("worker-c", "worker-d") and "backfill chunk done" in line:
            done += 250  # one chunk of one partition (flows/backfill.py logs it)
        return done >= rows // 3

    wait_for_line(prefect_server.lines, halfway, timeout_s=240, what="a third of the rows")
    for worker in first:
        worker.kill_tree()  # SIGKILL: the workers and every flow run they started
    killed_at = sandbox.stats()["objects"]["referral"]
    assert 0 < killed_at < rows

    start_worker("worker-e")
    start_worker("worker-f")
    out = run_backfill(prefect_server, params, watch=True)
    assert "Completed" in out, out

    stats = sandbox.stats()
    assert stats["duplicate_external_reference_ids"] == []
    assert stats["objects"]["referral"] == rows
    remote = {r["externalReferenceId"] for r in sandbox.state()["referrals"]}
    assert remote == {f"LEAD-{i:06d}" for i in range(rows)}  # no gap
    assert set(ledger_keys(postgres_url).values()) == {"synced"}
