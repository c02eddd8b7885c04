"""The idempotency protocol against an in-memory destination and a real SQLite ledger."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from refsync.engine import RunOptions, SyncRun
from refsync.errors import AuthError, TransientError
from refsync.executor import RetryPolicy
from refsync.ledger import EntryState, EntryUpdate, Intent, Ledger, RunStamp
from refsync.planner import UpdatePolicy
from refsync.plans import PlanStep
from refsync.records import Outcome
from tests.fakes import PATCHABLE, FakeDestination, FakeMapper, frame, uncertain

pytestmark = [pytest.mark.unit, pytest.mark.anyio]

POLICY = UpdatePolicy(patchable=PATCHABLE, frozen_statuses=frozenset({"Closed"}))
FAST = RunOptions(retry_policy=RetryPolicy(base_delay_s=0.0, max_delay_s=0.0))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    led = Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}")
    yield led
    led.close()


@pytest.fixture
def remote() -> FakeDestination:
    return FakeDestination()


def new_run(ledger: Ledger, remote: FakeDestination, *,
            expected_plan: dict[str, PlanStep] | None = None, **options: object) -> SyncRun:
    opts = replace(FAST, **options)  # type: ignore[arg-type]
    return SyncRun(mapper=FakeMapper(), mapping_name="fake", destination=remote, ledger=ledger,
                   locks=ledger.key_locks(), policy=POLICY, options=opts,
                   expected_plan=expected_plan)


async def sync(ledger: Ledger, remote: FakeDestination, *rows: tuple[object, ...],
               **options: object) -> dict[str, Outcome]:
    run = new_run(ledger, remote, **options)
    try:
        results = await run.process(frame(*rows)) + await run.finish()
    finally:
        run.locks.close()
    assert len(results) == len(rows), "every input row gets exactly one result"
    return {f"{r.key}@{r.row_number}": r.outcome for r in results}


async def test_new_rows_are_created_once_and_an_unchanged_rerun_sends_nothing(
        ledger: Ledger, remote: FakeDestination) -> None:
    first = await sync(ledger, remote, ("A", 10), ("B", 20))
    assert first == {"A@2": Outcome.CREATED, "B@3": Outcome.CREATED}
    remote.calls.clear()
    second = await sync(ledger, remote, ("A", 10), ("B", 20))
    assert second == {"A@2": Outcome.UNCHANGED, "B@3": Outcome.UNCHANGED}
    assert remote.calls == []
    assert remote.keys() == ["A", "B"]


async def test_a_changed_row_is_patched_on_the_changed_paths_only(
        ledger: Ledger, remote: FakeDestination) -> None:
    await sync(ledger, remote, ("A", 10, "first"))
    outcome = await sync(ledger, remote, ("A", 99, "first"))
    assert outcome == {"A@2": Outcome.UPDATED}
    (obj,) = remote.objects.values()
    assert obj["details"] == {"dealValue": 99, "notes": "first"}
    assert [c for c in remote.calls if c[0] != "create"] == [("update", "A")]


async def test_a_create_committed_then_dropped_is_adopted_not_duplicated(
        ledger: Ledger, remote: FakeDestination) -> None:
    remote.faults["A"] = [("commit", uncertain())]
    outcome = await sync(ledger, remote, ("A", 10))
    assert outcome == {"A@2": Outcome.CREATED}
    assert remote.keys() == ["A"]
    entry = ledger.entries(remote.target, ["A"])["A"]
    assert entry.state is EntryState.SYNCED
    assert entry.remote_id in remote.objects


async def test_an_uncertain_create_that_never_arrived_is_sent_again_once(
        ledger: Ledger, remote: FakeDestination) -> None:
    remote.faults["A"] = [uncertain()]
    assert await sync(ledger, remote, ("A", 10)) == {"A@2": Outcome.CREATED}
    assert remote.keys() == ["A"]
    assert [c[0] for c in remote.calls] == ["create", "resolve", "create"]


async def test_a_crash_after_the_remote_create_is_resolved_by_the_next_run(
        ledger: Ledger, remote: FakeDestination) -> None:
    """The process died after Partner Center created the deal but before the ledger heard."""
    run = new_run(ledger, remote)
    payload = {"externalReferenceId": "A", "details": {"dealValue": 10, "notes": ""}}
    with ledger.unit() as unit:
        unit.mark_pending(remote.target, [Intent("A", payload, "h", 2, ("A",), None)],
                          stamp=RunStamp("dead-run", "fake", "0" * 64), at=run._clock())
    await remote.create(payload)
    run.locks.close()
    assert await sync(ledger, remote, ("A", 10)) == {"A@2": Outcome.CREATED}
    assert remote.keys() == ["A"], "adopted, not created a second time"


async def test_a_crash_before_the_remote_create_leads_to_exactly_one_create(
        ledger: Ledger, remote: FakeDestination) -> None:
    payload = {"externalReferenceId": "A", "details": {"dealValue": 10, "notes": ""}}
    run = new_run(ledger, remote)
    with ledger.unit() as unit:
        unit.mark_pending(remote.target, [Intent("A", payload, "h", 2, ("A",), None)],
                          stamp=RunStamp("dead-run", "fake", "0" * 64), at=run._clock())
    run.locks.close()
    assert await sync(ledger, remote, ("A", 10)) == {"A@2": Outcome.CREATED}
    assert remote.keys() == ["A"]


async def test_a_rejected_row_is_held_until_its_data_changes(
        ledger: Ledger, remote: FakeDestination) -> None:
    assert await sync(ledger, remote, ("A", -1)) == {"A@2": Outcome.REJECTED}
    remote.calls.clear()
    assert await sync(ledger, remote, ("A", -1)) == {"A@2": Outcome.HELD}
    assert remote.calls == []
    assert await sync(ledger, remote, ("A", 5)) == {"A@2": Outcome.CREATED}


async def test_invalid_and_duplicate_rows_never_reach_the_api(
        ledger: Ledger, remote: FakeDestination) -> None:
    outcome = await sync(ledger, remote, ("A", 1), ("B", "bad"), ("A", 2))
    assert outcome == {"A@2": Outcome.CREATED, "B@3": Outcome.INVALID, "A@4": Outcome.DUPLICATE}
    assert remote.calls == [("create", "A")]


async def test_a_deal_changed_in_partner_center_is_reported_as_a_conflict(
        ledger: Ledger, remote: FakeDestination) -> None:
    await sync(ledger, remote, ("A", 10))
    remote.edit("A", status="Active")
    assert await sync(ledger, remote, ("A", 11)) == {"A@2": Outcome.CONFLICT}
    (obj,) = remote.objects.values()
    assert obj["details"]["dealValue"] == 10, "not overwritten blindly"
    assert ledger.entries(remote.target, ["A"])["A"].state is EntryState.CONFLICT
    assert await sync(ledger, remote, ("A", 11)) == {"A@2": Outcome.HELD}


async def test_our_own_update_whose_answer_was_lost_is_recognised_after_a_412(
        ledger: Ledger, remote: FakeDestination) -> None:
    await sync(ledger, remote, ("A", 10))
    (obj,) = remote.objects.values()
    obj["details"]["dealValue"] = 11  # the PATCH arrived; its answer did not
    obj["eTag"] = "changed-by-our-lost-update"
    assert await sync(ledger, remote, ("A", 11)) == {"A@2": Outcome.UPDATED}


async def test_closed_deals_are_never_patched(ledger: Ledger, remote: FakeDestination) -> None:
    await sync(ledger, remote, ("A", 10))
    remote.edit("A", status="Closed")
    closed = await remote.get(ledger.entries(remote.target, ["A"])["A"].remote_id or "")
    with ledger.unit() as unit:  # what reconciliation records when it reads the deal back
        unit.record(remote.target, [EntryUpdate("A", EntryState.SYNCED, remote=closed, attempts=0)],
                    stamp=RunStamp("reconcile", "fake", "0" * 64), at=datetime.now(UTC))
    remote.calls.clear()
    assert await sync(ledger, remote, ("A", 12)) == {"A@2": Outcome.HELD}
    assert remote.calls == []


async def test_transient_failures_are_retried_within_the_budget(
        ledger: Ledger, remote: FakeDestination) -> None:
    remote.faults["A"] = [TransientError("busy", status=503), TransientError("busy", status=503)]
    assert await sync(ledger, remote, ("A", 10)) == {"A@2": Outcome.CREATED}
    remote.faults["B"] = [TransientError("busy", status=503)] * 3
    assert await sync(ledger, remote, ("B", 10), retry_budget=1) == {"B@2": Outcome.FAILED}
    assert ledger.entries(remote.target, ["B"])["B"].state is EntryState.PENDING
    assert await sync(ledger, remote, ("B", 10)) == {"B@2": Outcome.CREATED}
    assert remote.keys() == ["A", "B"]


async def test_an_auth_error_stops_the_run(ledger: Ledger, remote: FakeDestination) -> None:
    remote.faults["A"] = [AuthError("401 from the API")]
    with pytest.raises(AuthError):
        await sync(ledger, remote, ("A", 10), ("B", 20))


async def test_a_plan_is_applied_exactly_or_refused_when_the_ledger_moved_on(
        ledger: Ledger, remote: FakeDestination) -> None:
    from refsync.plans import PlanOutdated

    await sync(ledger, remote, ("A", 10))
    preview_run = new_run(ledger, remote)
    settled, planned = preview_run.preview(frame(("A", 11), ("B", 1), ("C", "bad")))
    preview_run.locks.close()
    assert [r.outcome for r in settled] == [Outcome.INVALID]
    steps = {p.key: PlanStep.of(p) for p in planned}
    assert {k: s.action for k, s in steps.items()} == {"A": "update", "B": "create"}
    assert remote.calls == [("create", "A")], "previewing sends nothing"

    await sync(ledger, remote, ("A", 12))  # someone ran a sync in between
    remote.calls.clear()
    run = new_run(ledger, remote, expected_plan=steps)
    with pytest.raises(PlanOutdated, match="A: planned update"):
        await run.process(frame(("A", 11), ("B", 1)))
    run.locks.close()
    assert remote.calls == [], "a refused plan sends nothing"


async def test_an_up_to_date_plan_is_applied(ledger: Ledger, remote: FakeDestination) -> None:
    preview_run = new_run(ledger, remote)
    _, planned = preview_run.preview(frame(("A", 1), ("B", 2)))
    preview_run.locks.close()
    run = new_run(ledger, remote, expected_plan={p.key: PlanStep.of(p) for p in planned})
    results = await run.process(frame(("A", 1), ("B", 2)))
    run.locks.close()
    assert [r.outcome for r in results] == [Outcome.CREATED, Outcome.CREATED]
