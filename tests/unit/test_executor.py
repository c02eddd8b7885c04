"""Retries, backoff, Retry-After, the retry budget and the adaptive limiter."""

from __future__ import annotations

import asyncio

import pytest

from refsync.errors import AuthError, RejectedError, TransientError, UncertainOutcome
from refsync.executor import AdaptiveLimiter, RetryBudget, RetryPolicy, execute

pytestmark = [pytest.mark.unit, pytest.mark.anyio]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Clock:
    """A fake monotonic clock whose sleep advances time instead of waiting."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def scripted(failures: dict[int, list[Exception]]):  # type: ignore[no-untyped-def]
    calls: list[int] = []

    async def send(item: int) -> int:
        calls.append(item)
        queue = failures.get(item)
        if queue:
            raise queue.pop(0)
        return item * 10

    return send, calls


async def test_transient_errors_are_retried_honouring_retry_after() -> None:
    clock = Clock()
    send, calls = scripted({1: [TransientError("busy", status=503, retry_after=2.5)]})
    limiter = AdaptiveLimiter(4, clock=clock, sleep=clock.sleep)
    done = await execute([1, 2], send, limiter=limiter, budget=RetryBudget(10),
                         sleep=clock.sleep, clock=clock)
    assert [(a.item, a.result, a.attempts) for a in done] == [(1, 10, 2), (2, 20, 1)]
    assert clock.sleeps == [2.5]
    assert calls.count(1) == 2


async def test_a_429_pauses_every_sender_and_halves_the_concurrency() -> None:
    clock = Clock()
    send, _ = scripted({1: [TransientError("slow down", status=429, retry_after=1.5)]})
    limiter = AdaptiveLimiter(8, initial=8, clock=clock, sleep=clock.sleep)
    done = await execute([1], send, limiter=limiter, budget=RetryBudget(10),
                         sleep=clock.sleep, clock=clock)
    assert done[0].result == 10
    assert limiter.limit == 4
    assert limiter.throttled == 1
    assert clock.sleeps == [1.5], "the pause went through the limiter, not a second sleep"


async def test_backoff_without_retry_after_is_exponential_with_jitter() -> None:
    policy = RetryPolicy(base_delay_s=1.0, max_delay_s=8.0)
    import random

    rng = random.Random(1)
    delays = [policy.backoff(n, rng) for n in (1, 2, 3, 4, 5)]
    ceilings = [1, 2, 4, 8, 8]
    assert all(0 <= d <= c for d, c in zip(delays, ceilings, strict=True))


async def test_the_retry_budget_bounds_the_whole_run() -> None:
    clock = Clock()
    send, calls = scripted({i: [TransientError("down", status=500)] * 5 for i in range(3)})
    budget = RetryBudget(2)
    done = await execute([0, 1, 2], send, limiter=AdaptiveLimiter(1, clock=clock,
                                                                 sleep=clock.sleep),
                         budget=budget, policy=RetryPolicy(base_delay_s=0), sleep=clock.sleep,
                         clock=clock)
    assert budget.used == 2
    assert len(calls) == 5
    assert all(isinstance(a.error, TransientError) for a in done)


async def test_uncertain_and_rejected_are_returned_not_retried() -> None:
    send, calls = scripted({1: [UncertainOutcome("dropped")],
                            2: [RejectedError("bad", status=400)]})
    done = await execute([1, 2], send, limiter=AdaptiveLimiter(2), budget=RetryBudget(5))
    assert isinstance(done[0].error, UncertainOutcome)
    assert isinstance(done[1].error, RejectedError)
    assert calls == [1, 2]


async def test_a_fatal_error_cancels_the_rest_and_propagates() -> None:
    started: list[int] = []

    async def send(item: int) -> int:
        started.append(item)
        if item == 0:
            raise AuthError("401")
        await asyncio.Event().wait()  # would hang forever unless cancelled
        return item

    with pytest.raises(AuthError):
        await execute(list(range(4)), send, limiter=AdaptiveLimiter(4, initial=4),
                      budget=RetryBudget(1))


async def test_a_steady_rate_spaces_sends_evenly() -> None:
    clock = Clock()
    limiter = AdaptiveLimiter(4, requests_per_second=10, clock=clock, sleep=clock.sleep)
    send, _ = scripted({})
    await execute(list(range(5)), send, limiter=limiter, budget=RetryBudget(0),
                  sleep=clock.sleep, clock=clock)
    assert clock.now == pytest.approx(0.4), "five sends at 10/s take 0.4 s of pacing"


async def test_the_limit_grows_when_healthy_and_shrinks_when_latency_climbs() -> None:
    limiter = AdaptiveLimiter(8, initial=2)
    for _ in range(4):
        await limiter.acquire()
        await limiter.release(latency=0.1)
    assert limiter.limit > 2
    grown = limiter.limit
    await limiter.acquire()
    await limiter.release(latency=5.0)
    assert limiter.limit < grown


async def test_the_gate_is_awaited_before_every_send() -> None:
    gate_calls: list[int] = []

    async def gate() -> None:
        gate_calls.append(1)

    send, _ = scripted({})
    await execute([1, 2, 3], send, limiter=AdaptiveLimiter(2, gate=gate), budget=RetryBudget(0))
    assert len(gate_calls) == 3
