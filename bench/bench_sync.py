"""Throughput of the sync engine against the sandbox, and of a plain sequential httpx loop.

Scenarios (each on a freshly reset sandbox, leads from a SQLite CRM):

- ``open``: no latency, no limit: creates per second through the engine (mapping, ledger,
  intents, sends, results) and through the shortest loop of httpx POSTs one at a time.
- ``limited``: 100 ms latency per request and a 50 requests/s limit in the sandbox: the engine,
  paced at 49/s (2% under) with enough concurrency to cover the latency, against the same
  sequential loop.
- ``rerun``: the ``open`` rows again, unchanged: requests sent (must be zero) and rows/s.

Usage: ``.venv/bin/python bench/bench_sync.py [--rows N] [--limited-rows N]``; results in
``bench/results/sync.json``. The sandbox and the engine share this machine's two cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from entrypoints.cli import apply_prefect_defaults  # noqa: E402

apply_prefect_defaults()

from connectors.auth import device_code_login  # noqa: E402
from entrypoints.commands.demo import add_run_state  # noqa: E402
from flows.bootstrap import open_sync_job  # noqa: E402
from flows.parameters import SyncParameters  # noqa: E402
from refsync.mapping import compile_mapping, load_mapping  # noqa: E402
from refsync.records import Outcome  # noqa: E402
from refsync.settings import load_settings  # noqa: E402
from sandbox.launcher import SandboxProcess, launch_sandbox  # noqa: E402
from tests.factories import make_crm, write_leads_mapping  # noqa: E402

PC_SCOPE = "https://api.partner.microsoft.com/.default"


def admin(proc: SandboxProcess, method: str, path: str, body: dict[str, Any] | None = None
          ) -> Any:
    with proc.client(timeout=60) as client:
        response = client.request(method, f"/_sandbox/{path}", json=body)
        response.raise_for_status()
        return response.json()


def tuned(config: Path, name: str, *, rate: float | None, concurrency: int) -> Path:
    """A copy of ``config`` with the run's pacing and concurrency set, as a user would."""
    copy = config.with_name(f"{name}.toml")
    extra = f"max_concurrency = {concurrency}\n"
    if rate is not None:
        extra += f"max_requests_per_second = {rate}\n"
    copy.write_text(config.read_text() + extra)
    return copy


async def engine_run(config: Path, mapping: Path, crm: str) -> dict[str, Any]:
    params = SyncParameters(mapping=mapping, source=crm, config=config, full=True,
                            chunk_size=1000)
    async with open_sync_job(params) as job:
        started = time.perf_counter()
        outcomes: dict[str, int] = {}
        rows = 0
        for frame in job.source.chunks(params.chunk_size):
            for result in await job.run.process(frame):
                outcomes[result.outcome.value] = outcomes.get(result.outcome.value, 0) + 1
                rows += 1
        for result in await job.run.finish():
            outcomes[result.outcome.value] = outcomes.get(result.outcome.value, 0) + 1
            rows += 1
        elapsed = time.perf_counter() - started
        requests = job.run.requests_sent
    return {"rows": rows, "seconds": round(elapsed, 2), "rows_per_s": round(rows / elapsed, 1),
            "requests": requests, "requests_per_s": round(requests / elapsed, 1),
            "outcomes": outcomes}


def sequential_loop(proc: SandboxProcess, mapping: Path, crm: str, count: int) -> dict[str, Any]:
    """The shortest honest baseline: one POST after another on one keep-alive connection."""
    from connectors.sources import open_source

    spec = load_mapping(mapping)
    compiled = compile_mapping(spec)
    payloads = []
    for frame in open_source(spec.source, crm).chunks(count):
        payloads = [row.payload for row in compiled.map_frame(frame) if row.payload][:count]
        break
    with proc.client(timeout=60) as client:
        token = client.post("/_sandbox/token", json={"scope": PC_SCOPE}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        started = time.perf_counter()
        ok = 0
        for payload in payloads:
            response = client.post("/v1.0/engagements/referrals", json=payload, headers=headers)
            ok += response.status_code in (200, 201)
        elapsed = time.perf_counter() - started
    return {"requests": len(payloads), "created": ok, "seconds": round(elapsed, 2),
            "requests_per_s": round(len(payloads) / elapsed, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--limited-rows", type=int, default=1000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="refsync-bench-sync-"))
    proc = launch_sandbox(work / "sandbox", "--auto-approve", "--gt365-latency-ms", "0",
                          write_config=work / "refsync.toml")
    results: dict[str, Any] = {"rows": args.rows, "limited_rows": args.limited_rows}
    try:
        config = add_run_state(work / "refsync.toml", work)
        device_code_login(load_settings(config), echo=lambda _: None)
        mapping = write_leads_mapping(work / "leads.yaml")

        crm = f"sqlite:///{work / 'open.db'}"
        make_crm(crm, args.rows, seed=1)
        open_config = tuned(config, "open", rate=None, concurrency=4)
        results["open_engine"] = asyncio.run(engine_run(open_config, mapping, crm))
        results["rerun_unchanged"] = asyncio.run(engine_run(open_config, mapping, crm))
        admin(proc, "POST", "reset")
        results["open_sequential"] = sequential_loop(proc, mapping, crm, args.rows)

        admin(proc, "POST", "reset")
        admin(proc, "POST", "faults", {"latency_ms": 100, "rate_limit_per_s": 50})
        limited = f"sqlite:///{work / 'limited.db'}"
        make_crm(limited, args.limited_rows, seed=2)
        # Paced 2% under the limit: arrival jitter would otherwise put a 51st request into some
        # one-second window now and then, and every 429 pauses all senders for its Retry-After.
        paced = tuned(config, "paced", rate=49, concurrency=16)
        results["limited_engine"] = asyncio.run(engine_run(paced, mapping, limited))
        results["limited_engine"]["throttled_429"] = sum(
            n for route in admin(proc, "GET", "stats")["requests"].values()
            for status, n in route.items() if status == "429")
        admin(proc, "POST", "reset")
        admin(proc, "POST", "faults", {"latency_ms": 100, "rate_limit_per_s": 50})
        results["limited_sequential"] = sequential_loop(proc, mapping, limited,
                                                        min(args.limited_rows, 200))
    finally:
        proc.stop()
    created = results["open_engine"]["outcomes"].get(Outcome.CREATED.value, 0)
    print(f"{'scenario':<22} {'requests/s':>10} {'rows/s':>9}  notes")
    print(f"{'open, engine':<22} {results['open_engine']['requests_per_s']:>10} "
          f"{results['open_engine']['rows_per_s']:>9}  {created} created")
    print(f"{'open, sequential':<22} {results['open_sequential']['requests_per_s']:>10} "
          f"{'':>9}  plain httpx loop")
    print(f"{'rerun unchanged':<22} {results['rerun_unchanged']['requests']:>10} "
          f"{results['rerun_unchanged']['rows_per_s']:>9}  requests sent (must be 0)")
    print(f"{'100ms + 50/s, engine':<22} {results['limited_engine']['requests_per_s']:>10} "
          f"{results['limited_engine']['rows_per_s']:>9}  "
          f"{results['limited_engine']['outcomes']} 429s: "
          f"{results['limited_engine']['throttled_429']}")
    print(f"{'100ms + 50/s, seq.':<22} {results['limited_sequential']['requests_per_s']:>10} "
          f"{'':>9}  plain httpx loop")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "sync.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
