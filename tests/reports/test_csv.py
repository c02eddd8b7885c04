from __future__ import annotations

import csv
from pathlib import Path

import pytest

from refsync.reports import RunReport, write_csv
from refsync.reports._files import atomic_path
from refsync.reports.rows import COLUMNS
from tests.reports.factories import leaked, make_report

pytestmark = pytest.mark.unit


def read_back(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == COLUMNS
        return list(reader)


def test_one_line_per_input_row_with_its_outcome_and_ids(report: RunReport,
                                                          tmp_path: Path) -> None:
    rows = read_back(write_csv(report, tmp_path))
    assert [int(r["row_number"]) for r in rows] == list(range(2, 14))
    first = rows[0]
    assert first == {
        "row_number": "2", "key": "LEAD-001", "outcome": "created", "remote_id": "ref-1",
        "remote_status": "Active", "request_id": "req-1", "synced_at": "2026-11-20T22:01:00Z",
        "error": "", "source_id": "1",
    }
    assert [r["outcome"] for r in rows].count("created") == 3
    assert rows[9]["source_id"] == "EU | 10"


def test_cells_that_would_run_as_formulas_are_neutralised(report: RunReport,
                                                          tmp_path: Path) -> None:
    rows = read_back(write_csv(report, tmp_path))
    by_row = {r["row_number"]: r for r in rows}
    assert by_row["4"]["key"] == "'=HYPERLINK(\"http://evil\",\"x\")"
    assert by_row["13"]["key"] == "'@SUM(1)"
    assert by_row["13"]["error"] == "'-dealValue must be positive"
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r.values())


def test_no_token_or_secret_reaches_the_file(report: RunReport, tmp_path: Path) -> None:
    path = write_csv(report, tmp_path)
    text = path.read_text("utf-8-sig")
    assert leaked(text) == []
    assert "Bearer ***" in read_back(path)[7]["error"]


def test_written_with_a_bom_so_excel_reads_utf8(tmp_path: Path) -> None:
    report = make_report([])
    path = write_csv(report, tmp_path / "out.csv")
    assert path == tmp_path / "out.csv"
    assert path.read_bytes() == b"\xef\xbb\xbf" + ",".join(COLUMNS).encode() + b"\r\n"


def test_a_directory_gets_a_file_named_after_the_run(tmp_path: Path) -> None:
    report = make_report(run_id="2026/11/20 nightly")
    path = write_csv(report, tmp_path / "runs")
    assert path == tmp_path / "runs" / "refsync-report-2026_11_20_nightly.csv"


def test_a_failed_write_leaves_the_previous_file_and_no_debris(tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    target.write_text("previous")

    def write_half() -> None:
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_half()
    assert target.read_text() == "previous"
    assert list(tmp_path.iterdir()) == [target]
