"""The high-water mark of an incremental source, advanced only as far as it is safe.

A nightly run reads the rows whose watermark column is above the stored mark. The mark may move
up to the newest row of the run, but never past a row that failed (transiently): the next run
must read that row again. Rows that were rejected or invalid are settled (they are held until their
data changes, which moves their watermark anyway), so they do not hold the mark back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from refsync.records import Outcome


def advanced_watermark(rows: Iterable[tuple[Any, Outcome]], *, previous: Any) -> Any:
    """The new mark given ``(watermark, outcome)`` per row, or None to keep the old one."""
    settled: list[Any] = []
    unsettled: list[Any] = []
    for value, outcome in rows:
        if value is None or _is_missing(value):
            continue
        (unsettled if outcome is Outcome.FAILED else settled).append(value)
    if unsettled:
        floor = min(unsettled)
        settled = [v for v in settled if v < floor]
    if not settled:
        return None
    best = max(settled)
    if previous is not None and _comparable(previous, best) and best <= previous:
        return None
    return best


def _is_missing(value: Any) -> bool:
    return bool(value != value)  # NaN / NaT


def _comparable(a: Any, b: Any) -> bool:
    try:
        a < b  # noqa: B015
    except TypeError:
        return False
    return True
