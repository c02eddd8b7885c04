from __future__ import annotations

import pytest

from refsync.records import Outcome, RowResult
from refsync.reports import RunReport, outcome_table, render_markdown
from refsync.reports import markdown as md
from tests.reports.factories import leaked, make_report

pytestmark = pytest.mark.unit


def test_counts_come_as_records_for_a_table_artifact(report: RunReport) -> None:
    assert outcome_table(report) == [{"outcome": o.value, "rows": n}
                                     for o, n in report.counts.items()]


def test_the_markdown_lists_counts_then_problem_rows(report: RunReport) -> None:
    text = render_markdown(report)
    lines = text.splitlines()
    counts_at = lines.index("| outcome | rows |")
    assert lines[counts_at + 2: counts_at + 12] == [
        f"| {o.value} | {n} |" for o, n in report.counts.items()
    ]
    assert "| **total** | **12** |" in lines
    assert "## Rows that need attention (5)" in lines
    table_at = lines.index("| row | key | outcome | error |")
    problems = [line.split(" | ") for line in lines[table_at + 2: table_at + 7]]
    assert [(cells[0], cells[2]) for cells in problems] == [
        ("| 8", "invalid"), ("| 9", "rejected"), ("| 10", "failed"), ("| 11", "conflict"),
        ("| 13", "invalid"),
    ]
    assert lines[table_at + 7] == ""
    assert leaked(text) == []


def test_values_cannot_become_markup_links_or_columns() -> None:
    hostile = "x | [click](http://evil) <img src=x> **bold**\nnext"
    report = make_report([RowResult(2, hostile, Outcome.REJECTED, error=hostile)])
    row = next(line for line in render_markdown(report).splitlines() if line.startswith("| 2 "))
    assert row.count(" | ") == 3  # four cells, no column smuggled in
    assert "](" not in row
    assert "<img" not in row
    assert "**bold**" not in row
    assert "\\[click\\]\\(http://evil\\)" in row
    assert "&lt;img src=x&gt;" in row


def test_a_long_problem_list_is_cut(monkeypatch: pytest.MonkeyPatch, report: RunReport) -> None:
    monkeypatch.setattr(md, "MAX_MARKDOWN_ROWS", 2)
    text = render_markdown(report)
    assert "The first 2 are shown; the workbook lists all." in text
    assert "| 10 |" not in text


def test_a_clean_incomplete_run_has_no_problem_section() -> None:
    text = render_markdown(make_report([RowResult(2, "K", Outcome.CREATED)], complete=False))
    assert "need attention" not in text
    assert "**incomplete**" in text
