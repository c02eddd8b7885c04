"""Run reports: what happened to every input row, in every format people and machines read.

Build a :class:`RunReport` from the run's :class:`~refsync.records.RowResult` values and its
:class:`Provenance`, then hand it to the writers. Each writer takes the report and an output file or
directory and returns what it wrote; :func:`write_all` writes every format at once. All formats are
produced from the same cleaned rows (:mod:`refsync.reports.rows`), so secrets are masked everywhere
and spreadsheet cells can never run as formulas.
"""

from refsync.reports.delimited import write_csv
from refsync.reports.history import KeyEvent, RunHistory, key_history
from refsync.reports.html_page import render_html, write_html
from refsync.reports.json_report import (
    SCHEMA_VERSION,
    load_schema,
    read_json,
    report_document,
    write_json,
)
from refsync.reports.markdown import outcome_table, render_markdown
from refsync.reports.model import Provenance, RunReport, RunSummary
from refsync.reports.terminal import (
    render_key_history,
    render_runs_table,
    render_summary_table,
)
from refsync.reports.workbook import write_xlsx
from refsync.reports.writers import publish, write_all

__all__ = [
    "SCHEMA_VERSION",
    "KeyEvent",
    "Provenance",
    "RunHistory",
    "RunReport",
    "RunSummary",
    "key_history",
    "load_schema",
    "outcome_table",
    "publish",
    "read_json",
    "render_html",
    "render_key_history",
    "render_markdown",
    "render_runs_table",
    "render_summary_table",
    "report_document",
    "write_all",
    "write_csv",
    "write_html",
    "write_json",
    "write_xlsx",
]
