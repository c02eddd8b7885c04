"""Request accounting for ``GET /_sandbox/stats``: counts per route and status, and the peak
number of requests that arrived on each route within any one-second window (what a
rate-limit test asserts was never exceeded)."""

from __future__ import annotations

import collections
import time
from typing import Any


class Stats:
    """Counters since start or the last reset."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._requests: dict[str, collections.Counter[str]] = {}
        self._arrivals: dict[str, collections.deque[float]] = {}
        self._peak: dict[str, int] = {}

    def arrived(self, route: str) -> None:
        """Record that a request for ``route`` arrived (before any fault or check)."""
        now = time.monotonic()
        window = self._arrivals.setdefault(route, collections.deque())
        window.append(now)
        while window[0] <= now - 1.0:
            window.popleft()
        if len(window) > self._peak.get(route, 0):
            self._peak[route] = len(window)

    def answered(self, route: str, status: int | str) -> None:
        """Record the outcome: an HTTP status or ``"dropped"``/``"hung"``."""
        self._requests.setdefault(route, collections.Counter())[str(status)] += 1

    def snapshot(self) -> dict[str, Any]:
        return {
            "requests": {route: dict(counts) for route, counts in sorted(self._requests.items())},
            "peak_rate_per_s": dict(sorted(self._peak.items())),
        }
