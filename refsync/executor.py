"""Send requests concurrently, adaptively, and with retries that respect the server.

- :class:`AdaptiveLimiter` bounds the requests in flight. It grows by one after a run of
  successes, halves on throttling (429) or when latency climbs well above its baseline, and
  pauses every sender until a ``Retry-After`` has passed. An optional steady rate
  (requests per second) spaces sends out evenly, so a known limit is used to the full without
  tripping it; an optional ``gate`` is awaited before every send, for a limit shared by several
  workers (a Prefect global rate limit).
- :func:`execute` runs one send per item under the limiter. Transient failures are retried with
  exponential backoff and full jitter (or exactly ``Retry-After`` when the server sent one) while
  the run's :class:`RetryBudget` lasts. An :class:`~refsync.errors.UncertainOutcome` is never
  retried here: the caller must resolve it first. A :class:`~refsync.errors.FatalError` cancels
  every send in flight and propagates at once.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from refsync.errors import FatalError, RefsyncError, TransientError, UncertainOutcome

T = TypeVar("T")
R = TypeVar("R")

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Per-request retry limits; the run-wide limit is the :class:`RetryBudget`."""

    max_attempts: int = 6
    base_delay_s: float = 0.5
    max_delay_s: float = 60.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full-jitter exponential backoff for the ``attempt``-th retry (1-based)."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))
        return rng.uniform(0, ceiling)


class RetryBudget:
    """Retries left for the whole run, shared by every request, so a sick API cannot stall it."""

    def __init__(self, retries: int) -> None:
        self.remaining = retries
        self.used = 0

    def take(self) -> bool:
        if self.remaining <= 0:
            return False
        self.remaining -= 1
        self.used += 1
        return True


class AdaptiveLimiter:
    """Concurrency that adapts to the server: AIMD on throttling and latency, plus a pacer."""

    def __init__(
        self,
        max_concurrency: int,
        *,
        initial: int | None = None,
        requests_per_second: float | None = None,
        latency_factor: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        gate: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.max_concurrency = max_concurrency
        self.limit = min(max_concurrency, initial or max(2, max_concurrency // 2))
        self.in_flight = 0
        self.throttled = 0
        self.peak_in_flight = 0
        self._rate = requests_per_second
        self._next_send = 0.0
        self._paused_until = 0.0
        self._successes = 0
        self._baseline: float | None = None
        self._latency_factor = latency_factor
        self._clock = clock
        self._sleep = sleep
        self._changed = asyncio.Condition()
        self._gate = gate

    async def acquire(self) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: self.in_flight < self.limit)
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        await self._wait_for_turn()

    async def _wait_for_turn(self) -> None:
        if self._gate is not None:  # a limit shared with other workers (e.g. Prefect's)
            await self._gate()
        now = self._clock()
        start = max(now, self._paused_until)
        if self._rate:
            start = max(start, self._next_send)
            self._next_send = start + 1.0 / self._rate
        if start > now:
            await self._sleep(start - now)

    async def release(self, *, latency: float | None = None, throttled_for: float | None = None,
                      failed: bool = False) -> None:
        async with self._changed:
            self.in_flight -= 1
            if throttled_for is not None:
                self.throttled += 1
                self._paused_until = max(self._paused_until, self._clock() + throttled_for)
                self._decrease()
            elif failed:
                self._successes = 0
            elif latency is not None:
                self._observe(latency)
            # Wake only as many senders as there are free slots: a chunk has hundreds waiting,
            # and waking all of them on every release costs quadratic time.
            free = self.limit - self.in_flight
            if free > 0:
                self._changed.notify(free)

    def _observe(self, latency: float) -> None:
        if self._baseline is None:
            self._baseline = latency
        elif latency > self._latency_factor * self._baseline:
            self._decrease()
            return
        else:
            self._baseline = 0.9 * self._baseline + 0.1 * latency
        self._successes += 1
        if self._successes >= self.limit and self.limit < self.max_concurrency:
            self.limit += 1
            self._successes = 0

    def _decrease(self) -> None:
        self.limit = max(1, self.limit // 2)
        self._successes = 0


@dataclass(frozen=True, slots=True)
class Attempted(Generic[T, R]):
    """The end of one item's sends: a result, or the error it ended on, and how many attempts."""

    item: T
    result: R | None
    error: RefsyncError | None
    attempts: int


async def execute(
    items: Sequence[T],
    send: Callable[[T], Awaitable[R]],
    *,
    limiter: AdaptiveLimiter,
    budget: RetryBudget,
    policy: RetryPolicy = RetryPolicy(),
    rng: random.Random | None = None,
    sleep: Sleep = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> list[Attempted[T, R]]:
    """Send every item; return one :class:`Attempted` per item, in the order given.

    Raises:
        FatalError: the first fatal error (401/403, configuration); other sends are cancelled.
    """
    rng = rng or random.Random()

    async def one(item: T) -> Attempted[T, R]:
        attempt = 0
        while True:
            attempt += 1
            await limiter.acquire()
            started = clock()
            try:
                result = await send(item)
            except UncertainOutcome as exc:
                await limiter.release(failed=True)
                return Attempted(item, None, exc, attempt)
            except TransientError as exc:
                await limiter.release(
                    throttled_for=exc.retry_after if exc.status == 429 else None,
                    failed=exc.status != 429,
                )
                if attempt >= policy.max_attempts or not budget.take():
                    return Attempted(item, None, exc, attempt)
                delay = exc.retry_after if exc.retry_after is not None else policy.backoff(
                    attempt, rng)
                if exc.status != 429:  # a 429 already paused everyone through the limiter
                    await sleep(delay)
                continue
            except FatalError:
                await limiter.release(failed=True)
                raise
            except RefsyncError as exc:
                await limiter.release(latency=clock() - started)
                return Attempted(item, None, exc, attempt)
            except BaseException:
                await limiter.release(failed=True)
                raise
            await limiter.release(latency=clock() - started)
            return Attempted(item, result, None, attempt)

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one(item)) for item in items]
    except BaseExceptionGroup as group_error:
        fatal = group_error.subgroup(FatalError)
        if fatal is not None:
            raise _first(fatal) from None
        raise
    return [task.result() for task in tasks]


def _first(group: BaseExceptionGroup[FatalError]) -> FatalError:
    error: BaseException = group
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    assert isinstance(error, FatalError)
    return error
