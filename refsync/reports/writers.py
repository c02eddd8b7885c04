"""Every report format of one run, written together into one directory."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from refsync.reports.delimited import write_csv
from refsync.reports.history import RunHistory
from refsync.reports.html_page import TREND_RUNS, write_html
from refsync.reports.json_report import write_json
from refsync.reports.model import RunReport, RunSummary
from refsync.reports.workbook import write_xlsx


def write_all(
    report: RunReport, out_dir: Path, *, history: Sequence[RunSummary] = ()
) -> dict[str, Path]:
    """Write the workbook, CSV, JSON and HTML reports; return their paths by format name.

    ``history`` holds earlier runs' summaries for the HTML trend. The files are named after the
    run (``refsync-report-<run id>.<format>``), so runs sharing a directory never overwrite
    each other.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return {
        "xlsx": write_xlsx(report, out_dir),
        "csv": write_csv(report, out_dir),
        "json": write_json(report, out_dir),
        "html": write_html(report, out_dir, history=history),
    }


def publish(report: RunReport, out_dir: Path) -> dict[str, Path]:
    """Write every format with the directory's own history as the trend, then record this run.

    This is the one call a flow makes at the end of a run. The trend compares like with like:
    only earlier runs of the same mapping and target. The run is recorded only after its files
    are all written, so the history never names a run whose reports are missing.
    """
    history = RunHistory(out_dir)
    alike = [
        s for s in history.runs()
        if s.mapping_name == report.mapping_name and s.target == report.target
    ]
    paths = write_all(report, out_dir, history=alike[-TREND_RUNS:])
    history.append(report.summary())
    return paths
