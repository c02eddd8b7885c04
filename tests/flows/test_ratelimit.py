"""The shared rate limit: its token bucket never lets a one-second window exceed the rate, and
the gate takes slots of a Prefect global limit that the flow creates or updates."""

from __future__ import annotations

import pytest
from prefect.client.orchestration import get_client
from prefect.concurrency.asyncio import rate_limit

from flows.ratelimit import (
    PERMIT_LIFETIME_S,
    batch_for,
    bucket_for,
    ensure_rate_limit,
    rate_limit_gate,
)
from refsync.errors import ConfigurationError


@pytest.mark.unit
@pytest.mark.parametrize("rate", [2, 7.5, 50, 200, 1000])
def test_burst_plus_refill_stays_below_the_rate(rate: float) -> None:
    limit, decay = bucket_for(rate)
    assert limit >= 1
    assert decay > 0
    # permits may be spent up to PERMIT_LIFETIME_S after they were granted
    assert limit + decay * (1 + PERMIT_LIFETIME_S) <= rate
    assert 1 <= batch_for(limit, decay) <= limit


@pytest.mark.unit
def test_a_rate_below_two_per_second_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="at least 2"):
        bucket_for(1)


@pytest.mark.integration
@pytest.mark.anyio
async def test_the_flow_creates_then_updates_the_global_limit_and_the_gate_uses_it() -> None:
    name = "refsync-test-gate"
    await ensure_rate_limit(name, 100)
    await ensure_rate_limit(name, 40)  # idempotent: an update, not a second limit
    async with get_client() as client:
        limit = await client.read_global_concurrency_limit_by_name(name)
        assert (limit.limit, limit.slot_decay_per_second) == bucket_for(40)
    gate = rate_limit_gate(name)
    for _ in range(3):
        await gate()

    slow = "refsync-test-slow-gate"
    await ensure_rate_limit(slow, 2)  # one slot, refilled in well over a second
    await rate_limit_gate(slow)()
    with pytest.raises(TimeoutError):  # the gate took the slot on the server: none is left
        await rate_limit(slow, occupy=1, timeout_seconds=0.05, strict=True)
    missing = rate_limit_gate("refsync-no-such-limit")
    with pytest.raises(ConfigurationError, match="refsync-no-such-limit"):  # never unlimited
        await missing()
