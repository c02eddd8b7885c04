"""Benchmark Prefect's fixed costs, the price refsync pays for orchestration.

Run: ``.venv/bin/python bench/bench_prefect.py [--flows N] [--tasks N] [--repeats N]``.

Each repeat runs a fresh Python process with a fresh ``PREFECT_HOME`` (telemetry off) that
measures, in this order:

- ``import prefect`` (and ``from prefect import flow, task``);
- the first flow run, which starts Prefect's temporary server (a subprocess with its own SQLite
  database) before it can record anything;
- an empty flow run once the server is up (per-flow-run overhead), averaged over ``--flows`` runs;
- an empty subflow inside a flow (what each local backfill partition costs);
- an empty task inside a flow (what each chunk costs), averaged over ``--tasks`` tasks.

The medians over the repeats are printed and written to ``bench/results/prefect.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = r"""
import asyncio, json, sys, time
t0 = time.perf_counter()
from prefect import flow, task
t_import = time.perf_counter() - t0
from prefect.cache_policies import NO_CACHE

FLOWS, TASKS = int(sys.argv[1]), int(sys.argv[2])

@task(cache_policy=NO_CACHE)
async def empty_task() -> None:
    return None

@flow
async def empty_flow() -> None:
    return None

@flow
async def with_tasks(n: int) -> None:
    for _ in range(n):
        await empty_task()

@flow
async def with_subflows(n: int) -> None:
    for _ in range(n):
        await empty_flow()

async def main() -> dict[str, float]:
    t = time.perf_counter(); await empty_flow(); first = time.perf_counter() - t
    t = time.perf_counter()
    for _ in range(FLOWS):
        await empty_flow()
    per_flow = (time.perf_counter() - t) / FLOWS
    t = time.perf_counter(); await with_tasks(0); base = time.perf_counter() - t
    t = time.perf_counter(); await with_tasks(TASKS); tasks = time.perf_counter() - t
    t = time.perf_counter(); await with_subflows(5); subflows = time.perf_counter() - t
    return {"import_s": t_import, "first_flow_run_s": first, "flow_run_s": per_flow,
            "task_s": (tasks - base) / TASKS, "subflow_s": (subflows - base) / 5}

print("RESULT " + json.dumps(asyncio.run(main())))
"""


def probe(flows: int, tasks: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-prefect-") as home:
        env = {**os.environ, "PREFECT_HOME": home, "DO_NOT_TRACK": "1",
               "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
               "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
               "PREFECT_LOGGING_LEVEL": "WARNING"}
        env.pop("PREFECT_API_URL", None)
        done = subprocess.run([sys.executable, "-c", PROBE, str(flows), str(tasks)], env=env,
                              capture_output=True, text=True, timeout=900, check=False,
                              cwd=home)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return dict(json.loads(line[7:]))
    raise RuntimeError(f"the probe failed ({done.returncode}):\n{done.stderr[-3000:]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=20)
    parser.add_argument("--tasks", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    runs = [probe(args.flows, args.tasks) for _ in range(args.repeats)]
    medians = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    labels = {
        "import_s": "import prefect",
        "first_flow_run_s": "first flow run (temporary server start)",
        "flow_run_s": f"empty flow run (mean of {args.flows})",
        "subflow_s": "empty subflow (mean of 5)",
        "task_s": f"empty task (mean of {args.tasks})",
    }
    print(f"Prefect fixed costs, median of {args.repeats} fresh processes "
          f"({platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f})")
    print(f"{'cost':<44} {'ms':>10}")
    for key, label in labels.items():
        print(f"{label:<44} {medians[key] * 1000:>10.1f}")
    out = ROOT / "bench" / "results" / "prefect.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "benchmark": "prefect", "measured_at": datetime.now(UTC).isoformat(),
        "python": platform.python_version(), "cpus": os.cpu_count(),
        "load_average_1m": os.getloadavg()[0], "repeats": args.repeats,
        "flows": args.flows, "tasks": args.tasks,
        "median_seconds": medians, "runs": runs,
    }, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
