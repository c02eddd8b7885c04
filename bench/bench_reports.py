"""Benchmark the run reports: how long each format takes for a large run, and how big it is.

Run: ``.venv/bin/python bench/bench_reports.py [--rows N ...]`` (default 10,000 and 100,000).

For each size a realistic mix of outcomes is built (most rows created or unchanged, a tenth with
an error message, some errors carrying a bearer token that must be masked); the benchmark times
building the :class:`RunReport`, cleaning its rows once (secrets masked; shared by all
formats), then each writer (xlsx, CSV, JSON, HTML) once, and records the
size of every file. Peak memory of the process is read from ``getrusage`` at the end.

Prints a table and writes ``bench/results/reports.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from refsync.records import Outcome, RowResult, Target  # noqa: E402
from refsync.reports import (  # noqa: E402
    Provenance,
    RunReport,
    write_csv,
    write_html,
    write_json,
    write_xlsx,
)

_MIX = (
    [Outcome.CREATED] * 40 + [Outcome.UNCHANGED] * 40 + [Outcome.UPDATED] * 8
    + [Outcome.INVALID] * 5 + [Outcome.REJECTED] * 3 + [Outcome.FAILED] * 2
    + [Outcome.FILTERED] * 2
)
_ERRORS = {
    Outcome.INVALID: "country='Narnia': not an ISO 3166 country",
    Outcome.REJECTED: "400 invalidRequest: Authorization: Bearer eyJhbGciOi.eyJzdWIi.c2ln echoed",
    Outcome.FAILED: "503 serviceUnavailable after 5 attempts",
}


def build_results(rows: int) -> list[RowResult]:
    synced = datetime(2026, 11, 20, 22, 1, tzinfo=UTC)
    results = []
    for i in range(rows):
        outcome = _MIX[i % len(_MIX)]
        sent = outcome in (Outcome.CREATED, Outcome.UPDATED, Outcome.UNCHANGED)
        results.append(RowResult(
            row_number=i + 2,
            key=f"LEAD-{i:07d}",
            outcome=outcome,
            remote_id=f"{i:08x}-0000-4000-8000-{i:012x}" if sent else None,
            remote_status="Active" if sent else None,
            error=_ERRORS.get(outcome),
            request_id=f"req-{i:08x}" if sent else None,
            synced_at=synced + timedelta(milliseconds=i) if sent else None,
            source_id=(i + 1,),
        ))
    return results


def measure(rows: int, out: Path) -> dict[str, object]:
    results = build_results(rows)
    provenance = Provenance(
        run_id=f"bench-{rows}", target=Target.REFERRAL, mapping_name="bench",
        mapping_version="1", mapping_checksum="sha256:" + "0" * 64,
        source_description="generated", source_fingerprint="none",
        started_at=datetime(2026, 11, 20, 22, 0, tzinfo=UTC),
    )
    start = time.perf_counter()
    report = RunReport.build(results, provenance)
    _ = report.counts
    timings = {"build": time.perf_counter() - start}
    start = time.perf_counter()
    _ = report.shown_rows
    timings["clean"] = time.perf_counter() - start
    sizes: dict[str, int] = {}
    for name, writer in (("xlsx", write_xlsx), ("csv", write_csv), ("json", write_json),
                         ("html", write_html)):
        start = time.perf_counter()
        path = writer(report, out)
        timings[name] = time.perf_counter() - start
        sizes[name] = path.stat().st_size
    return {"rows": rows, "seconds": timings, "bytes": sizes}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    measurements = []
    with tempfile.TemporaryDirectory(prefix="refsync-bench-reports-") as tmp:
        for rows in args.rows:
            measurements.append(measure(rows, Path(tmp)))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    formats = ["build", "clean", "xlsx", "csv", "json", "html"]
    print(f"{'rows':>9}  " + "  ".join(f"{f + ' s':>9}" for f in formats)
          + "  " + "  ".join(f"{f + ' MB':>8}" for f in formats[2:]))
    for m in measurements:
        seconds, sizes = m["seconds"], m["bytes"]
        assert isinstance(seconds, dict)
        assert isinstance(sizes, dict)
        print(f"{m['rows']:>9,}  " + "  ".join(f"{seconds[f]:>9.3f}" for f in formats)
              + "  " + "  ".join(f"{sizes[f] / 1e6:>8.2f}" for f in formats[2:]))
    print(f"peak RSS of the process: {peak_mb:.0f} MB")

    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "reports.json").write_text(json.dumps({
        "benchmark": "reports",
        "measured_at": datetime.now(UTC).isoformat(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "measurements": measurements,
        "peak_rss_mb": round(peak_mb, 1),
    }, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
