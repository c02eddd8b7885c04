from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from refsync.records import Outcome, RowResult
from refsync.reports import RunReport, write_xlsx
from refsync.reports.rows import COLUMNS
from refsync.reports.workbook import MAX_CELL_TEXT
from tests.reports.factories import leaked, make_report

pytestmark = pytest.mark.unit


def read_back(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    workbook = load_workbook(path)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in workbook}


def summary_of(sheet: list[tuple[Any, ...]]) -> dict[str, Any]:
    return {row[0]: row[1] for row in sheet if row and row[0] is not None and len(row) > 1}


def test_a_summary_sheet_then_one_sheet_per_outcome_that_occurred(report: RunReport,
                                                                  tmp_path: Path) -> None:
    sheets = read_back(write_xlsx(report, tmp_path))
    assert list(sheets) == [
        "Summary", "created", "updated", "unchanged", "invalid", "rejected", "failed",
        "conflict", "filtered",
    ]
    for outcome in Outcome:
        if outcome.value in sheets:
            rows = sheets[outcome.value]
            assert rows[0] == COLUMNS
            assert len(rows) - 1 == report.counts[outcome]
            assert {r[2] for r in rows[1:]} == {outcome.value}


def test_the_summary_holds_provenance_and_every_count(report: RunReport, tmp_path: Path) -> None:
    summary = summary_of(read_back(write_xlsx(report, tmp_path))["Summary"])
    assert summary["Run id"] == report.run_id
    assert summary["Target"] == "partner_center.referral"
    assert summary["Mapping"] == "dynamics-leads"
    assert summary["Mapping version"] == "3"
    assert summary["Mapping checksum"] == "sha256:" + "ab" * 32
    assert summary["Source fingerprint"] == "SELECT * FROM leads WHERE updated_at > :watermark"
    assert summary["refsync version"] == "0.1.0"
    assert summary["Started (UTC)"] == "2026-11-20T22:00:00Z"
    assert summary["Finished (UTC)"] == "2026-11-20T22:03:07Z"
    assert summary["Complete"] == "yes"
    assert summary["Times"] == "UTC"
    for outcome, n in report.counts.items():
        assert summary[outcome.value] == n
    assert summary["Total"] == 12


def test_rows_carry_ids_errors_and_real_utc_dates(report: RunReport, tmp_path: Path) -> None:
    sheets = read_back(write_xlsx(report, tmp_path))
    assert sheets["created"][1] == (2, "LEAD-001", "created", "ref-1", "Active", "req-1",
                                    datetime(2026, 11, 20, 22, 1), None, "1")
    assert sheets["conflict"][1][7] == "412 preconditionFailed: the deal changed in Partner Center"
    assert sheets["conflict"][1][8] == "EU | 10"


def test_no_cell_can_run_as_a_formula(report: RunReport, tmp_path: Path) -> None:
    path = write_xlsx(report, tmp_path)
    workbook = load_workbook(path)
    for ws in workbook:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"
    sheets = read_back(path)
    assert sheets["created"][3][1] == "'=HYPERLINK(\"http://evil\",\"x\")"
    assert sheets["invalid"][2][1] == "'@SUM(1)"
    assert sheets["invalid"][2][7] == "'-dealValue must be positive"


def test_no_token_or_password_reaches_the_workbook(report: RunReport, tmp_path: Path) -> None:
    sheets = read_back(write_xlsx(report, tmp_path))
    text = "\n".join(str(v) for rows in sheets.values() for row in rows for v in row)
    assert leaked(text) == []
    assert sheets["rejected"][1][7].startswith("400 invalidRequest: header Authorization: Bearer")
    assert "Bearer ***" in sheets["rejected"][1][7]
    assert summary_of(sheets["Summary"])["Source"].startswith("postgresql://crm:***@")


def test_text_excel_cannot_hold_is_made_safe_not_fatal(tmp_path: Path) -> None:
    huge = "x" * (MAX_CELL_TEXT + 10)
    report = make_report([
        RowResult(2, "K\x00\x07", Outcome.FAILED, error=huge),
    ])
    sheets = read_back(write_xlsx(report, tmp_path))
    key, error = sheets["failed"][1][1], sheets["failed"][1][7]
    assert key == "K\ufffd\ufffd"
    assert len(error) == MAX_CELL_TEXT
    assert error.endswith("…[cut]")


def test_an_empty_incomplete_run_has_only_the_summary(tmp_path: Path) -> None:
    sheets = read_back(write_xlsx(make_report([], complete=False), tmp_path / "r.xlsx"))
    assert list(sheets) == ["Summary"]
    summary = summary_of(sheets["Summary"])
    assert summary["Complete"] == "no: the run stopped before every row"
    assert summary["Total"] == 0
