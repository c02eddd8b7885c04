"""How fast is the sandbox? Referral creates per second over real TLS, no injected latency.

Starts ``python -m sandbox`` as a subprocess (as the tests do), then drives
``POST /v1.0/engagements/referrals`` from several concurrent keep-alive httpx clients and
reports creates/s and latency percentiles for each concurrency. The goal (issue 3) is that the
sandbox is never the pipeline's bottleneck: at least 1,000 creates/s on this machine.

Run: ``.venv/bin/python bench/bench_sandbox.py [--creates N] [--concurrency 8,32]
[--clients httpx,raw] [--processes 1,2]`` (connections are per client process).
Writes ``bench/results/sandbox.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import ssl
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from sandbox.launcher import launch_sandbox

PC_SCOPE = "https://api.partner.microsoft.com/.default"
REFERRALS = "/v1.0/engagements/referrals"
ROOT = Path(__file__).resolve().parents[1]
PAYLOAD = json.loads((ROOT / "tests/sandbox/data/invite-an-organization.json").read_text())

RESULTS = Path(__file__).with_name("results") / "sandbox.json"


async def _worker(
    client: httpx.AsyncClient, count: int, latencies: list[float], failures: list[int]
) -> None:
    for _ in range(count):
        payload = {**PAYLOAD, "externalReferenceId": f"BENCH-{uuid.uuid4().hex[:12]}"}
        started = time.perf_counter()
        response = await client.post(REFERRALS, json=payload)
        latencies.append(time.perf_counter() - started)
        if response.status_code != 201:
            failures.append(response.status_code)


def _list_all(proc: Any, token: str) -> dict[str, Any]:
    """Page through every referral created since the epoch, as reconciliation does."""
    with proc.client(headers={"authorization": f"Bearer {token}"}, timeout=120) as client:
        url: str | None = (
            f"{REFERRALS}?$filter=createdDateTime gt 2000-01-01T00:00:00Z&$orderby=createdDateTime"
        )
        pages = items = 0
        started = time.perf_counter()
        while url:
            body = client.get(url).json()
            pages += 1
            items += len(body["value"])
            url = body.get("@odata.nextLink")
        elapsed = time.perf_counter() - started
    return {
        "pages": pages,
        "items": items,
        "seconds": round(elapsed, 3),
        "pages_per_s": round(pages / elapsed, 1),
    }


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _raw_worker(
    base_url: str,
    context: ssl.SSLContext,
    token: str,
    count: int,
    latencies: list[float],
    failures: list[int],
) -> None:
    """A minimal keep-alive HTTP/1.1 client: shows what the server does when the client is cheap."""
    host, _, port = base_url.removeprefix("https://").rpartition(":")
    reader, writer = await asyncio.open_connection(host, int(port), ssl=context)
    try:
        for _ in range(count):
            body = json.dumps({**PAYLOAD, "externalReferenceId": f"BENCH-{uuid.uuid4().hex[:12]}"})
            request = (
                f"POST {REFERRALS} HTTP/1.1\r\nHost: {host}\r\n"
                f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n{body}"
            ).encode()
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if status != 201:
                failures.append(status)
    finally:
        writer.close()


async def _load(
    base_url: str, ca: str, token: str, count: int, concurrency: int, client: str
) -> tuple[list[float], list[int]]:
    """Send ``count`` creates over ``concurrency`` keep-alive connections."""
    context = ssl.create_default_context(cafile=ca)
    latencies: list[float] = []
    failures: list[int] = []
    per_client = count // concurrency
    if client == "raw":
        await asyncio.gather(
            *(
                _raw_worker(base_url, context, token, per_client, latencies, failures)
                for _ in range(concurrency)
            )
        )
        return latencies, failures
    headers = {"authorization": f"Bearer {token}"}
    clients = [
        httpx.AsyncClient(base_url=base_url, verify=context, headers=headers, timeout=60)
        for _ in range(concurrency)
    ]
    try:
        await asyncio.gather(*(_worker(c, per_client, latencies, failures) for c in clients))
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    return latencies, failures


def _child(job: tuple[Any, ...], barrier: Any, results: Any) -> None:
    """One load-generating process: wait for the start signal, load, report."""
    barrier.wait()
    results.put(asyncio.run(_load(*job)))


def _run(
    base_url: str,
    ca: str,
    token: str,
    creates: int,
    concurrency: int,
    pid: int,
    client: str,
    processes: int,
) -> dict[str, Any]:
    """Run one configuration from ``processes`` client processes started together."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(processes + 1)
    results = ctx.Queue()
    per_process = creates // processes
    job = (base_url, ca, token, per_process, concurrency, client)
    children = [ctx.Process(target=_child, args=(job, barrier, results)) for _ in range(processes)]
    for child in children:
        child.start()
    barrier.wait()
    cpu_before = _cpu_seconds(pid)
    started = time.perf_counter()
    latencies: list[float] = []
    failures: list[int] = []
    for _ in children:
        got_latencies, got_failures = results.get(timeout=600)
        latencies += got_latencies
        failures += got_failures
    elapsed = time.perf_counter() - started
    server_cpu = _cpu_seconds(pid) - cpu_before
    for child in children:
        child.join()
    done = len(latencies)
    ordered = sorted(latencies)
    return {
        "client": client,
        "processes": processes,
        "concurrency": concurrency,
        "creates": done,
        "failures": len(failures),
        "seconds": round(elapsed, 3),
        "creates_per_s": round(done / elapsed, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 2),
        "server_cpu_ms_per_create": round(server_cpu * 1000 / done, 3),
        "server_capacity_per_cpu_s": round(done / server_cpu, 1) if server_cpu else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--creates", type=int, default=4000, help="creates per run")
    parser.add_argument("--concurrency", default="8,32", help="client counts to try")
    parser.add_argument("--clients", default="httpx,raw", help="httpx and/or raw")
    parser.add_argument("--processes", default="1", help="client process counts to try, e.g. 1,2")
    args = parser.parse_args()
    levels = [int(x) for x in args.concurrency.split(",")]
    kinds = args.clients.split(",")
    process_counts = [int(x) for x in args.processes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        proc = launch_sandbox(Path(tmp) / "state", "--seed", "1", cwd=ROOT)
        try:
            with proc.client() as admin:
                token = admin.post("/_sandbox/token", json={"scope": PC_SCOPE}).json()
                for kind in kinds:
                    for processes in process_counts:
                        for level in levels:
                            admin.post("/_sandbox/reset")
                            rows.append(
                                _run(
                                    proc.base_url,
                                    str(proc.ca_path),
                                    token["access_token"],
                                    args.creates,
                                    level,
                                    proc.process.pid,
                                    kind,
                                    processes,
                                )
                            )
                stored = admin.get("/_sandbox/stats").json()["objects"]["referral"]
            listing = _list_all(proc, token["access_token"])
        finally:
            proc.stop()
    header = (
        f"{'client':>6} {'procs':>5} {'conns':>5} {'creates':>7} {'fail':>4} {'seconds':>7} "
        f"{'creates/s':>9} {'p50 ms':>7} {'p95 ms':>7} {'srv cpu ms':>10} {'srv cap/s':>9}"
    )
    print(header)
    for row in rows:
        print(
            f"{row['client']:>6} {row['processes']:>5} {row['concurrency']:>5} "
            f"{row['creates']:>7} "
            f"{row['failures']:>4} {row['seconds']:>7} {row['creates_per_s']:>9} "
            f"{row['p50_ms']:>7} {row['p95_ms']:>7} {row['server_cpu_ms_per_create']:>10} "
            f"{row['server_capacity_per_cpu_s']:>9}"
        )
    best = max(row["creates_per_s"] for row in rows)
    capacity = max(row["server_capacity_per_cpu_s"] or 0 for row in rows)
    load = os.getloadavg()[0]
    print(
        f"best wall-clock {best} creates/s; server {capacity} creates per CPU-second "
        f"(goal >= 1000/s); {os.cpu_count()} CPUs, load average {load:.2f}; "
        f"last run stored {stored} referrals"
    )
    print(
        f"listing them with $filter/$orderby: {listing['pages']} pages of <=100 in "
        f"{listing['seconds']} s ({listing['pages_per_s']} pages/s)"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    summary = {
        "benchmark": "sandbox referral creates over TLS, keep-alive, no injected latency",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_1m_at_end": load,
        },
        "runs": rows,
        "best_creates_per_s": best,
        "server_creates_per_cpu_s": capacity,
        "goal_creates_per_s": 1000,
        "list_filtered_paging": listing,
    }
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
