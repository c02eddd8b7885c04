"""Timestamps the way Partner Center writes them: UTC, 7 fractional digits, a trailing ``Z``.

Times are compared as integer ticks of 100 ns so that the seventh digit is not lost the way it
would be in :class:`datetime.datetime` (which stops at microseconds).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from functools import lru_cache

_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?"
    r"(Z|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_last_ticks = 0


def now_ticks() -> int:
    """Current time in 100 ns ticks since the epoch, strictly increasing between calls."""
    global _last_ticks
    ticks = max(time.time_ns() // 100, _last_ticks + 1)
    _last_ticks = ticks
    return ticks


def format_ticks(ticks: int) -> str:
    """``2024-05-01T12:00:00.1234567Z``."""
    seconds, frac = divmod(ticks, 10_000_000)
    t = _EPOCH + dt.timedelta(seconds=seconds)
    return (
        f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}"
        f".{frac:07d}Z"
    )


@lru_cache(maxsize=262144)
def parse_ticks(text: str) -> int:
    """Parse an ISO 8601 date or date-time (naive means UTC) into ticks.

    Cached: listing compares every stored referral's timestamps on each page.

    Raises:
        ValueError: the text is not an ISO 8601 date-time.
    """
    match = _ISO.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not an ISO 8601 date-time")
    year, month, day, hour, minute, second, frac, zone = match.groups()
    moment = dt.datetime(
        int(year),
        int(month),
        int(day),
        int(hour or 0),
        int(minute or 0),
        int(second or 0),
        tzinfo=dt.UTC,
    )
    if zone and zone.upper() != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        moment -= sign * offset
    whole = int((moment - _EPOCH).total_seconds())
    fraction = int((frac or "0").ljust(7, "0")[:7])
    return whole * 10_000_000 + fraction
