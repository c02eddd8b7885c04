"""The ``.xlsx`` report: a Summary sheet, then one sheet per outcome that occurred.

People open this one: it is where sales operations find the rejected and invalid rows to fix.
The workbook is streamed (openpyxl's write-only mode) so it holds no second copy of the rows;
every text cell passes :func:`refsync.cells.neutralise`, and times are written as real Excel
dates in UTC (Excel has no time zones, so the Summary sheet says so).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from refsync.cells import neutralise
from refsync.reports._files import atomic_path, resolve_target
from refsync.reports.model import RunReport
from refsync.reports.rows import COLUMNS, ReportRow, provenance_items

SUMMARY_SHEET = "Summary"
#: Excel refuses longer cell text; longer error messages are cut and marked.
MAX_CELL_TEXT = 32_767
_CUT_MARK = " …[cut]"
_DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"
_WIDTHS = {
    "row_number": 11, "key": 28, "outcome": 12, "remote_id": 38, "remote_status": 14,
    "request_id": 38, "synced_at": 20, "error": 80, "source_id": 18,
}
_BOLD = Font(bold=True)


def _text(value: str) -> Any:
    if len(value) > MAX_CELL_TEXT:
        value = value[: MAX_CELL_TEXT - len(_CUT_MARK)] + _CUT_MARK
    return neutralise(value)


def _bold(ws: WriteOnlyWorksheet, value: Any) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=_text(value) if isinstance(value, str) else neutralise(value))
    cell.font = _BOLD
    return cell


def _row_cells(ws: WriteOnlyWorksheet, row: ReportRow) -> list[Any]:
    cells: list[Any] = []
    for name, value in zip(COLUMNS, row.flat(), strict=True):
        if name == "synced_at" and row.synced_at is not None:
            cell = WriteOnlyCell(ws, value=row.synced_at.astimezone(UTC).replace(tzinfo=None))
            cell.number_format = _DATE_FORMAT
            cells.append(cell)
        elif isinstance(value, str):
            cells.append(_text(value))
        else:
            cells.append(neutralise(value))
    return cells


def _write_summary(ws: WriteOnlyWorksheet, report: RunReport) -> None:
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 70
    ws.append([_bold(ws, "refsync run report")])
    ws.append([])
    for label, value in provenance_items(report):
        ws.append([_bold(ws, label), _text(value)])
    ws.append([_text("Times"), _text("UTC")])
    ws.append([])
    ws.append([_bold(ws, "Outcome"), _bold(ws, "Rows")])
    for outcome, n in report.counts.items():
        ws.append([_text(outcome.value), neutralise(n)])
    ws.append([_bold(ws, "Total"), _bold(ws, report.total)])


def _write_outcome_sheet(ws: WriteOnlyWorksheet, rows: list[ReportRow]) -> None:
    for index, name in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = _WIDTHS[name]
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(rows) + 1}"
    ws.append([_bold(ws, name) for name in COLUMNS])
    for row in rows:
        ws.append(_row_cells(ws, row))


def write_xlsx(report: RunReport, out: Path) -> Path:
    """Write the workbook to ``out`` (a file, or a directory for the default name)."""
    target = resolve_target(out, report, "xlsx")
    by_outcome: dict[str, list[ReportRow]] = {}
    for row in report.shown_rows:
        by_outcome.setdefault(row.outcome.value, []).append(row)
    workbook = Workbook(write_only=True)
    workbook.properties.creator = "refsync"
    workbook.properties.created = datetime.now(UTC).replace(tzinfo=None)
    _write_summary(workbook.create_sheet(SUMMARY_SHEET), report)
    for outcome in report.counts:
        rows = by_outcome.get(outcome.value)
        if rows:
            _write_outcome_sheet(workbook.create_sheet(outcome.value), rows)
    with atomic_path(target) as tmp:
        workbook.save(tmp)
    return target
