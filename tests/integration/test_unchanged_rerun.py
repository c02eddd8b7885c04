"""An unchanged rerun of 100,000 rows makes zero API calls (issue 6)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from connectors.sources import open_source
from refsync.engine import SyncRun
from refsync.ledger import Ledger
from refsync.mapping import compile_mapping, load_mapping
from refsync.policies import update_policy
from refsync.records import Outcome
from tests.factories import make_crm, write_leads_mapping
from tests.fakes import FakeDestination

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROWS = 100_000


def run_once(ledger: Ledger, remote: FakeDestination, mapping: Path, crm: str) -> dict[str, int]:
    spec = load_mapping(mapping)
    compiled = compile_mapping(spec)
    source = open_source(spec.source, crm)
    run = SyncRun(mapper=compiled, mapping_name=spec.name, destination=remote, ledger=ledger,
                  locks=ledger.key_locks(), policy=update_policy(spec.target.type))

    async def go() -> dict[str, int]:
        counts: dict[str, int] = {}
        for frame in source.chunks(5_000):
            for result in await run.process(frame):
                counts[result.outcome.value] = counts.get(result.outcome.value, 0) + 1
        for result in await run.finish():
            counts[result.outcome.value] = counts.get(result.outcome.value, 0) + 1
        return counts

    try:
        return asyncio.run(go())
    finally:
        run.locks.close()


def test_an_unchanged_rerun_of_100000_rows_sends_nothing(tmp_path: Path) -> None:
    crm = f"sqlite:///{tmp_path / 'crm.db'}"
    make_crm(crm, ROWS)
    mapping = write_leads_mapping(tmp_path / "leads.yaml")
    ledger = Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}")
    remote = FakeDestination()
    try:
        assert run_once(ledger, remote, mapping, crm) == {Outcome.CREATED.value: ROWS}
        remote.calls.clear()
        assert run_once(ledger, remote, mapping, crm) == {Outcome.UNCHANGED.value: ROWS}
        assert remote.calls == [], "zero API calls"
    finally:
        ledger.close()
