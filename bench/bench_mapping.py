"""Benchmark: map + validate + hash rows of the Dynamics 365 leads shape.

Run ``.venv/bin/python bench/bench_mapping.py``. Each size runs in a fresh subprocess so that its
peak resident memory is its own; rows arrive in chunks the way a source yields them, so peak
memory should not grow with the row count. Rows are the sample generator's Dynamics rows (one in
ten with a second distinct phone number, every key unique), tiled to the requested count.
Writes bench/results/mapping.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MAPPING = ROOT / "mappings" / "dynamics365-leads.yaml"
BASE_ROWS = 5_000


def _last_digits(phone: str, tile: int) -> str:
    """``phone`` with its last three digits replaced by ``tile`` (000-999)."""
    digits = f"{tile % 1000:03d}"
    chars = list(phone)
    places = [i for i, c in enumerate(chars) if c.isdigit()][-3:]
    for place, digit in zip(places, digits, strict=True):
        chars[place] = digit
    return "".join(chars)


def _frames(rows: int, chunk: int, start: int = 0):  # type: ignore[no-untyped-def]
    import pandas as pd

    from data.samples.generate import dynamics_rows

    base = pd.DataFrame(dynamics_rows(random.Random(1), BASE_ROWS))
    made, rows = start, start + rows
    while made < rows:
        size = min(chunk, rows - made)
        picks = [(made + i) % BASE_ROWS for i in range(size)]
        frame = base.iloc[picks].reset_index(drop=True)
        frame["(Do Not Modify) Lead"] = [f"{made + i:08x}-0000-4000-8000-000000000000"
                                         for i in range(size)]
        tiles = [(made + i) // BASE_ROWS for i in range(size)]
        frame["Business Phone"] = [_last_digits(p, t) for p, t in
                                   zip(frame["Business Phone"], tiles, strict=True)]
        frame["Email"] = [e.replace("@", f".{t}@") for e, t in
                          zip(frame["Email"], tiles, strict=True)]
        frame.index = range(made + 2, made + 2 + size)
        made += size
        yield frame


def run_one(rows: int, chunk: int) -> dict[str, float]:
    from refsync.mapping import compile_mapping, load_mapping

    mapping = compile_mapping(load_mapping(MAPPING))
    # warm-up on two chunks of other rows (tiles 900-919), so no cache holds a measured value
    for frame in _frames(min(rows, chunk * 2), chunk, start=900 * BASE_ROWS):
        mapping.map_frame(frame)
    mapped = valid = 0
    elapsed = cpu = 0.0
    for frame in _frames(rows, chunk):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = mapping.map_frame(frame)
        elapsed += time.perf_counter() - start
        cpu += time.process_time() - start_cpu
        mapped += len(result)
        valid += sum(r.is_valid for r in result)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"rows": mapped, "valid": valid, "chunk": chunk, "seconds": round(elapsed, 3),
            "rows_per_s": round(mapped / elapsed), "cpu_seconds": round(cpu, 3),
            "rows_per_cpu_s": round(mapped / cpu), "peak_rss_mb": round(peak_mb, 1),
            "load_average_1m": round(os.getloadavg()[0], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--chunk", type=int, default=50_000)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.chunk)))
        return
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(size), "--chunk", str(args.chunk)],
            check=True, capture_output=True, text=True,
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"{'rows':>9} {'valid':>9} {'chunk':>6} {'wall s':>7} {'rows/s':>7} {'cpu s':>7} "
          f"{'rows/cpu-s':>10} {'peak MB':>8} {'load':>5}")
    for r in results:
        print(f"{r['rows']:>9} {r['valid']:>9} {r['chunk']:>6} {r['seconds']:>7} "
              f"{r['rows_per_s']:>7} {r['cpu_seconds']:>7} {r['rows_per_cpu_s']:>10} "
              f"{r['peak_rss_mb']:>8} {r['load_average_1m']:>5}")
    target = ROOT / "bench" / "results" / "mapping.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"benchmark": "mapping", "mapping": MAPPING.name,
                                  "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
