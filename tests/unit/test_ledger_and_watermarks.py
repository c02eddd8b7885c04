from datetime import UTC, datetime

import pytest

from refsync.records import Outcome
from refsync.watermarks import advanced_watermark

pytestmark = pytest.mark.unit


def t(hour: int) -> datetime:
    return datetime(2026, 11, 1, hour, tzinfo=UTC)


def test_the_mark_moves_to_the_newest_settled_row() -> None:
    rows = [(t(1), Outcome.CREATED), (t(3), Outcome.UNCHANGED), (t(2), Outcome.REJECTED)]
    assert advanced_watermark(rows, previous=None) == t(3)


def test_the_mark_never_passes_a_failed_row() -> None:
    rows = [(t(1), Outcome.CREATED), (t(2), Outcome.FAILED), (t(3), Outcome.CREATED)]
    assert advanced_watermark(rows, previous=None) == t(1)


def test_no_settled_row_below_a_failure_keeps_the_old_mark() -> None:
    rows = [(t(2), Outcome.FAILED), (t(3), Outcome.CREATED)]
    assert advanced_watermark(rows, previous=t(0)) is None


def test_the_mark_never_moves_backwards_and_ignores_missing_values() -> None:
    rows = [(t(1), Outcome.CREATED), (None, Outcome.CREATED), (float("nan"), Outcome.CREATED)]
    assert advanced_watermark(rows, previous=t(5)) is None
    assert advanced_watermark([(7, Outcome.CREATED), (9, Outcome.UPDATED)], previous=8) == 9


def test_the_ledger_keeps_the_watermark_type(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from refsync.ledger import Ledger

    ledger = Ledger.open(f"sqlite:///{tmp_path / 'l.db'}")
    with ledger.unit() as unit:
        unit.set_watermark("m", t(4), run_id="r1")
        unit.set_watermark("n", 42, run_id="r1")
    assert ledger.watermark("m") == t(4)
    assert ledger.watermark("n") == 42
    assert ledger.watermark("absent") is None
    ledger.close()


def test_recording_an_outcome_for_a_key_without_an_entry_inserts_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from refsync.ledger import EntryState, EntryUpdate, Ledger, RunStamp
    from refsync.records import RemoteObject

    ledger = Ledger.open(f"sqlite:///{tmp_path / 'l.db'}")
    with ledger.unit() as unit:
        unit.record("t", [EntryUpdate("K", EntryState.SYNCED, payload_hash="h",
                                      remote=RemoteObject(id="r1", status="Active"))],
                    stamp=RunStamp("run", "m", "c"), at=t(1))
    entry = ledger.entries("t", ["K"])["K"]
    assert (entry.state, entry.remote_id, entry.synced_hash, entry.version) == (
        EntryState.SYNCED, "r1", "h", 1)
    ledger.close()
