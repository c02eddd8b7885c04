"""The ledger on real PostgreSQL and MariaDB: migrations, key locks, two workers at once."""

from __future__ import annotations

import asyncio
import threading

import pandas as pd
import pytest

from refsync.engine import RunOptions, SyncRun
from refsync.ledger import Ledger
from refsync.ledger.migrations import SCHEMA_VERSION, migrate
from refsync.planner import UpdatePolicy
from refsync.records import Outcome, RowResult
from tests.fakes import PATCHABLE, FakeDestination, FakeMapper

pytestmark = pytest.mark.integration


@pytest.fixture(params=["postgres_url", "mariadb_url"])
def server_ledger_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(request.param))


def test_migrations_are_idempotent_and_concurrent_safe(server_ledger_url: str) -> None:
    first = Ledger.open(server_ledger_url)
    second = Ledger.open(server_ledger_url)
    assert migrate(first.engine) == SCHEMA_VERSION
    assert migrate(second.engine) == SCHEMA_VERSION
    first.close()
    second.close()


def test_a_key_held_by_one_worker_is_refused_to_another_until_released(
        server_ledger_url: str) -> None:
    one, two = Ledger.open(server_ledger_url), Ledger.open(server_ledger_url)
    locks_one, locks_two = one.key_locks(), two.key_locks()
    try:
        assert locks_one.try_acquire(["a", "b"]) == {"a", "b"}
        assert locks_two.try_acquire(["a", "b", "c"]) == {"c"}
        locks_one.release(["a"])
        assert locks_two.try_acquire(["a"]) == {"a"}
        locks_one._conn.invalidate()  # type: ignore[attr-defined]  # the worker dies
        assert locks_two.acquire(["b"], timeout_s=5) == {"b"}, "a dead worker's locks go with it"
    finally:
        locks_two.close()
        one.close()
        two.close()


def test_two_workers_on_one_mapping_never_send_the_same_key_twice(
        server_ledger_url: str) -> None:
    rows = pd.DataFrame({"key": [f"K{i:04d}" for i in range(600)], "value": range(600)},
                        index=range(2, 602))
    remote = FakeDestination()
    results: dict[str, list[RowResult]] = {}
    start = threading.Barrier(2)

    def worker(name: str) -> None:
        ledger = Ledger.open(server_ledger_url)
        run = SyncRun(mapper=FakeMapper(), mapping_name="fake", destination=remote, ledger=ledger,
                      locks=ledger.key_locks(), policy=UpdatePolicy(patchable=PATCHABLE),
                      options=RunOptions(max_concurrency=4))

        async def go() -> list[RowResult]:
            out: list[RowResult] = []
            start.wait()
            for begin in range(0, len(rows), 50):
                out += await run.process(rows.iloc[begin : begin + 50])
            return out + await run.finish()

        try:
            results[name] = asyncio.run(go())
        finally:
            run.locks.close()
            ledger.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert set(results) == {"one", "two"}
    creates = [key for call, key in remote.calls if call == "create"]
    assert len(creates) == len(set(creates)) == 600, "every key created exactly once"
    assert remote.keys() == sorted(rows["key"])
    for outcome_list in results.values():
        assert len(outcome_list) == 600, "each worker accounts for every row"
        assert {r.outcome for r in outcome_list} <= {Outcome.CREATED, Outcome.UNCHANGED}
