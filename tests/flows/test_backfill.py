"""The backfill flow and ``refsync backfill`` against the sandbox, on a SQLite CRM."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

import flows.backfill as backfill_module
from entrypoints.cli import main
from flows.backfill import BackfillOutcome, backfill
from flows.backfill_state import PartitionState
from tests.fixtures.sandbox import SandboxHandle
from tests.flows.crm import MAPPING, make_leads

pytestmark = pytest.mark.integration


async def run_backfill(**parameters: object) -> BackfillOutcome:
    state = await backfill(**parameters, return_state=True)
    outcome = await state.aresult(raise_on_failure=False)
    assert isinstance(outcome, BackfillOutcome), outcome
    return outcome


def referrals(sandbox: SandboxHandle) -> tuple[int, list[str]]:
    stats = sandbox.stats()
    return stats["objects"]["referral"], stats["duplicate_external_reference_ids"]


@pytest.mark.anyio
async def test_a_partitioned_backfill_syncs_every_row_once_and_a_rerun_sends_nothing(
        sandbox: SandboxHandle, flow_config: Path, tmp_path: Path) -> None:
    crm = f"sqlite:///{tmp_path / 'crm.db'}"
    since, until = make_leads(crm, 240)
    args = {"mapping": str(MAPPING), "source": crm, "since": since, "until": until,
            "partitions": 3, "config": str(flow_config), "chunk_size": 50}

    first = await run_backfill(**args)
    assert first.done
    assert first.rows == 240
    assert first.failed_partitions == 0
    assert [p.state for p in first.partitions] == [PartitionState.DONE] * 3
    assert referrals(sandbox) == (240, [])

    again = await run_backfill(**args)  # every partition is done: nothing is read or sent
    assert again.done
    assert again.requests == first.requests
    assert referrals(sandbox) == (240, [])


@pytest.mark.anyio
async def test_the_daily_budget_pauses_the_backfill_and_the_next_day_continues_it(
        sandbox: SandboxHandle, flow_config: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    crm = f"sqlite:///{tmp_path / 'crm.db'}"
    since, until = make_leads(crm, 200)
    args = {"mapping": str(MAPPING), "source": crm, "since": since, "until": until,
            "partitions": 2, "config": str(flow_config), "chunk_size": 40,
            "api_budget_per_day": 100}
    monkeypatch.setattr(backfill_module, "_today", lambda: date(2031, 5, 1))

    day1 = await run_backfill(**args)
    assert day1.paused
    assert not day1.done
    assert day1.requests <= 100  # no chunk started that the budget could not pay for
    assert day1.projected_finish is not None
    assert day1.projected_finish.date() >= date(2031, 5, 2)
    created, duplicates = referrals(sandbox)
    assert created == day1.requests
    assert duplicates == []
    assert "finishes around" in day1.table()

    same_day = await run_backfill(**args)  # the budget is spent: nothing more today
    assert same_day.requests == day1.requests

    days = iter([date(2031, 5, 2), date(2031, 5, 3)])
    today = next(days)
    monkeypatch.setattr(backfill_module, "_today", lambda: today)
    while True:
        outcome = await run_backfill(**args)
        if outcome.done:
            break
        today = next(days)
    assert outcome.rows >= 200
    assert outcome.requests == 200
    assert referrals(sandbox) == (200, [])


Cli = Callable[..., tuple[int, str]]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    def run(*args: str) -> tuple[int, str]:
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    return run


def test_refsync_backfill_prints_the_partitions_and_progress_and_exits_0(
        sandbox: SandboxHandle, flow_config: Path, tmp_path: Path, cli: Cli) -> None:
    crm = f"sqlite:///{tmp_path / 'crm.db'}"
    since, until = make_leads(crm, 60)
    code, out = cli("backfill", "--mapping", str(MAPPING), "--source", crm,
                    "--since", since.isoformat(), "--until", until.isoformat(),
                    "--partitions", "2", "--chunk-size", "20", "--config", str(flow_config))
    assert code == 0, out
    assert "progress: partition 0: +20 rows" in out
    assert " all  " in out
    assert "done" in out
    assert referrals(sandbox) == (60, [])

    code, out = cli("progress", "--config", str(flow_config))
    assert code == 0, out
    assert out.count(" done ") == 2


def test_refsync_backfill_of_a_spreadsheet_mapping_is_a_configuration_error(
        sandbox: SandboxHandle, flow_config: Path, tmp_path: Path, cli: Cli) -> None:
    spreadsheet_mapping = Path(__file__).parents[2] / "mappings" / "dynamics365-leads.yaml"
    code, out = cli("backfill", "--mapping", str(spreadsheet_mapping), "--source", "x.xlsx",
                    "--since", "2024-01-01", "--until", "2024-02-01",
                    "--config", str(flow_config))
    assert code == 2
    assert "cannot be backfilled" in out
    assert sandbox.stats()["objects"]["referral"] == 0


@pytest.mark.anyio
async def test_a_partition_of_an_unknown_backfill_is_a_configuration_error(
        flow_config: Path, tmp_path: Path) -> None:
    from flows.backfill import backfill_partition
    from refsync.errors import ConfigurationError

    crm = f"sqlite:///{tmp_path / 'crm.db'}"
    since, until = make_leads(crm, 3)
    with pytest.raises(ConfigurationError, match="registered by the backfill flow"):
        await backfill_partition(mapping=str(MAPPING), source=crm, backfill="nope", partition=0,
                                 since=since, until=until, config=str(flow_config))
