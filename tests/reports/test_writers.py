from __future__ import annotations

import csv
import json
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from refsync.records import Outcome, RowResult
from refsync.reports import RunHistory, RunReport, publish, write_all
from tests.reports.dom import parse
from tests.reports.factories import STARTED, leaked, make_provenance

pytestmark = pytest.mark.unit


def test_every_format_from_one_call_tells_the_same_story(report: RunReport,
                                                         tmp_path: Path) -> None:
    paths = write_all(report, tmp_path / "out")
    assert set(paths) == {"xlsx", "csv", "json", "html"}
    assert {p.parent for p in paths.values()} == {tmp_path / "out"}
    expected = {o.value: n for o, n in report.counts.items()}

    with paths["csv"].open(encoding="utf-8-sig", newline="") as fh:
        csv_rows = list(csv.DictReader(fh))
    from_csv = {o: sum(r["outcome"] == o for r in csv_rows) for o in expected}
    document = json.loads(paths["json"].read_text("utf-8"))
    workbook = load_workbook(paths["xlsx"])
    from_xlsx = {o: (workbook[o].max_row - 1 if o in workbook.sheetnames else 0) for o in expected}
    bars = parse(paths["html"].read_text("utf-8")).find_all("g", class_="bar")
    from_html = {b.attrs["data-outcome"]: int(b.attrs["data-count"] or -1) for b in bars}

    assert from_csv == document["counts"] == from_xlsx == from_html == expected
    for path in paths.values():
        if path.suffix != ".xlsx":
            assert leaked(path.read_text("utf-8-sig")) == []


def run(hours: int, outcome: Outcome, **provenance: object) -> RunReport:
    return RunReport.build(
        [RowResult(2, "K-1", outcome)],
        make_provenance(run_id=f"nightly-{hours}", started_at=STARTED + timedelta(hours=hours),
                        **provenance),
        finished_at=STARTED + timedelta(hours=hours, minutes=1),
    )


def test_publish_draws_the_history_of_the_same_mapping_and_records_the_run(tmp_path: Path) -> None:
    publish(run(0, Outcome.FAILED), tmp_path)
    publish(run(1, Outcome.CREATED), tmp_path)
    publish(run(10, Outcome.CREATED, mapping_name="guest-invites"), tmp_path)
    publish(run(11, Outcome.CREATED, target="graph.invitation"), tmp_path)
    paths = publish(run(2, Outcome.UNCHANGED), tmp_path)
    trend = parse(paths["html"].read_text("utf-8")).by_id("trend-chart")
    columns = trend.find_all("g", class_="run")
    assert [c.attrs["data-run-id"] for c in columns] == ["nightly-0", "nightly-1", "nightly-2"]
    assert [c.find_all("rect")[0].attrs["data-outcome"] for c in columns] == [
        "failed", "created", "unchanged"
    ]
    assert [s.run_id for s in RunHistory(tmp_path).runs()] == [
        "nightly-0", "nightly-1", "nightly-2", "nightly-10", "nightly-11"
    ]
    assert len(list(tmp_path.glob("refsync-report-nightly-*.json"))) == 5


def test_a_run_whose_reports_fail_is_not_recorded(tmp_path: Path) -> None:
    (tmp_path / "refsync-report-nightly-0.csv").mkdir()  # a directory where the CSV must go
    with pytest.raises(OSError, match=r"refsync-report-nightly-0\.csv"):
        publish(run(0, Outcome.CREATED), tmp_path)
    assert RunHistory(tmp_path).runs() == []
