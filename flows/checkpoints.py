"""How far a partition of a backfill may safely say it got, chunk after chunk.

Rows come ordered by watermark. After a chunk, the checkpoint may move up to the newest watermark
below which every row read is settled, with two exceptions that hold it back:

- a row that failed (transiently) or was deferred (another worker held its key) must be read
  again, so the checkpoint stays below its watermark for the rest of the run;
- the last watermark read may continue in the next chunk (rows sharing one value), so the
  checkpoint stays strictly below it until the run has read the whole window.

Resuming from the checkpoint (``since`` is exclusive) therefore never skips a row; it may re-read
a few, which the ledger settles as unchanged at no API cost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from refsync.records import Outcome, RowResult


class Checkpointer:
    """The running checkpoint of one partition, starting at the window's (exclusive) start."""

    def __init__(self, start: Any) -> None:
        self.mark = start
        self._floor: Any = None

    def advance(self, watermarks: Mapping[int, Any], results: Sequence[RowResult]) -> Any:
        """Take one chunk (row number -> watermark, and its results); return the checkpoint."""
        values = {row: value for row, value in watermarks.items() if value == value}  # no NaN
        if not values:
            return self.mark
        settled = {r.row_number for r in results if r.outcome is not Outcome.FAILED}
        for row, value in values.items():
            if row not in settled and (self._floor is None or value < self._floor):
                self._floor = value
        ceiling = max(values.values())
        if self._floor is not None and self._floor < ceiling:
            ceiling = self._floor
        below = [v for row, v in values.items() if row in settled and v < ceiling]
        if below:
            best = max(below)
            if self.mark is None or best > self.mark:
                self.mark = best
        return self.mark
