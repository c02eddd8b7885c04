"""Backfill bookkeeping in the ledger's database: partitions, identity, the daily budget."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from flows.backfill import BackfillParameters
from flows.backfill_state import (
    BackfillState,
    PartitionState,
    backfill_id,
    split_window,
)
from flows.parameters import parse_parameters
from refsync.errors import ConfigurationError
from refsync.ledger import Ledger

pytestmark = pytest.mark.unit

START = datetime(2024, 1, 1)
END = datetime(2024, 1, 5)


@pytest.fixture
def state(tmp_path: Path) -> BackfillState:
    ledger = Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}")
    return BackfillState(ledger.engine)


def test_windows_are_adjacent_and_cover_the_whole_range() -> None:
    windows = split_window(START, END, 4)
    assert windows[0][0] == START
    assert windows[-1][1] == END
    assert all(a[1] == b[0] for a, b in itertools.pairwise(windows))
    assert [end - start for start, end in windows] == [timedelta(days=1)] * 4


def test_the_same_inputs_name_the_same_backfill() -> None:
    one = backfill_id("m", "env:CRM", START, END, 4)
    assert one == backfill_id("m", "env:CRM", START, END, 4)
    assert one != backfill_id("m", "env:CRM", START, END, 3)


def test_registering_twice_keeps_the_progress(state: BackfillState) -> None:
    first = state.register("b1", "m", split_window(START, END, 2))
    assert [p.state for p in first] == [PartitionState.PENDING] * 2
    state.update("b1", 0, state=PartitionState.DONE, rows=10, requests=12)
    again = state.register("b1", "m", split_window(START, END, 2))
    assert (again[0].state, again[0].rows, again[0].requests) == (PartitionState.DONE, 10, 12)
    with pytest.raises(LookupError):
        state.partition("b1", 7)


def test_the_budget_is_never_overspent_by_reservations(state: BackfillState) -> None:
    day = date(2024, 3, 1)
    assert state.reserve("b1", day, 40, budget=100)
    assert state.reserve("b1", day, 40, budget=100)
    assert not state.reserve("b1", day, 40, budget=100)  # 120 > 100: refused, nothing taken
    assert state.used_on("b1", day) == 80
    state.adjust("b1", day, -30)  # the chunks cost less than reserved
    assert state.reserve("b1", day, 40, budget=100)
    assert state.used_on("b1", day) == 90
    assert state.used_on("b1", day + timedelta(days=1)) == 0  # a new day, a new budget


@pytest.mark.parametrize(("changes", "message"), [
    ({"since": END, "until": START}, "since must be before until"),
    ({"api_budget_per_day": 10, "chunk_size": 50}, "at least one chunk"),
    ({"rate_limit_per_s": 50}, "needs rate_limit_name"),
    ({"partitions": 0}, "partitions"),
    ({"until": None}, "until"),
])
def test_bad_backfill_parameters_are_refused_clearly(changes: dict[str, object],
                                                     message: str) -> None:
    values: dict[str, object] = {"mapping": "m.yaml", "source": "sqlite://", "since": START,
                                 "until": END, **changes}
    with pytest.raises(ConfigurationError, match=message):
        parse_parameters(BackfillParameters, **values)
