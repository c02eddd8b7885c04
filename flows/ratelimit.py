"""The API rate limit shared by every worker: a Prefect global concurrency limit used as a gate.

The engine awaits its ``gate`` before every request; here the gate takes one slot of a Prefect
rate limit (``rate_limit(name, strict=True)``), so the limit holds across all flow runs on all
workers that talk to the same Prefect server. ``strict=True`` makes a missing limit an error
rather than silently unlimited.

Prefect's rate limit is a token bucket: ``limit`` slots that refill at ``slot_decay_per_second``.
In any one-second window at most ``limit + slot_decay_per_second`` requests can start, so
:func:`bucket_for` splits the allowed rate between a small burst and the refill rate, keeping
that sum below the API's limit.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable

from prefect.client.orchestration import get_client
from prefect.concurrency.asyncio import rate_limit

from refsync.errors import ConfigurationError

Gate = Callable[[], Awaitable[None]]

DEFAULT_LIMIT_NAME = "refsync-partner-center"
_HEADROOM = 0.9
"""Requests reach the API a little later than Prefect grants them; keep 10 % in reserve."""


def bucket_for(per_second: float) -> tuple[int, float]:
    """``(limit, slot_decay_per_second)`` so that no one-second window exceeds ``per_second``."""
    if per_second < 2:
        raise ConfigurationError("rate_limit_per_s must be at least 2 requests per second")
    allowed = per_second * _HEADROOM
    burst = max(1, math.floor(allowed * 0.1))
    return burst, allowed - burst


async def ensure_rate_limit(name: str, per_second: float) -> None:
    """Create the named global limit, or update it to this rate (idempotent)."""
    limit, decay = bucket_for(per_second)
    async with get_client() as client:
        await client.upsert_global_concurrency_limit_by_name(
            name, limit, slot_decay_per_second=decay)


def rate_limit_gate(name: str) -> Gate:
    """A gate that takes one slot of the named Prefect rate limit per request."""

    async def gate() -> None:
        await rate_limit(name, occupy=1, strict=True)

    return gate
