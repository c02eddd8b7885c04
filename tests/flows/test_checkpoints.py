"""The checkpoint of a backfill partition never passes a row that must be read again."""

from __future__ import annotations

import pytest

from flows.checkpoints import Checkpointer
from refsync.records import Outcome, RowResult

pytestmark = pytest.mark.unit


def results(*rows: tuple[int, Outcome]) -> list[RowResult]:
    return [RowResult(row_number=row, key=f"K{row}", outcome=outcome) for row, outcome in rows]


def test_the_checkpoint_stays_below_the_last_watermark_read() -> None:
    cp = Checkpointer(None)
    # rows 3 and 4 share watermark 20: row 5 (also 20) may follow in the next chunk
    mark = cp.advance({1: 10, 2: 10, 3: 20, 4: 20},
                      results((1, Outcome.CREATED), (2, Outcome.CREATED),
                              (3, Outcome.CREATED), (4, Outcome.UNCHANGED)))
    assert mark == 10
    mark = cp.advance({5: 20, 6: 30}, results((5, Outcome.CREATED), (6, Outcome.CREATED)))
    assert mark == 20


def test_a_failed_row_holds_the_checkpoint_for_the_rest_of_the_run() -> None:
    cp = Checkpointer(None)
    assert cp.advance({1: 10, 2: 20, 3: 30},
                      results((1, Outcome.CREATED), (2, Outcome.FAILED),
                              (3, Outcome.CREATED))) == 10
    assert cp.advance({4: 40, 5: 50}, results((4, Outcome.CREATED), (5, Outcome.CREATED))) == 10


def test_a_deferred_row_without_a_result_holds_the_checkpoint() -> None:
    cp = Checkpointer(None)
    assert cp.advance({1: 10, 2: 20, 3: 30, 4: 40},
                      results((1, Outcome.CREATED), (3, Outcome.CREATED),
                              (4, Outcome.CREATED))) == 10


def test_rejected_and_invalid_rows_are_settled() -> None:
    cp = Checkpointer(None)
    assert cp.advance({1: 10, 2: 20, 3: 30},
                      results((1, Outcome.REJECTED), (2, Outcome.INVALID),
                              (3, Outcome.CREATED))) == 20


def test_nothing_settled_keeps_the_start() -> None:
    cp = Checkpointer(5)
    assert cp.advance({1: 10}, results((1, Outcome.CREATED))) == 5
    assert cp.advance({}, []) == 5
