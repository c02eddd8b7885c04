from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from refsync.errors import InputError
from refsync.records import Outcome, RowResult
from refsync.reports import RunHistory, RunReport, key_history, read_json, write_json
from refsync.reports.history import HISTORY_FILE
from tests.reports.factories import STARTED, make_provenance

pytestmark = pytest.mark.unit


def report_at(hours: int, results: list[RowResult] | None = None, **kw: object) -> RunReport:
    return RunReport.build(
        results if results is not None else [RowResult(2, "K-1", Outcome.CREATED)],
        make_provenance(run_id=f"run-{hours}", started_at=STARTED + timedelta(hours=hours), **kw),
        finished_at=STARTED + timedelta(hours=hours, minutes=1),
    )


def test_summaries_come_back_as_they_went_in_oldest_first(report: RunReport,
                                                          tmp_path: Path) -> None:
    history = RunHistory(tmp_path / "runs")
    later = report_at(5).summary()
    history.append(later)
    history.append(report.summary())
    runs = history.runs()
    assert [s.run_id for s in runs] == [report.run_id, "run-5"]
    assert runs[0] == report.summary()
    assert runs[1].counts[Outcome.CREATED] == 1
    assert (tmp_path / "runs" / HISTORY_FILE).read_text().count("\n") == 2


def test_a_run_recorded_twice_counts_once_with_its_latest_summary(tmp_path: Path) -> None:
    history = RunHistory(tmp_path)
    first = report_at(1).summary()
    history.append(first)
    history.append(replace(first, complete=False))
    assert [(s.run_id, s.complete) for s in history.runs()] == [("run-1", False)]


def test_recent_keeps_the_last_runs(tmp_path: Path) -> None:
    history = RunHistory(tmp_path)
    for hours in range(6):
        history.append(report_at(hours).summary())
    assert [s.run_id for s in history.recent(3)] == ["run-3", "run-4", "run-5"]
    assert history.recent(0) == []


def test_no_history_yet_is_an_empty_list(tmp_path: Path) -> None:
    assert RunHistory(tmp_path / "never-written").runs() == []


def test_a_torn_or_foreign_line_is_skipped_with_a_warning_and_nothing_else_lost(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    history = RunHistory(tmp_path)
    history.append(report_at(1).summary())
    with history.path.open("a") as fh:
        fh.write('{"v":1,"run_id":"bad","counts":{"exploded":1}}\n')
        fh.write('{"v":99,"run_id":"future"}\n')
        fh.write("\n")
    history.append(report_at(2).summary())
    with history.path.open("a") as fh:
        fh.write('{"v":1,"run_id":"torn","tar')
    with caplog.at_level(logging.WARNING, logger="refsync.reports.history"):
        runs = history.runs()
    assert [s.run_id for s in runs] == ["run-1", "run-2"]
    skipped = [r.getMessage() for r in caplog.records]
    assert len(skipped) == 3
    assert "line 2 skipped" in skipped[0]
    assert "line 3 skipped" in skipped[1]
    assert "version 99" in skipped[1]
    assert "line 6 skipped" in skipped[2]


def test_the_json_report_reads_back_into_the_same_report(tmp_path: Path) -> None:
    synced = STARTED + timedelta(minutes=1)
    original = report_at(0, [
        RowResult(2, "K-1", Outcome.CREATED, remote_id="r1", remote_status="Active",
                  request_id="q1", synced_at=synced, source_id=(1, "EU")),
        RowResult(3, None, Outcome.INVALID, error="key: missing"),
    ], source_description="crm.xlsx sheet Leads")
    assert read_json(write_json(original, tmp_path)) == original


def test_read_back_text_is_the_masked_text(report: RunReport, tmp_path: Path) -> None:
    again = read_json(write_json(report, tmp_path))
    assert again.counts == report.counts
    assert again.results[7].error is not None
    assert "Bearer ***" in again.results[7].error
    assert again.source_description.startswith("postgresql://crm:***@")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not a readable JSON run report"),
        ('{"schema": "something.else"}', "not a refsync run report"),
        ('{"schema": "refsync.run-report", "schema_version": 2}', "schema version 2"),
        ('{"schema": "refsync.run-report", "schema_version": 1, "run": {}}', "damaged"),
    ],
)
def test_a_file_that_is_not_a_readable_report_is_refused_by_name(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "r.json"
    path.write_text(content)
    with pytest.raises(InputError, match=message) as caught:
        read_json(path)
    assert str(path) in str(caught.value)


def test_a_damaged_row_is_refused_not_half_read(report: RunReport, tmp_path: Path) -> None:
    path = write_json(report, tmp_path)
    document = json.loads(path.read_text())
    document["rows"][3]["outcome"] = "exploded"
    path.write_text(json.dumps(document))
    with pytest.raises(InputError, match="exploded"):
        read_json(path)


def test_one_key_across_runs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    history = RunHistory(tmp_path)
    runs = [
        report_at(0, [RowResult(2, "K-1", Outcome.REJECTED, error="400 bad country"),
                      RowResult(3, "K-2", Outcome.CREATED, remote_id="r2")]),
        report_at(1, [RowResult(2, "K-1", Outcome.CREATED, remote_id="r1"),
                      RowResult(3, "K-2", Outcome.UNCHANGED, remote_id="r2")]),
        report_at(2, [RowResult(2, "K-2", Outcome.UNCHANGED, remote_id="r2")]),
        report_at(3, [RowResult(2, "K-1", Outcome.UPDATED, remote_id="r1")]),
    ]
    for run in runs:
        write_json(run, tmp_path)
        history.append(run.summary())
    (tmp_path / "refsync-report-run-3.json").unlink()
    with caplog.at_level(logging.WARNING, logger="refsync.reports.history"):
        events = key_history(tmp_path, "K-1")
    assert [(e.run_id, e.result.outcome, e.result.error) for e in events] == [
        ("run-0", Outcome.REJECTED, "400 bad country"),
        ("run-1", Outcome.CREATED, None),
    ]
    assert "run run-3 skipped" in caplog.records[0].getMessage()
    assert key_history(tmp_path, "nobody") == []
