"""The streaming .xlsx writer produces files that openpyxl and calamine read back exactly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import python_calamine
from openpyxl import load_workbook

from connectors.writeback._xlsx import SheetWriter

pytestmark = pytest.mark.unit

ROWS = [
    ["Text <&> \"quoted\"", "  padded  ", None, "'=neutralised"],
    [42, 2.5, Decimal("10.25"), True],
    [dt.datetime(2026, 3, 4, 5, 6, 7), dt.date(2026, 3, 4), dt.time(12, 30), False],
    [],
    [None, None, "after a gap"],
]


def test_values_round_trip_through_openpyxl_and_calamine(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    with SheetWriter(path, 'Leads "EU" & more') as writer:
        for row in ROWS:
            writer.append(row)
    book = load_workbook(path)
    sheet = book.active
    assert sheet is not None
    assert sheet.title == 'Leads "EU" & more'
    got = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert got[0] == ["Text <&> \"quoted\"", "  padded  ", None, "'=neutralised"]
    assert got[1] == [42, 2.5, 10.25, True]
    assert got[2][:2] == [dt.datetime(2026, 3, 4, 5, 6, 7), dt.datetime(2026, 3, 4)]
    assert got[2][2] == dt.time(12, 30)
    assert got[2][3] is False
    assert got[3] == [None, None, None, None]
    assert got[4][2] == "after a gap"
    fast = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    assert fast.to_python()[2][0] == dt.datetime(2026, 3, 4, 5, 6, 7)
