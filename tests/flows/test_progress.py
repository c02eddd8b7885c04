"""``refsync progress`` and the backfill summary table, from the ledger's backfill tables."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from entrypoints.cli import main
from flows.backfill import BackfillOutcome
from flows.backfill_state import BackfillState, PartitionState, checkpoint_name, split_window
from refsync.ledger import Ledger

pytestmark = pytest.mark.unit


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "refsync.toml"
    path.write_text('tenant_id = "contoso.onmicrosoft.com"\nclient_id = "app"\n'
                    f'ledger_url = "sqlite:///{tmp_path / "ledger.db"}"\n')
    return path


def test_progress_without_any_backfill_says_so(config: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["progress", "--config", str(config)]) == 0
    assert "no backfill recorded" in capsys.readouterr().out


def test_progress_shows_each_partition_with_its_checkpoint_and_todays_spend(
        config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ledger = Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}")
    try:
        state = BackfillState(ledger.engine)
        state.register("b1", "crm-leads", split_window(datetime(2024, 1, 1),
                                                       datetime(2024, 1, 3), 2))
        state.update("b1", 0, state=PartitionState.DONE, rows=100, requests=100)
        state.update("b1", 1, state=PartitionState.PAUSED, rows=40, requests=41)
        with ledger.unit() as unit:
            unit.set_watermark(checkpoint_name("b1", 1), datetime(2024, 1, 2, 6), run_id="r")
        parts = tuple(state.partitions("b1"))
    finally:
        ledger.close()

    assert main(["progress", "--config", str(config), "--backfill", "b1"]) == 0
    out = capsys.readouterr().out
    assert "backfill b1 (crm-leads)" in out
    assert "done" in out
    assert "paused" in out
    assert "2024-01-02T06:00:00" in out

    table = BackfillOutcome(backfill_id="b1", partitions=parts, failed_partitions=0,
                            projected_finish=datetime(2031, 5, 3, 12)).table()
    assert "     141" in table  # rows in all
    assert "finishes around 2031-05-03 12:00 UTC" in table
