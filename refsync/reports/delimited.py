"""The CSV report: one line per input row, for people who filter in a spreadsheet.

Written as UTF-8 with a byte-order mark so that Excel shows accents and non-Latin names
correctly, and every cell passes :func:`refsync.cells.neutralise` so no cell can run as a formula.
"""

from __future__ import annotations

import csv
from pathlib import Path

from refsync.cells import neutralise
from refsync.reports._files import atomic_path, resolve_target
from refsync.reports.model import RunReport
from refsync.reports.rows import COLUMNS


def write_csv(report: RunReport, out: Path) -> Path:
    """Write the CSV report to ``out`` (a file, or a directory for the default name)."""
    target = resolve_target(out, report, "csv")
    with atomic_path(target) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow([neutralise(name) for name in COLUMNS])
        for row in report.shown_rows:
            writer.writerow(["" if value is None else neutralise(value) for value in row.flat()])
    return target
