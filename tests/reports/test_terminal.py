from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from refsync.records import Outcome, RowResult
from refsync.reports import (
    KeyEvent,
    RunHistory,
    RunReport,
    render_key_history,
    render_runs_table,
    render_summary_table,
)
from tests.reports.factories import BEARER, STARTED, leaked, make_report

pytestmark = pytest.mark.unit


def test_the_table_lists_every_outcome_in_order_with_its_count(report: RunReport) -> None:
    lines = render_summary_table(report).splitlines()
    assert lines[0] == f"run {report.run_id} · dynamics-leads → partner_center.referral · complete"
    body = [line.split() for line in lines[3:13]]
    assert [(name, int(n)) for name, n in body] == [(o.value, report.counts[o]) for o in Outcome]
    assert [o.value for o in Outcome] == [
        "created", "updated", "unchanged", "invalid", "rejected",
        "failed", "held", "conflict", "filtered", "duplicate",
    ]
    assert lines[-1].split() == ["total", "12"]


def test_an_incomplete_run_says_so_in_its_first_line() -> None:
    text = render_summary_table(make_report([], complete=False))
    assert "INCOMPLETE" in text.splitlines()[0]
    assert text.splitlines()[-1].split() == ["total", "0"]


def test_the_total_lines_up_under_the_counts(report: RunReport) -> None:
    lines = render_summary_table(report).splitlines()
    assert lines[-2] == lines[2]  # the same rule closes the table
    assert len({len(line) for line in lines[1:]}) == 1


def test_the_runs_table_has_one_aligned_line_per_run(tmp_path: Path) -> None:
    history = RunHistory(tmp_path)
    first = make_report(run_id="nightly-1")
    second = make_report([RowResult(2, "K", Outcome.CREATED)], complete=False,
                         run_id="nightly-2", started_at=STARTED + timedelta(days=1))
    history.append(first.summary())
    history.append(second.summary())
    lines = render_runs_table(history.runs()).splitlines()
    assert lines[0].split() == [
        "started", "(UTC)", "run", "mapping", "complete", *(o.value for o in Outcome), "total"
    ]
    assert lines[2].split() == ["2026-11-20", "22:00", "nightly-1", "dynamics-leads", "yes",
                                "3", "1", "2", "2", "1", "1", "0", "1", "1", "0", "12"]
    assert lines[3].split()[4:6] == ["NO", "1"]
    assert lines[3].split()[-1] == "1"
    assert len({len(line) for line in lines}) == 1
    assert render_runs_table([]) == "no runs recorded yet"


def test_one_keys_history_reads_run_by_run() -> None:
    events = [
        KeyEvent("run-1", STARTED, "m", RowResult(
            4, "K-1", Outcome.REJECTED, error=f"400 bad\ncountry {BEARER} " + "x" * 200)),
        KeyEvent("run-2", STARTED + timedelta(days=1), "m", RowResult(
            4, "K-1", Outcome.CREATED, remote_id="ref-9", remote_status="Active")),
    ]
    lines = render_key_history("K-1", events).splitlines()
    assert lines[0] == "key K-1"
    assert lines[1].split() == ["started", "(UTC)", "run", "row", "outcome", "remote", "id",
                                "status", "error"]
    assert lines[3].startswith("2026-11-20 22:00  run-1")
    assert "rejected" in lines[3]
    assert "400 bad country Bearer ***" in lines[3]
    assert lines[3].endswith("…")
    assert leaked(lines[3]) == []
    assert lines[4].split()[3:] == ["4", "created", "ref-9", "Active"]
    assert render_key_history("K-404", []) == "no recorded run has a row with key K-404"
