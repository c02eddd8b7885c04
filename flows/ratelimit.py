"""The API rate limit shared by every worker: a Prefect global concurrency limit used as a gate.

The engine awaits its ``gate`` before every request; here the gate takes slots of a Prefect rate
limit (``rate_limit(name, occupy=k, strict=True)``), so the limit holds across all flow runs on
all workers that talk to the same Prefect server. ``strict=True`` makes a missing limit an error
rather than silently unlimited.

Prefect's rate limit is a token bucket: ``limit`` slots that refill at ``slot_decay_per_second``;
in any interval of T seconds it grants at most ``limit + decay * T`` slots. One round trip to the
Prefect server per API request would make the server the bottleneck, so a process takes a small
batch of slots at a time and hands them out locally; a slot not used within
:data:`PERMIT_LIFETIME_S` of being granted is thrown away. Requests in any one-second window
were therefore granted within ``1 + PERMIT_LIFETIME_S`` seconds, and :func:`bucket_for` sizes the
bucket so that even that stays below the API's limit, with a margin for network jitter.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable

from prefect.client.orchestration import get_client
from prefect.concurrency.asyncio import rate_limit
from prefect.exceptions import ObjectNotFound

from refsync.errors import ConfigurationError

Gate = Callable[[], Awaitable[None]]

DEFAULT_LIMIT_NAME = "refsync-partner-center"
PERMIT_LIFETIME_S = 0.1
_HEADROOM = 0.9
"""Requests reach the API a little later than Prefect grants them; keep 10 % in reserve."""


def bucket_for(per_second: float) -> tuple[int, float]:
    """``(limit, slot_decay_per_second)``: no one-second window of requests exceeds
    ``per_second``, even with permits spent up to :data:`PERMIT_LIFETIME_S` late."""
    if per_second < 2:
        raise ConfigurationError("rate_limit_per_s must be at least 2 requests per second")
    allowed = per_second * _HEADROOM
    burst = max(1, math.floor(allowed * 0.1))
    return burst, (allowed - burst) / (1 + PERMIT_LIFETIME_S)


def batch_for(limit: int, decay: float) -> int:
    """Slots one process takes per round trip: a few per cent of a second's worth, at most the
    bucket's size (a larger request could never be granted)."""
    return max(1, min(limit, math.ceil(decay * 0.05)))


async def ensure_rate_limit(name: str, per_second: float) -> None:
    """Create the named global limit, or update it to this rate (idempotent)."""
    limit, decay = bucket_for(per_second)
    async with get_client() as client:
        await client.upsert_global_concurrency_limit_by_name(
            name, limit, slot_decay_per_second=decay)


def rate_limit_gate(name: str, *, batch: int | None = None) -> Gate:
    """A gate that lets one request through per slot of the named Prefect rate limit.

    ``batch`` slots are taken per round trip (default: sized from the limit as it is on the
    server, see :func:`batch_for`).
    """
    lock = asyncio.Lock()
    permits = 0
    granted_at = 0.0
    size = batch

    async def gate() -> None:
        nonlocal permits, granted_at, size
        async with lock:
            if size is None:
                size = await _batch_size(name)
            if permits == 0 or time.monotonic() - granted_at > PERMIT_LIFETIME_S:
                await rate_limit(name, occupy=size, strict=True)
                permits, granted_at = size, time.monotonic()
            permits -= 1

    return gate


async def _batch_size(name: str) -> int:
    async with get_client() as client:
        try:
            limit = await client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound as exc:
            raise ConfigurationError(f"the Prefect rate limit {name!r} does not exist; the "
                                     "backfill flow creates it (rate_limit_per_s)") from exc
    return batch_for(limit.limit, limit.slot_decay_per_second)
