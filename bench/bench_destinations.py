"""What do the connectors cost? Referral creates per second through the real stack.

Starts ``python -m sandbox`` (no injected latency, auto-approved device code), signs in with the
device-code flow through real MSAL, then creates referrals four ways over TLS:

* ``plain-sequential``: a bare ``httpx.AsyncClient`` with a fixed bearer header, one at a time
  (the baseline the issue asks to quote);
* ``destination-sequential``: ``PartnerCenterReferrals.create`` on the shared client from
  ``connectors.http.build_async_client`` with ``MsalAuth`` (tracing headers, token from memory,
  response classification), one at a time;
* ``destination-concurrent-N``: the same with N concurrent creates sharing that one client.

A second table measures the per-request overhead of ``MsalAuth`` and the tracing hooks without
any network (``httpx.MockTransport``), so the connector's own cost is visible on its own.

Run: ``.venv/bin/python bench/bench_destinations.py [--creates N] [--concurrency 8,32]``
Writes ``bench/results/destinations.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import ssl
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from connectors.auth import (  # noqa: E402
    PARTNER_CENTER_SCOPE,
    AccessToken,
    MsalAuth,
    auth_for_target,
    device_code_login,
)
from connectors.destinations import PartnerCenterReferrals  # noqa: E402
from connectors.http import build_async_client, build_client, new_correlation_id  # noqa: E402
from refsync.records import Target  # noqa: E402
from refsync.settings import Settings, load_settings  # noqa: E402
from sandbox.launcher import launch_sandbox  # noqa: E402
from tests.connectors.sandbox_targets import referral  # noqa: E402

RESULTS = Path(__file__).with_name("results") / "destinations.json"


def _payload() -> dict[str, Any]:
    return referral(f"BENCH-{uuid.uuid4().hex[:12]}")


async def _timed(count: int, concurrency: int,
                 one: Callable[[], Awaitable[None]]) -> dict[str, Any]:
    remaining = count

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await one()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {"requests": count, "seconds": round(elapsed, 3),
            "per_s": round(count / elapsed, 1)}


async def _plain(settings: Settings, token: str, count: int) -> dict[str, Any]:
    context = ssl.create_default_context(cafile=str(settings.ca_bundle))
    url = f"{settings.partner_center_url}/v1.0/engagements/referrals"
    async with httpx.AsyncClient(verify=context, timeout=60,
                                 headers={"Authorization": f"Bearer {token}"}) as client:

        async def one() -> None:
            response = await client.post(url, json=_payload())
            response.raise_for_status()

        return await _timed(count, 1, one)


async def _through_destination(settings: Settings, auth: MsalAuth, count: int,
                               concurrency: int) -> dict[str, Any]:
    tuned = settings.model_copy(update={"max_concurrency": concurrency})
    async with build_async_client(tuned, correlation_id=new_correlation_id(),
                                  auth=auth) as client:
        destination = PartnerCenterReferrals(client, tuned)

        async def one() -> None:
            await destination.create(_payload())

        await destination.create(_payload())  # warm the connection and the token
        return await _timed(count, concurrency, one)


class _FixedToken:
    def acquire(self, scope: str, *, force_refresh: bool = False) -> AccessToken:
        return AccessToken.from_msal("bench-token", 3600)

    def close(self) -> None:
        pass


async def _overhead(settings: Settings, count: int) -> list[dict[str, Any]]:
    """Requests/s through MockTransport: bare client vs the connector's client with MsalAuth."""
    def ok(request: httpx.Request) -> httpx.Response:
        return httpx.Response(201, json={"id": "x"})

    rows = []
    async with httpx.AsyncClient(transport=httpx.MockTransport(ok)) as bare:
        async def one_bare() -> None:
            await bare.post("https://pc.test/r", json={"a": 1})
        rows.append({"mode": "mock-bare-client", **await _timed(count, 1, one_bare)})
    auth = MsalAuth(_FixedToken(), PARTNER_CENTER_SCOPE)
    async with build_async_client(settings, correlation_id="c", auth=auth,
                                  transport=httpx.MockTransport(ok)) as client:
        async def one_auth() -> None:
            await client.post("https://pc.test/r", json={"a": 1})
        rows.append({"mode": "mock-connector-client", **await _timed(count, 1, one_auth)})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--creates", type=int, default=2000)
    parser.add_argument("--concurrency", default="8,32")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",") if c]

    with tempfile.TemporaryDirectory(prefix="bench-destinations-") as tmp:
        config = Path(tmp) / "refsync.toml"
        proc = launch_sandbox(Path(tmp) / "sandbox", "--auto-approve", write_config=config)
        try:
            settings = load_settings(config, token_cache=str(Path(tmp) / "cache.json"))
            token_http = build_client(settings)
            device_code_login(settings, echo=lambda _: None, http_client=token_http)
            auth = auth_for_target(Target.REFERRAL, settings, http_client=token_http)
            token = auth.token_source.acquire(PARTNER_CENTER_SCOPE).value
            rows = [{"mode": "plain-sequential",
                     **asyncio.run(_plain(settings, token, args.creates))}]
            rows.append({"mode": "destination-sequential", **asyncio.run(
                _through_destination(settings, auth, args.creates, 1))})
            for level in levels:
                rows.append({"mode": f"destination-concurrent-{level}", **asyncio.run(
                    _through_destination(settings, auth, args.creates, level))})
            overhead = asyncio.run(_overhead(settings, args.creates * 5))
            auth.token_source.close()
            token_http.close()
        finally:
            proc.stop()

    print(f"{'mode':<28}{'requests':>10}{'seconds':>10}{'per s':>10}")
    for row in [*rows, *overhead]:
        print(f"{row['mode']:<28}{row['requests']:>10}{row['seconds']:>10}{row['per_s']:>10}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "benchmark": "destinations",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "sandbox": rows,
        "no_network": overhead,
    }, indent=2) + "\n")
    print(f"written {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
