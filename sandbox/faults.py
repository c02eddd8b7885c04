"""Injected faults, deterministic under a seed, settable at start and at run time.

Every decision for the *n*-th request on a route is drawn from ``Random(f"{seed}:{route}:{n}")``,
so a given seed produces the same faults for the same sequence of requests on each route,
however requests on different routes interleave. ``0`` (or empty) switches a fault off.
"""

from __future__ import annotations

import collections
import dataclasses
import math
import random
import time
from dataclasses import dataclass, field
from typing import Any

LATENCY_DISTRIBUTIONS = ("uniform", "exponential")


@dataclass
class Faults:
    """The fault settings; the names are the keys of ``POST /_sandbox/faults``."""

    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0
    latency_distribution: str = "uniform"
    error_rate: float = 0.0
    error_statuses: list[int] = field(default_factory=lambda: [500, 503])
    error_after_commit_rate: float = 0.0
    drop_after_commit: float = 0.0
    rate_limit_per_s: float = 0.0
    rate_limits: dict[str, float] = field(default_factory=dict)
    hang_routes: list[str] = field(default_factory=list)
    routes: list[str] = field(default_factory=list)
    graph_throttle_per_5s: int = 150
    gt365_latency_ms: float = 1500.0

    def updated(self, changes: dict[str, Any]) -> Faults:
        """A copy with ``changes`` applied and checked.

        Raises:
            ValueError: an unknown name or a value of the wrong type or range.
        """
        known = {f.name: f for f in dataclasses.fields(self)}
        values = dataclasses.asdict(self)
        for name, value in changes.items():
            if name not in known:
                raise ValueError(f"unknown fault {name!r}; known: {', '.join(sorted(known))}")
            current = values[name]
            if isinstance(current, float):
                if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                    raise ValueError(f"{name} must be a non-negative number")
                if (
                    name in ("error_rate", "drop_after_commit", "error_after_commit_rate")
                    and value > 1
                ):
                    raise ValueError(f"{name} is a probability between 0 and 1")
                value = float(value)
            elif isinstance(current, str):
                if value not in LATENCY_DISTRIBUTIONS:
                    raise ValueError(f"{name} must be one of {', '.join(LATENCY_DISTRIBUTIONS)}")
            elif isinstance(current, int):
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise ValueError(f"{name} must be a non-negative integer")
            elif isinstance(current, list):
                if not isinstance(value, list):
                    raise ValueError(f"{name} must be a list")
                if name == "error_statuses" and not all(
                    isinstance(v, int) and 500 <= v <= 599 for v in value
                ):
                    raise ValueError("error_statuses must be 5xx status codes")
                if name != "error_statuses" and not all(isinstance(v, str) for v in value):
                    raise ValueError(f"{name} must be a list of route names")
            elif isinstance(current, dict) and (
                not isinstance(value, dict)
                or not all(
                    isinstance(v, int | float) and not isinstance(v, bool) and v >= 0
                    for v in value.values()
                )
            ):
                raise ValueError(f"{name} must map route names to non-negative numbers")
            values[name] = value
        return Faults(**values)


@dataclass(frozen=True)
class Decision:
    """What to do to one request before (and after) it is handled."""

    delay_s: float = 0.0
    hang: bool = False
    throttle_after_s: float | None = None
    error_status: int | None = None
    error_after_commit: bool = False
    drop_after_commit: bool = False


class FaultEngine:
    """Holds the current :class:`Faults` and draws decisions per request."""

    def __init__(self, faults: Faults, seed: int) -> None:
        self.defaults = faults
        self.faults = faults
        self.seed = seed
        self._counters: collections.Counter[str] = collections.Counter()
        self._windows: dict[str, collections.deque[float]] = {}

    def reset(self) -> None:
        """Back to the faults given at start, counters and windows cleared."""
        self.faults = self.defaults
        self._counters.clear()
        self._windows.clear()

    def update(self, changes: dict[str, Any]) -> Faults:
        """Apply run-time changes (see :meth:`Faults.updated`)."""
        self.faults = self.faults.updated(changes)
        self._windows.clear()
        return self.faults

    def _applies(self, route: str) -> bool:
        return not self.faults.routes or route in self.faults.routes

    def _rate_limited(self, route: str) -> float | None:
        limit = self.faults.rate_limits.get(route)
        if limit is None and self._applies(route):
            limit = self.faults.rate_limit_per_s
        if not limit:
            return None
        now = time.monotonic()
        window = self._windows.setdefault(route, collections.deque())
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= limit:
            return window[0] + 1.0 - now
        window.append(now)
        return None

    def decide(self, route: str, *, is_create: bool) -> Decision:
        """Draw the faults for the next request on ``route``."""
        faults = self.faults
        if route in faults.hang_routes:
            return Decision(hang=True)
        index = self._counters[route]
        self._counters[route] += 1
        throttle = self._rate_limited(route)
        if throttle is not None:
            return Decision(throttle_after_s=throttle)
        if not self._applies(route):
            return Decision()
        if not (
            faults.latency_jitter_ms
            or faults.error_rate
            or faults.error_after_commit_rate
            or faults.drop_after_commit
        ):
            return Decision(delay_s=faults.latency_ms / 1000.0)
        rng = random.Random(f"{self.seed}:{route}:{index}")
        jitter = faults.latency_jitter_ms
        if faults.latency_distribution == "exponential":
            # mean ``jitter``, a long tail like a real service's; capped at 20x the mean
            extra = min(rng.expovariate(1.0 / jitter), 20 * jitter) if jitter else 0.0
        else:
            extra = rng.random() * jitter
        delay = faults.latency_ms + extra
        error = None
        if faults.error_rate and rng.random() < faults.error_rate:
            error = rng.choice(faults.error_statuses or [500])
        after = bool(
            is_create
            and faults.error_after_commit_rate
            and rng.random() < faults.error_after_commit_rate
        )
        drop = bool(
            is_create and faults.drop_after_commit and rng.random() < faults.drop_after_commit
        )
        return Decision(
            delay_s=delay / 1000.0,
            error_status=error,
            error_after_commit=after,
            drop_after_commit=drop,
        )


class SlidingLimit:
    """At most ``limit`` events per ``window_s`` (Graph's 150 invitations per 5 s per tenant)."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self._events: collections.deque[float] = collections.deque()

    def acquire(self, limit: int) -> float | None:
        """Record one event; return seconds to wait instead when the limit is reached."""
        if not limit:
            return None
        now = time.monotonic()
        while self._events and self._events[0] <= now - self.window_s:
            self._events.popleft()
        if len(self._events) >= limit:
            return max(self._events[0] + self.window_s - now, 0.001)
        self._events.append(now)
        return None

    def clear(self) -> None:
        self._events.clear()


def retry_after_seconds(wait_s: float) -> str:
    """Whole seconds, at least 1 (Partner Center's ``Retry-After``)."""
    return str(max(1, math.ceil(wait_s)))
